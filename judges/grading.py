"""Grading a learner's attempt at a capsule (issue #3 item 5). Learner-facing: never reveals a hidden
test's call or expected output, a reference solution, a seed, or a validation script.

Two modes (issue #6): `submit` grades, `run` lets a learner try their work without a verdict on it.

* CODE submit: the learner's code against every test; score = passed / total; a compile (or syntax) error
  is reported as ungraded, with the compiler's message. CODE run: the visible tests only (the examples the
  statement shows), and the result says how many hidden tests Submit adds; its score is over those tests.
* DATABASE submit: the learner's query on a fresh copy of the seeded database, compared with the reference's
  result stored by the gate (judges/sql_compare.py says how); score 1 or 0; on a mismatch, `difference`
  says in words what differs. DATABASE run: the query's result grid only — no comparison, no verdict.
* TERMINAL: a fresh workspace, the setup script, the learner's commands, then every task's check;
  score = tasks passed / total (both modes: the terminal workspace has its own Check per task).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from capsules.models import Capsule, CapsuleType
from capsules.schemas import CodeConfig, DatabaseConfig, TerminalConfig, parse_config
from judges.limits import limits_for
from judges.reports import ExpectedResult
from judges.runtimes import SQL_ENGINES, run_code_tests, run_shell_session
from judges.runtimes.sql_sqlite import SqlResult
from judges.sql_compare import Comparison, results_match, rows_equal
from judges.validators.code import test_specs
from judges.validators.database import seed_sql_of
from judges.validators.terminal import check_passed

SHOWN_ROWS = 50  # rows of the learner's own result returned for display
# A failed DATABASE submit may quote a few rows of the expected result as missing. Counts are always safe. Rows:
# the expected result is exactly what the statement asks the learner to produce, from tables their own Run may
# read in full, so a missing row reveals no secret — it shows what "right" looks like, the way a teacher explains
# a mistake. Quoting all of it would let a learner paste the answer as literals (SELECT 'Ada' UNION …) instead of
# writing the query, so at most three, and never more than half of the expected rows.
MISSING_EXAMPLE_ROWS = 3
EXTRA_EXAMPLE_ROWS = 3  # the learner's own rows that should not be there: never secret, kept as short

Mode = Literal["run", "submit"]

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

class GradedTask(BaseModel):
    task_id: str
    description: str
    passed: bool

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

def _limits(capsule: Capsule, language: str) -> Any:
    return limits_for(language, extended=capsule.runtime_tier.endswith("-extended"))

def _grade_code(capsule: Capsule, config: CodeConfig, code: str, mode: Mode) -> AttemptResult:
    """Run mode takes the visible tests only; every test keeps its index among all of the capsule's tests."""
    cases = list(enumerate(config.test_cases))
    if mode == "run":
        cases = [(index, case) for index, case in cases if not case.is_hidden]
    base = {"capsule_id": str(capsule.id), "capsule_type": capsule.capsule_type, "mode": mode}
    if mode == "run":
        base["hidden_tests"] = len(config.test_cases) - len(cases)
    if not cases:
        return AttemptResult(**base, graded=False, passed=False, message="This exercise has no example tests to run; Submit checks your code.")
    job = run_code_tests(capsule.language, code, test_specs([case for _, case in cases]), _limits(capsule, capsule.language))
    if not job.compiled:
        compiler = job.compile
        return AttemptResult(
            **base, graded=False, passed=False, score=None,
            message="Your code does not compile, so it was not graded.",
            compile_error=(compiler.stderr or compiler.message) if compiler else "compile error",
        )  # fmt: skip
    tests = [_graded_test(index, case, result) for (index, case), result in zip(cases, job.tests, strict=True)]
    passed = sum(test.passed for test in tests)
    return AttemptResult(
        **base, graded=True, passed=passed == len(tests), score=round(passed / len(tests), 4), tests=tests,
        message=_code_message(passed, len(tests), mode, base.get("hidden_tests", 0)),
    )  # fmt: skip


def _graded_test(index: int, case: Any, result: Any) -> GradedTest:
    """A hidden test's verdict only: never its call, expected output or what the learner's code printed for it."""
    graded = GradedTest(index=index, is_hidden=case.is_hidden, verdict=result.verdict.value, passed=result.passed)
    if case.is_hidden:
        return graded
    return graded.model_copy(
        update={
            "description": case.description, "call": case.test_call, "expected": case.expected_output,
            "actual": result.stdout, "stderr": result.stderr, "message": result.message or None,
        }
    )  # fmt: skip


def _code_message(passed: int, total: int, mode: Mode, hidden: int) -> str:
    if mode == "submit":
        return f"{passed} of {total} tests pass." if passed < total else f"All {total} tests pass."
    examples = f"{passed} of {total} example tests pass." if passed < total else f"All {total} example tests pass."
    if hidden:
        examples += f" Submit runs them with {hidden} hidden test{'s' if hidden != 1 else ''}."
    return examples


def _expected_result(capsule: Capsule) -> ExpectedResult | None:
    stored = (capsule.validation_report or {}).get("expected_result")
    return ExpectedResult.model_validate(stored) if stored else None

