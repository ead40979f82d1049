"""Grading a learner's attempt at a capsule. Learner-facing, and held to the judge's three promises:

1. **Hidden stays hidden.** Nothing hidden is ever inside a sandbox job whose output the learner sees. A CODE
   submit is two jobs: the visible tests (their output, errors and compile messages are shown), then the hidden
   tests in a job of their own, whose results are verdicts only — its compile messages, output, errors and exit
   statuses never leave this module. A DATABASE submit is the learner's query on the visible data (the
   difference is described), then on the hidden dataset (pass or fail only). TERMINAL checks run in the
   harness's checker shell, which the learner's programs cannot read (judges/runtimes/harness.py, "Checks").
   Expected outputs, reference solutions and stored expected results never enter a job with learner code.
2. **Earned, not pasted.** A failed DATABASE submit says how many rows are missing or extra and quotes only the
   learner's own extra rows, never a row of the expected result; a query that matches the visible data but
   not the hidden dataset fails, with feedback that quotes nothing of it.
3. **Available.** Every job of an attempt stops at its first test that runs out of time or memory (the rest are
   NR, "not run"), and the whole attempt has JUDGE_ATTEMPT_WALL_SECONDS. The attempt holds one judge slot for
   all its jobs, waiting at most JUDGE_LEARNER_SLOT_WAIT_SECONDS for it (JudgeBusy: the caller answers 503).
   One attempt in flight per learner and per address is the caller's part (codecapsule/admission.py).

Two modes: `submit` grades, `run` lets a learner try their work without a verdict on it.

* CODE submit: score = passed / total over every test; a compile (or syntax) error is reported as ungraded, with
  the compiler's message from the visible job. CODE run: the visible tests only, and the result says how many
  hidden tests Submit adds; its score is over the visible tests.
* DATABASE submit: the query on the visible data, compared with the reference's result stored by the gate
  (judges/sql_compare.py says how); then, if it matches and the capsule has a hidden dataset, on that too;
  score 1 or 0. DATABASE run: the query's result grid on the visible data only — no comparison, no verdict.
* TERMINAL: a fresh workspace, the setup script, the learner's commands, then every task's check; score = tasks
  passed / total (both modes: the terminal workspace has its own Check per task).

Feedback beyond the verdict: a test or task may carry its author's `failure_message` (capsules/schemas.py). It is
in the result only for a test that ran and failed (so, for a hidden test, only on Submit) or a task whose check
failed; it is the author's text, never anything a job printed. Every verdict comes with `verdict_label`, its
name in words for learners (the code itself stays, for clients that read it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from pydantic import BaseModel, Field

from capsules.models import Capsule, CapsuleType
from capsules.schemas import CodeConfig, DatabaseConfig, TerminalConfig, TerminalTask, TestCase, parse_config
from judges.limits import Limits, limits_for
from judges.reports import ExpectedResult
from judges.runtimes import Budget, Check, JobResult, TestResult, run_code_tests, run_shell_session, run_sql_batch
from judges.runtimes.sql_sqlite import SqlResult
from judges.sandbox import Sandbox, judge_slot
from judges.sql_compare import Comparison, results_match, rows_equal
from judges.validators.code import test_specs
from judges.validators.database import hidden_seed_sql_of, seed_sql_of
from judges.validators.terminal import check_passed

SHOWN_ROWS = 50  # rows of the learner's own result returned for display
# A failed DATABASE submit quotes a few of the learner's own rows that should not be there (their own output,
# never secret). It never quotes a row of the expected result: each quoted row could be pasted back as a literal
# (`SELECT 'Ada' UNION ...`), and a few submits would rebuild the whole answer without writing the query.
EXTRA_EXAMPLE_ROWS = 3
HIDDEN_DATA_MESSAGE = (
    "Your query returns the expected result on the sample data, but not on the hidden data it is also checked "
    "against. Make sure it computes the answer from the tables (filters, joins, grouping and sorting) rather than "
    "from particular values or ids of the sample rows."
)

Mode = Literal["run", "submit"]

# A verdict as a learner reads it. The codes stay in the API and in the pages' data attributes.
VERDICT_LABELS = {
    "AC": "Passed",
    "WA": "Wrong answer",
    "TLE": "Time limit exceeded",
    "MLE": "Memory limit exceeded",
    "RE": "Runtime error",
    "CE": "Compile error",
    "OLE": "Output too long",
    "NR": "Not run",  # an earlier test ran out of time or memory, or the attempt's time was up
}


def verdict_label(verdict: str) -> str:
    return VERDICT_LABELS.get(verdict, verdict)


class GradedTest(BaseModel):
    index: int
    is_hidden: bool
    verdict: str
    passed: bool
    # Visible tests only: what was called, expected and printed; None for hidden tests.
    description: str | None = None
    call: str | None = None
    expected: str | None = None
    actual: str | None = None
    stderr: str | None = None
    message: str | None = None
    verdict_label: str = ""
    # The author's hint for this test (capsules/schemas.py), only when it ran and failed: see the module docstring.
    failure_message: str | None = None


class GradedTask(BaseModel):
    task_id: str
    description: str
    passed: bool
    failure_message: str | None = None  # the author's hint, only when the task's check failed


class QueryResult(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool


class AttemptResult(BaseModel):
    capsule_id: str
    capsule_type: str
    mode: Mode = "submit"
    graded: bool  # False when the code could not be compiled or run at all, and for a DATABASE run (no verdict)
    passed: bool
    score: float | None = Field(default=None, ge=0, le=1)
    message: str
    compile_error: str | None = None
    tests: list[GradedTest] = Field(default_factory=list)
    tasks: list[GradedTask] = Field(default_factory=list)
    result: QueryResult | None = None
    difference: dict[str, Any] | None = None
    output: str | None = None  # TERMINAL: what the learner's commands printed
    hidden_tests: int | None = None  # CODE run: the hidden tests Submit adds to the visible ones that ran


# --- The attempt: one slot, one clock ---------------------------------------------------------------------------


@dataclass
class Attempt:
    """A learner's attempt: the judge slot it holds for all its jobs, and its wall-clock budget."""

    capsule: Capsule
    limits: Limits
    box: Sandbox | None  # None: a PostgreSQL attempt, which holds a slot but runs no sandbox
    ends_at: float

    def budget(self) -> Budget:
        """What is left of the attempt's time, for the next job; every job stops at its first limit."""
        return Budget(seconds=max(self.ends_at - time.monotonic(), 0.0), stop_on_limit=True)


