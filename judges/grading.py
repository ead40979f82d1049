"""Grading a learner's attempt at a capsule (issue #3 item 5). Learner-facing: never reveals a hidden
test's call or expected output, a reference solution, a seed, or a validation script.

* CODE: the learner's code against every test; score = passed / total; a compile (or syntax) error is
  reported as ungraded, with the compiler's message.
* DATABASE: the learner's query on a fresh copy of the seeded database, compared with the reference's
  result stored by the gate (judges/sql_compare.py says how); score 1 or 0.
* TERMINAL: a fresh workspace, the setup script, the learner's commands, then every task's check;
  score = tasks passed / total.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from capsules.models import Capsule, CapsuleType
from capsules.schemas import CodeConfig, DatabaseConfig, TerminalConfig, parse_config
from judges.limits import limits_for
from judges.reports import ExpectedResult
from judges.runtimes import SQL_ENGINES, run_code_tests, run_shell_session
from judges.sql_compare import results_match
from judges.validators.code import test_specs
from judges.validators.database import seed_sql_of
from judges.validators.terminal import check_passed

SHOWN_ROWS = 50  # rows of the learner's own result returned for display

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
    graded: bool  # False when the code could not be compiled or run at all
    passed: bool
    score: float | None = Field(default=None, ge=0, le=1)
    message: str
    compile_error: str | None = None
    tests: list[GradedTest] = Field(default_factory=list)
    tasks: list[GradedTask] = Field(default_factory=list)
    result: QueryResult | None = None
    difference: dict[str, Any] | None = None
    output: str | None = None  # TERMINAL: what the learner's commands printed

def _limits(capsule: Capsule, language: str) -> Any:
    return limits_for(language, extended=capsule.runtime_tier.endswith("-extended"))

def _grade_code(capsule: Capsule, config: CodeConfig, code: str) -> AttemptResult:
    job = run_code_tests(capsule.language, code, test_specs(config.test_cases), _limits(capsule, capsule.language))
    base = {"capsule_id": str(capsule.id), "capsule_type": capsule.capsule_type}
    if not job.compiled:
        compiler = job.compile
        return AttemptResult(
            **base, graded=False, passed=False, score=None,
            message="Your code does not compile, so it was not graded.",
            compile_error=(compiler.stderr or compiler.message) if compiler else "compile error",
        )  # fmt: skip
    tests = []
    for case, result in zip(config.test_cases, job.tests, strict=True):
        graded = GradedTest(index=result.index, is_hidden=case.is_hidden, verdict=result.verdict.value, passed=result.passed)
        if not case.is_hidden:
            graded = graded.model_copy(
                update={
                    "description": case.description, "call": case.test_call, "expected": case.expected_output,
                    "actual": result.stdout, "stderr": result.stderr, "message": result.message or None,
                }
            )  # fmt: skip
        tests.append(graded)
    passed = sum(test.passed for test in tests)
    return AttemptResult(
        **base, graded=True, passed=passed == len(tests), score=round(passed / len(tests), 4), tests=tests,
        message=f"{passed} of {len(tests)} tests pass." if passed < len(tests) else f"All {len(tests)} tests pass.",
    )  # fmt: skip

def _expected_result(capsule: Capsule) -> ExpectedResult | None:
    stored = (capsule.validation_report or {}).get("expected_result")
    return ExpectedResult.model_validate(stored) if stored else None

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
    shown = QueryResult(columns=mine.columns, rows=mine.rows[:SHOWN_ROWS], row_count=mine.row_count, truncated=mine.truncated or mine.row_count > SHOWN_ROWS)
    difference = None
    if not comparison.matches:
        difference = {
            "reason": comparison.reason,
            "missing_row_count": len(comparison.missing_rows),
            "extra_row_count": len(comparison.extra_rows),
            "expected_column_count": len(expected.columns),
            "order_matters": expected.ordered,
        }
    return AttemptResult(
        **base, graded=True, passed=comparison.matches, score=1.0 if comparison.matches else 0.0, result=shown,
        difference=difference, message="Your query returns the expected result." if comparison.matches else comparison.reason,
    )  # fmt: skip

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

def grade_attempt(*, capsule: Capsule, code: str) -> AttemptResult:
    """Grade `code` (a program, a query or shell commands, by the capsule's type)."""
    config = parse_config(capsule.capsule_type, capsule.config_data)
    if capsule.capsule_type == CapsuleType.CODE:
        return _grade_code(capsule, config, code)
    if capsule.capsule_type == CapsuleType.DATABASE:
        return _grade_database(capsule, config, code)
    return _grade_terminal(capsule, config, code)