def _shown(result: SqlResult) -> QueryResult:
    """The learner's own result, capped at SHOWN_ROWS rows for display (row_count says how many there were)."""
    return QueryResult(
        columns=result.columns, rows=result.rows[:SHOWN_ROWS], row_count=result.row_count,
        truncated=result.truncated or result.row_count > SHOWN_ROWS,
    )  # fmt: skip


def _run_database(capsule: Capsule, config: DatabaseConfig, query: str) -> AttemptResult:
    """The learner's query on a fresh copy of the seeded database, and nothing else: no reference runs."""
    batch = SQL_ENGINES[config.dialect](seed_sql_of(config), [query], _limits(capsule, "sql"))
    mine = batch.results[0]
    base = {"capsule_id": str(capsule.id), "capsule_type": capsule.capsule_type, "mode": "run", "graded": False, "passed": False}
    if not mine.ok:
        return AttemptResult(**base, message=f"Your query fails: {mine.error}")
    rows = f"{mine.row_count} row{'s' if mine.row_count != 1 else ''}"
    return AttemptResult(**base, result=_shown(mine), message=f"Your query returns {rows}. Submit to check it.")


def _grade_database(capsule: Capsule, config: DatabaseConfig, query: str) -> AttemptResult:
    expected = _expected_result(capsule)
    # A capsule the gate never passed has no stored result: its reference runs beside the attempt.
    queries = [query] if expected is not None else [query, config.reference_solution]
    batch = SQL_ENGINES[config.dialect](seed_sql_of(config), queries, _limits(capsule, "sql"))
    base = {"capsule_id": str(capsule.id), "capsule_type": capsule.capsule_type}
    mine = batch.results[0]
    if expected is None:
        reference = batch.results[1]
        expected = ExpectedResult(columns=reference.columns, rows=reference.rows, ordered=reference.ordered)
    if not mine.ok:
        return AttemptResult(**base, graded=False, passed=False, score=None, message=f"Your query fails: {mine.error}")
    comparison = results_match(expected=expected, actual=mine)
    if comparison.matches:
        return AttemptResult(
            **base, graded=True, passed=True, score=1.0, result=_shown(mine), message="Your query returns the expected result."
        )  # fmt: skip
    difference = describe_difference(expected, mine, comparison)
    return AttemptResult(
        **base, graded=True, passed=False, score=0.0, result=_shown(mine), difference=difference, message=difference["reason"]
    )  # fmt: skip


def _rows(count: int, noun: str = "row") -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def describe_difference(expected: ExpectedResult, actual: SqlResult, comparison: Comparison) -> dict[str, Any]:
    """What differs between the expected result and the learner's, in words and in numbers.

    1. A different column count is said alone: rows of another width cannot be compared.
    2. Otherwise the missing rows (with a few examples, see MISSING_EXAMPLE_ROWS) and the extra rows.
    3. No row missing or extra: the order, when the task asks for one (results_match's first difference).
    """
    difference: dict[str, Any] = {
        "expected_column_count": len(expected.columns),
        "actual_column_count": len(actual.columns),
        "order_matters": expected.ordered,
        "missing_row_count": len(comparison.missing_rows),
        "extra_row_count": len(comparison.extra_rows),
        "missing_examples": [],
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
        first = next(i for i, (want, got) in enumerate(zip(expected.rows, actual.rows)) if not rows_equal(want, got))
        difference["wrong_order"] = True
        difference["first_misplaced_row"] = first + 1
        difference["reason"] = f"Your rows are right but not in the required order: row {first + 1} is the first out of place."
        return difference
    quotable = min(MISSING_EXAMPLE_ROWS, len(expected.rows) // 2)
    difference["missing_examples"] = comparison.missing_rows[:quotable]
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


def _grade_terminal(capsule: Capsule, config: TerminalConfig, commands: str) -> AttemptResult:
    session = run_shell_session(config.setup_script, [commands] + [task.validation_script for task in config.tasks], _limits(capsule, "bash"))
    base = {"capsule_id": str(capsule.id), "capsule_type": capsule.capsule_type}
    if not session.setup_ok:
        return AttemptResult(**base, graded=False, passed=False, score=None, message="The workspace could not be prepared; please try again.")
    learner, checks = session.steps[0], session.steps[1:]
    tasks = [
        GradedTask(task_id=task.task_id, description=task.description, passed=check_passed(check))
        for task, check in zip(config.tasks, checks, strict=True)
    ]
    done = sum(task.passed for task in tasks)
    return AttemptResult(
        **base, graded=True, passed=done == len(tasks), score=round(done / len(tasks), 4), tasks=tasks,
        output=(learner.stdout + learner.stderr)[-4000:],
        message=f"{done} of {len(tasks)} tasks done." if done < len(tasks) else f"All {len(tasks)} tasks done.",
    )  # fmt: skip

def grade_attempt(*, capsule: Capsule, code: str, mode: Mode = "submit") -> AttemptResult:
    """Grade `code` (a program, a query or shell commands, by the capsule's type). `mode="run"` tries it
    without a verdict on the whole (see the module docstring); the default grades, as the API always has."""
    config = parse_config(capsule.capsule_type, capsule.config_data)
    if capsule.capsule_type == CapsuleType.CODE:
        return _grade_code(capsule, config, code, mode)
    if capsule.capsule_type == CapsuleType.DATABASE:
        return _run_database(capsule, config, code) if mode == "run" else _grade_database(capsule, config, code)
    return _grade_terminal(capsule, config, code)