def _limits(capsule: Capsule, language: str) -> Limits:
    return limits_for(language, extended=capsule.runtime_tier.endswith("-extended"))


_JUDGED_LANGUAGE: dict[str, str] = {CapsuleType.DATABASE: "sql", CapsuleType.TERMINAL: "bash"}  # else the capsule's own


def _judged_language(capsule: Capsule) -> str:
    return _JUDGED_LANGUAGE.get(capsule.capsule_type, capsule.language)


@contextmanager
def open_attempt(capsule: Capsule, config: Any) -> Iterator[Attempt]:
    """Hold a judge slot for the attempt (waiting at most JUDGE_LEARNER_SLOT_WAIT_SECONDS: JudgeBusy after that)
    and start its clock. An extended runtime tier gets its budget scaled like its limits."""
    limits = _limits(capsule, _judged_language(capsule))
    budget = settings.JUDGE_ATTEMPT_WALL_SECONDS * limits.wall_seconds / settings.JUDGE_WALL_SECONDS
    wait = settings.JUDGE_LEARNER_SLOT_WAIT_SECONDS
    if isinstance(config, DatabaseConfig) and config.dialect == "postgresql":
        with judge_slot(wait):
            yield Attempt(capsule, limits, None, time.monotonic() + budget)
        return
    with Sandbox.open(limits, wait_seconds=wait) as box:
        yield Attempt(capsule, limits, box, time.monotonic() + budget)


def grade_attempt(*, capsule: Capsule, code: str, mode: Mode = "submit") -> AttemptResult:
    """Grade `code` (a program, a query or shell commands, by the capsule's type). `mode="run"` tries it
    without a verdict on the whole (see the module docstring); the default grades, as the API always has.

    Raises SandboxError (JudgeBusy when no judge slot came free in time) when the judge could not judge."""
    config = parse_config(capsule.capsule_type, capsule.config_data)
    with open_attempt(capsule, config) as attempt:
        if isinstance(config, CodeConfig):
            return _grade_code(attempt, config, code, mode)
        if isinstance(config, DatabaseConfig):
            return _run_database(attempt, config, code) if mode == "run" else _grade_database(attempt, config, code)
        assert isinstance(config, TerminalConfig)
        return _grade_terminal(attempt, config, code)


def _base(capsule: Capsule, mode: Mode) -> dict[str, Any]:
    return {"capsule_id": str(capsule.id), "capsule_type": capsule.capsule_type, "mode": mode}


