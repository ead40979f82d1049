"""TERMINAL capsules: in one fresh workspace, after the setup script, every task's check must fail
before its solution commands run and pass after; tasks run in order.

A check passes when its last line of output is `pass` (the seed's convention), or, when it prints
neither `pass` nor `fail` last, when it exits with status 0.

Steps, each recorded in the report; every task's problem is listed (ValidationReport.problems), not the first:
1. One session: setup, then per task: check (must fail), solution commands, check (must pass).
2. A second session must give the same pass/fail pattern (no randomness or timing in the checks).
"""

from __future__ import annotations

from capsules.schemas import CapsuleDraft, TerminalConfig
from judges.limits import limits_for
from judges.reports import CATEGORY_OF_VERDICT, TaskOutcome, ValidationReport
from judges.runtimes import Budget, Check, ShellSessionResult, StepResult, run_shell_session
from judges.validators.common import ReportBuilder, quote

STEPS_PER_TASK = 3  # check, solution, check
# A check or solution that hangs ends the session: one wall-clock limit, not one per remaining step.
STOP_AT_FIRST_LIMIT = Budget(stop_on_limit=True)


def check_passed(step: StepResult) -> bool:
    if step.verdict.value not in ("AC", "RE"):
        return False  # stopped by a limit, or never run: never a pass
    lines = [line.strip().lower() for line in step.stdout.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if last == "pass":
        return True
    if last == "fail":
        return False
    return step.exit_code == 0


def session_steps(config: TerminalConfig) -> list[str | Check]:
    steps: list[str | Check] = []
    for task in config.tasks:
        steps += [Check(task.validation_script), task.solution_commands, Check(task.validation_script)]
    return steps


def pass_pattern(session: ShellSessionResult) -> list[bool]:
    return [check_passed(step) for index, step in enumerate(session.steps) if index % STEPS_PER_TASK != 1]


def _output(step: StepResult) -> str:
    return (step.stdout + step.stderr).strip()


def validate_terminal(draft: CapsuleDraft) -> ValidationReport:
    config = draft.config
    assert isinstance(config, TerminalConfig)
    report = ReportBuilder(draft.capsule_type, draft.language)
    limits = limits_for("bash", extended=draft.runtime_tier.endswith("-extended"))
    steps = session_steps(config)

    with report.step("setup, then every task: check fails, solution, check passes") as step:
        session = run_shell_session(config.setup_script, steps, limits, budget=STOP_AT_FIRST_LIMIT)
        step.ok = session.setup_ok
        step.detail = f"{len(config.tasks)} tasks"
    if not session.setup_ok:
        setup = session.setup
        category = CATEGORY_OF_VERDICT.get(setup.verdict.value, "runtime_error") if setup else "runtime_error"
        return report.fail(
            category, f"The setup script fails: {setup.message if setup else ''} {quote(_output(setup)) if setup else ''}".strip()
        )

    for number, task in enumerate(config.tasks):
        before, solution, after = session.steps[number * STEPS_PER_TASK : (number + 1) * STEPS_PER_TASK]
        report.tasks.append(
            TaskOutcome(
                task_id=task.task_id,
                failed_before=not check_passed(before),
                passed_after=check_passed(after),
                output_before=_output(before)[:500],
                output_after=_output(after)[:500],
            )
        )
    for number, (task, outcome) in enumerate(zip(config.tasks, report.tasks, strict=True)):
        before, solution, after = session.steps[number * STEPS_PER_TASK : (number + 1) * STEPS_PER_TASK]
        if not outcome.failed_before:
            report.problem(
                "task_already_passing",
                f"Task {task.task_id}'s check already passes before its solution runs, so it proves nothing "
                f"(it printed {quote(outcome.output_before)}).",
                task_id=task.task_id,
            )
        if not outcome.passed_after:
            limit = CATEGORY_OF_VERDICT.get(after.verdict.value) if after.verdict.value not in ("AC", "RE") else None
            solution_note = (
                "" if solution.ok else f" The solution commands themselves failed: {solution.message} {quote(_output(solution))}."
            )
            report.problem(
                limit or "task_unsolvable",
                f"Task {task.task_id}'s check still fails after its solution commands ran "
                f"(it printed {quote(outcome.output_after)}, exit status {after.exit_code}).{solution_note}",
                task_id=task.task_id,
            )
    # The second session only confirms a capsule whose every task works: a refused one needs no more jobs.
    if report.has_problems:
        return report.finish("")

    with report.step("a second session agrees") as step:
        again = run_shell_session(config.setup_script, steps, limits, budget=STOP_AT_FIRST_LIMIT)
        step.ok = again.setup_ok and pass_pattern(again) == pass_pattern(session)
        step.detail = "same results" if step.ok else "different results"
    if not step.ok:
        return report.fail("flaky", "A second run of the setup, checks and solutions gave different results; checks must be deterministic.")

    return report.passed(
        f"All {len(config.tasks)} tasks' checks fail before and pass after their solution commands, and a second session agrees."
    )
