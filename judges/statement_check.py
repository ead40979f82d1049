"""The statement check: does a solution written from what a learner sees pass the capsule's every check?

The gate (judges/gate.py) proves that a capsule agrees with itself: its reference passes its tests. It cannot
see whether the tests say what the statement says. Generation (generation/statement_check.py) asks a Solver
agent, shown only the learner's view, for a solution; `check_solution` runs it here against everything the
learner would be graded on:

- CODE: every test, visible and hidden, in one sandboxed job, compared as the gate compares the reference.
- DATABASE: the query on the visible data and on the hidden dataset, compared with the reference's results the
  gate stored in its report (`expected_result`, `hidden_expected_result`), as a learner's Submit is.
- TERMINAL: one session: the setup script, the solver's commands, then every task's check.

The result is a ValidationReport, so the Debugger reads a disagreement the way it reads any failed judgement:
category `statement_disagreement`, the failing tests with the expected output (the reference's) and the solver's
output. It is server-side only: it holds hidden tests and data, and goes to the creator's pipeline, never to a
learner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from capsules.schemas import CapsuleDraft, CodeConfig, DatabaseConfig, TerminalConfig
from judges.limits import limits_for
from judges.reports import Category, ExpectedResult, TaskOutcome, TestOutcome, ValidationReport, Verdict
from judges.runtimes import Budget, Check, run_code_tests, run_shell_session, run_sql_batch
from judges.runtimes.sql_sqlite import SqlResult
from judges.sql_compare import results_match
from judges.validators.code import test_outcomes, test_specs
from judges.validators.common import ReportBuilder, quote
from judges.validators.database import hidden_seed_sql_of, seed_sql_of
from judges.validators.terminal import check_passed

DISAGREEMENT: Final[Category] = "statement_disagreement"
STOP_AT_FIRST_LIMIT = Budget(stop_on_limit=True)
# Rows of a result grid written into a disagreement for the Debugger: enough to see what differs.
SHOWN_GRID_ROWS = 12


def check_solution(draft: CapsuleDraft, solution: str, gate_report: Mapping[str, Any]) -> ValidationReport:
    """Run `solution` (a program, a query or shell commands, by the draft's type) against every check of a draft
    that passed the gate (`gate_report`). Raises SandboxError/SandboxUnavailable as the gate's validators do."""
    extended = draft.runtime_tier.endswith("-extended")
    if isinstance(draft.config, CodeConfig):
        return _check_code(draft, draft.config, solution, extended)
    if isinstance(draft.config, DatabaseConfig):
        return _check_database(draft, draft.config, solution, gate_report, extended)
    assert isinstance(draft.config, TerminalConfig)
    return _check_terminal(draft, draft.config, solution, extended)


def _check_code(draft: CapsuleDraft, config: CodeConfig, solution: str, extended: bool) -> ValidationReport:
    report = ReportBuilder(draft.capsule_type, draft.language)
    cases = config.test_cases
    with report.step("the solver's program on every test") as step:
        limits = limits_for(draft.language, extended=extended)
        job = run_code_tests(draft.language, solution, test_specs(cases), limits, budget=STOP_AT_FIRST_LIMIT)
        report.tests = test_outcomes(cases, job)
        passed = sum(test.verdict == "AC" for test in report.tests)
        step.ok = job.compiled and passed == len(cases)
        step.detail = f"{passed}/{len(cases)} tests pass" if job.compiled else "does not compile"
    if step.ok:
        return report.passed(f"An independent solution written from the statement alone passes all {len(cases)} tests.")
    if not job.compiled:
        compiler = job.compile.stderr if job.compile else ""
        return report.fail(DISAGREEMENT, f"The solution written from the statement alone does not compile: {quote(compiler)}")
    failing = [test for test in report.tests if test.verdict != "AC"]
    first = failing[0]
    return report.fail(
        DISAGREEMENT,
        f"A solution written from the statement alone fails {len(failing)} of {len(cases)} tests; first test "
        f"{first.index + 1} ({first.description}{', hidden' if first.is_hidden else ''}): expected {quote(first.expected)}, "
        f"it printed {quote(first.actual)}.",
    )


def _grid(columns: list[str], rows: list[list[Any]]) -> str:
    lines = [" | ".join(columns)] + [" | ".join(repr(value) for value in row) for row in rows[:SHOWN_GRID_ROWS]]
    if len(rows) > SHOWN_GRID_ROWS:
        lines.append(f"… {len(rows) - SHOWN_GRID_ROWS} more rows")
    return "\n".join(lines)


def _query_outcome(index: int, description: str, expected: ExpectedResult, mine: SqlResult, *, hidden: bool) -> TestOutcome:
    matches = mine.ok and results_match(expected=expected, actual=mine).matches
    actual = _grid(mine.columns, mine.rows) if mine.ok else f"error: {mine.error}"
    verdict: Verdict = "AC" if matches else ("WA" if mine.ok else mine.verdict.value)
    return TestOutcome(
        index=index, description=description, call="the query", expected=_grid(expected.columns, expected.rows),
        actual=actual, verdict=verdict, is_hidden=hidden,
    )  # fmt: skip


def _check_database(
    draft: CapsuleDraft, config: DatabaseConfig, query: str, gate_report: Mapping[str, Any], extended: bool
) -> ValidationReport:
    report = ReportBuilder(draft.capsule_type, draft.language)
    limits = limits_for("sql", extended=extended)
    datasets = [("the visible data", seed_sql_of(config), gate_report.get("expected_result"), False)]
    hidden_seed = hidden_seed_sql_of(config)
    if hidden_seed is not None and gate_report.get("hidden_expected_result"):
        datasets.append(("the hidden dataset", hidden_seed, gate_report.get("hidden_expected_result"), True))
    with report.step("the solver's query on every dataset") as step:
        for index, (description, seed, stored, hidden) in enumerate(datasets):
            expected = ExpectedResult.model_validate(stored)
            mine = run_sql_batch(config.dialect, seed, [query], limits, budget=STOP_AT_FIRST_LIMIT).results[0]
            report.tests.append(_query_outcome(index, description, expected, mine, hidden=hidden))
        passed = sum(test.verdict == "AC" for test in report.tests)
        step.ok = passed == len(report.tests)
        step.detail = f"{passed}/{len(report.tests)} datasets match"
    if step.ok:
        return report.passed(
            f"An independent query written from the statement alone returns the reference's result on all {len(report.tests)} datasets."
        )
    first = next(test for test in report.tests if test.verdict != "AC")
    return report.fail(
        DISAGREEMENT, f"A query written from the statement alone does not return the reference's result on {first.description}."
    )


def _check_terminal(draft: CapsuleDraft, config: TerminalConfig, commands: str, extended: bool) -> ValidationReport:
    report = ReportBuilder(draft.capsule_type, draft.language)
    steps: list[str | Check] = [commands] + [Check(task.validation_script) for task in config.tasks]
    with report.step("setup, the solver's commands, then every task's check") as step:
        session = run_shell_session(config.setup_script, steps, limits_for("bash", extended=extended), budget=STOP_AT_FIRST_LIMIT)
        checks = session.steps[1:] if session.setup_ok else []
        for task, check in zip(config.tasks, checks, strict=False):
            output = (check.stdout + check.stderr).strip()[:500]
            outcome = TaskOutcome(task_id=task.task_id, failed_before=True, passed_after=check_passed(check), output_after=output)
            report.tasks.append(outcome)
        passed = sum(task.passed_after for task in report.tasks)
        step.ok = session.setup_ok and passed == len(config.tasks)
        step.detail = f"{passed}/{len(config.tasks)} tasks pass"
    if step.ok:
        return report.passed(f"Independent commands written from the statement alone pass all {len(config.tasks)} tasks' checks.")
    if not session.setup_ok:
        return report.fail("sandbox_error", "The setup script failed before the solver's commands could run.")
    checked = {task.task_id for task in report.tasks if task.passed_after}
    failing = [task.task_id for task in config.tasks if task.task_id not in checked]
    return report.fail(
        DISAGREEMENT,
        f"Commands written from the statement alone leave {len(failing)} of {len(config.tasks)} tasks failing: {', '.join(failing)}.",
    )