# --- CODE ------------------------------------------------------------------------------------------------------


def _run_tests(attempt: Attempt, code: str, cases: Sequence[TestCase]) -> JobResult:
    return run_code_tests(
        attempt.capsule.language, code, test_specs(list(cases)), attempt.limits, box=attempt.box, budget=attempt.budget()
    )  # fmt: skip


def _grade_code(attempt: Attempt, config: CodeConfig, code: str, mode: Mode) -> AttemptResult:
    """The visible tests in one job; on submit, the hidden tests in a job of their own (see the module docstring).
    Every test keeps its index among all of the capsule's tests."""
    indexed = list(enumerate(config.test_cases))
    visible = [(index, case) for index, case in indexed if not case.is_hidden]
    hidden = [(index, case) for index, case in indexed if case.is_hidden]
    base = _base(attempt.capsule, mode)
    if mode == "run":
        base["hidden_tests"] = len(hidden)
        if not visible:
            return AttemptResult(
                **base, graded=False, passed=False, message="This exercise has no example tests to run; Submit checks your code."
            )
    # Always run (a job of no tests still compiles): the compile messages the learner sees come from a job that
    # holds nothing hidden.
    shown = _run_tests(attempt, code, [case for _, case in visible])
    if not shown.compiled:
        compiler = shown.compile
        return AttemptResult(
            **base, graded=False, passed=False, score=None,
            message="Your code does not compile, so it was not graded.",
            compile_error=(compiler.stderr or compiler.message) if compiler else "compile error",
        )  # fmt: skip
    graded = [_graded_test(index, case, result) for (index, case), result in zip(visible, shown.tests, strict=True)]
    hidden_compiles = True
    if mode == "submit" and hidden:
        secret = _hidden_job(attempt, code, hidden, shown)
        hidden_compiles = secret is None or secret.compiled
        graded += [_graded_test(index, case, result) for (index, case), result in zip(hidden, _hidden_results(secret, hidden), strict=True)]
    graded.sort(key=lambda test: test.index)
    passed = sum(test.passed for test in graded)
    message = _code_message(passed, len(graded), mode, base.get("hidden_tests", 0))
    if not hidden_compiles:
        message += (
            " Your code does not compile together with the hidden tests: check that every function, class and method"
            " is named and typed exactly as the statement says."
        )
    return AttemptResult(
        **base, graded=True, passed=passed == len(graded), score=round(passed / len(graded), 4), tests=graded, message=message
    )


def _hidden_job(attempt: Attempt, code: str, hidden: list[tuple[int, TestCase]], shown: JobResult) -> JobResult | None:
    """The hidden tests' job, or None when the visible job stopped at a limit or spent the budget: then the
    hidden tests are not run (a looping program costs one wall limit, not two)."""
    if shown.stopped is not None:
        return None
    return _run_tests(attempt, code, [case for _, case in hidden])


def _hidden_results(secret: JobResult | None, hidden: list[tuple[int, TestCase]]) -> list[tuple[str, bool]]:
    """(verdict, passed) per hidden test: a verdict and nothing else ever leaves the hidden job."""
    if secret is None:
        return [("NR", False)] * len(hidden)
    if not secret.compiled:
        return [("CE", False)] * len(hidden)
    return [(result.verdict.value, result.passed) for result in secret.tests]


def _graded_test(index: int, case: TestCase, result: TestResult | tuple[str, bool]) -> GradedTest:
    """A hidden test's verdict (and its author's hint when it failed) only: never its call, expected output or what
    the learner's code printed for it."""
    if case.is_hidden:
        verdict, passed = result if isinstance(result, tuple) else (result.verdict.value, result.passed)
        return GradedTest(
            index=index, is_hidden=True, verdict=verdict, passed=passed, verdict_label=verdict_label(verdict),
            failure_message=_failure_message(case, verdict, passed),
        )  # fmt: skip
    assert isinstance(result, TestResult)
    verdict = result.verdict.value
    return GradedTest(
        index=index, is_hidden=False, verdict=verdict, passed=result.passed, verdict_label=verdict_label(verdict),
        description=case.description, call=case.test_call, expected=case.expected_output,
        actual=result.stdout, stderr=result.stderr, message=result.message or None,
        failure_message=_failure_message(case, verdict, result.passed),
    )  # fmt: skip


def _failure_message(case: TestCase, verdict: str, passed: bool) -> str | None:
    """The author's hint for a test that ran and failed. A test that was not run (NR) says nothing: nothing is
    known of how the code does on it."""
    if passed or verdict == "NR":
        return None
    return case.failure_message


def _code_message(passed: int, total: int, mode: Mode, hidden: int) -> str:
    if mode == "submit":
        return f"{passed} of {total} tests pass." if passed < total else f"All {total} tests pass."
    examples = f"{passed} of {total} example tests pass." if passed < total else f"All {total} example tests pass."
    if hidden:
        examples += f" Submit runs them with {hidden} hidden test{'s' if hidden != 1 else ''}."
    return examples


# --- DATABASE --------------------------------------------------------------------------------------------------


def _query(attempt: Attempt, config: DatabaseConfig, seed_sql: str, query: str) -> SqlResult:
    """One query on a fresh copy of `seed_sql`, in a sandbox job (or PostgreSQL run) of its own."""
    batch = run_sql_batch(config.dialect, seed_sql, [query], attempt.limits, box=attempt.box, budget=attempt.budget())
    return batch.results[0]


def _shown(result: SqlResult) -> QueryResult:
    """The learner's own result, capped at SHOWN_ROWS rows for display (row_count says how many there were)."""
    return QueryResult(
        columns=result.columns, rows=result.rows[:SHOWN_ROWS], row_count=result.row_count,
        truncated=result.truncated or result.row_count > SHOWN_ROWS,
    )  # fmt: skip


def _run_database(attempt: Attempt, config: DatabaseConfig, query: str) -> AttemptResult:
    """The learner's query on a fresh copy of the visible data, and nothing else: no reference runs."""
    mine = _query(attempt, config, seed_sql_of(config), query)
    base = {**_base(attempt.capsule, "run"), "graded": False, "passed": False}
    if not mine.ok:
        return AttemptResult(**base, message=f"Your query fails: {mine.error}")
    rows = f"{mine.row_count} row{'s' if mine.row_count != 1 else ''}"
    return AttemptResult(**base, result=_shown(mine), message=f"Your query returns {rows}. Submit to check it.")


def _stored_expected(capsule: Capsule, key: str) -> ExpectedResult | None:
    stored = (capsule.validation_report or {}).get(key)
    return ExpectedResult.model_validate(stored) if stored else None


def _expected_on(attempt: Attempt, config: DatabaseConfig, seed_sql: str, key: str) -> ExpectedResult | None:
    """The reference's result on a dataset: stored by the gate, or (a capsule the gate never passed) computed in
    a job of its own — never beside the learner's query. None when the reference fails there."""
    stored = _stored_expected(attempt.capsule, key)
    if stored is not None:
        return stored
    reference = _query(attempt, config, seed_sql, config.reference_solution)
    return ExpectedResult(columns=reference.columns, rows=reference.rows, ordered=reference.ordered) if reference.ok else None


def _grade_database(attempt: Attempt, config: DatabaseConfig, query: str) -> AttemptResult:
    """1. The query on the visible data: an error is ungraded; a mismatch is described (module docstring).
    2. If it matches and there is a hidden dataset, the query on it: pass or fail, and nothing of it is said."""
    base = _base(attempt.capsule, "submit")
    visible_seed = seed_sql_of(config)
    mine = _query(attempt, config, visible_seed, query)
    if not mine.ok:
        return AttemptResult(**base, graded=False, passed=False, score=None, message=f"Your query fails: {mine.error}")
    expected = _expected_on(attempt, config, visible_seed, "expected_result")
    if expected is None:
        return AttemptResult(
            **base,
            graded=False,
            passed=False,
            score=None,
            message="This exercise cannot be graded right now; its author has been asked to fix it.",
        )
    comparison = results_match(expected=expected, actual=mine)
    if not comparison.matches:
        difference = describe_difference(expected, mine, comparison)
        return AttemptResult(
            **base, graded=True, passed=False, score=0.0, result=_shown(mine), difference=difference, message=difference["reason"]
        )
    hidden_seed = hidden_seed_sql_of(config)
    if hidden_seed is not None and not _passes_hidden_data(attempt, config, hidden_seed, query):
        difference = {"hidden_data": True, "reason": HIDDEN_DATA_MESSAGE}
        return AttemptResult(
            **base, graded=True, passed=False, score=0.0, result=_shown(mine), difference=difference, message=HIDDEN_DATA_MESSAGE
        )
    return AttemptResult(
        **base, graded=True, passed=True, score=1.0, result=_shown(mine), message="Your query returns the expected result."
    )


def _passes_hidden_data(attempt: Attempt, config: DatabaseConfig, hidden_seed: str, query: str) -> bool:
    """Whether the query gives the reference's result on the hidden dataset. Only this boolean leaves here: not
    the query's rows, error (PostgreSQL quotes values in its messages) or timing."""
    expected = _expected_on(attempt, config, hidden_seed, "hidden_expected_result")
    if expected is None:
        return False
    mine = _query(attempt, config, hidden_seed, query)
    return mine.ok and results_match(expected=expected, actual=mine).matches


def _rows(count: int, noun: str = "row") -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def describe_difference(expected: ExpectedResult, actual: SqlResult, comparison: Comparison) -> dict[str, Any]:
    """What differs between the expected result and the learner's, in words and in numbers.

    1. A different column count is said alone: rows of another width cannot be compared.
    2. Otherwise how many rows are missing and how many extra, quoting a few of the learner's extra rows (their
       own output) and never a row of the expected result (see EXTRA_EXAMPLE_ROWS).
    3. No row missing or extra: the order, when the task asks for one (results_match's first difference).
    """
    difference: dict[str, Any] = {
        "expected_column_count": len(expected.columns),
        "actual_column_count": len(actual.columns),
        "order_matters": expected.ordered,
        "missing_row_count": len(comparison.missing_rows),
        "extra_row_count": len(comparison.extra_rows),
        "extra_examples": [],
        "wrong_order": False,
    }
    if len(expected.columns) != len(actual.columns):
        difference["reason"] = (
            f"Your result has {_rows(len(actual.columns), 'column')}; {_rows(len(expected.columns), 'column')} "
            f"{'is' if len(expected.columns) == 1 else 'are'} expected."
        )
        return difference
    if not comparison.missing_rows and not comparison.extra_rows:
        first = next(i for i, (want, got) in enumerate(zip(expected.rows, actual.rows, strict=True)) if not rows_equal(want, got))
        difference["wrong_order"] = True
        difference["first_misplaced_row"] = first + 1
        difference["reason"] = f"Your rows are right but not in the required order: row {first + 1} is the first out of place."
        return difference
    difference["extra_examples"] = comparison.extra_rows[:EXTRA_EXAMPLE_ROWS]
    parts = []
    if comparison.missing_rows:
        missing = len(comparison.missing_rows)
        parts.append(f"{_rows(missing)} of the expected result {'is' if missing == 1 else 'are'} missing from yours")
    if comparison.extra_rows:
        extra = len(comparison.extra_rows)
        parts.append(f"{_rows(extra)} in your result should not be there")
    sentence = "; ".join(parts)
    difference["reason"] = sentence[0].upper() + sentence[1:] + "."
    return difference


# --- TERMINAL --------------------------------------------------------------------------------------------------


def _grade_terminal(attempt: Attempt, config: TerminalConfig, commands: str) -> AttemptResult:
    """The setup, the learner's commands, then each task's check (as a Check: the learner's programs it runs
    cannot read it). Only the learner's own commands' output is shown."""
    steps: list[str | Check] = [commands, *(Check(task.validation_script) for task in config.tasks)]
    session = run_shell_session(config.setup_script, steps, attempt.limits, box=attempt.box, budget=attempt.budget())
    base = _base(attempt.capsule, "submit")
    if not session.setup_ok:
        return AttemptResult(
            **base, graded=False, passed=False, score=None, message="The workspace could not be prepared; please try again."
        )
    learner, checks = session.steps[0], session.steps[1:]
    tasks = [_graded_task(task, check_passed(check)) for task, check in zip(config.tasks, checks, strict=True)]
    done = sum(task.passed for task in tasks)
    return AttemptResult(
        **base, graded=True, passed=done == len(tasks), score=round(done / len(tasks), 4), tasks=tasks,
        output=(learner.stdout + learner.stderr)[-4000:],
        message=f"{done} of {len(tasks)} tasks done." if done < len(tasks) else f"All {len(tasks)} tasks done.",
    )  # fmt: skip


def _graded_task(task: TerminalTask, passed: bool) -> GradedTask:
    """Pass or fail, and on a fail the author's declared hint: never what the check printed (judges/workspace.py,
    "Why a check's output is never shown")."""
    return GradedTask(
        task_id=task.task_id, description=task.description, passed=passed, failure_message=None if passed else task.failure_message
    )
