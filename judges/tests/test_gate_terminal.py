"""The quality gate on TERMINAL capsules (judges/validators/terminal.py through judges.validate), in the real
sandbox: one fresh workspace, the setup script, then per task in order: its check must fail, its solution
commands run, its check must pass. A check passes when its last printed line is `pass`, fails when it is
`fail`, and otherwise by its exit status.
"""

from __future__ import annotations

from typing import Any

from capsules.tests.samples import capsule_data
from judges import validate
from judges.reports import ValidationReport

STEP_NAMES = ["setup, then every task: check fails, solution, check passes", "a second session agrees"]


def terminal_capsule(*tasks: tuple[str, str], setup: str = "") -> dict[str, Any]:
    """Tasks as (validation_script, solution_commands), with ids t1, t2, ..."""
    data = capsule_data("TERMINAL")
    data["config_data"]["setup_script"] = setup
    data["config_data"]["tasks"] = [
        {"task_id": f"t{number}", "description": f"task {number}", "validation_script": check, "solution_commands": solution}
        for number, (check, solution) in enumerate(tasks, start=1)
    ]
    return data


def judged(data: dict[str, Any]) -> ValidationReport:
    report = validate(data)
    assert report.capsule_type == "TERMINAL"
    return report


# --- A capsule that passes ---------------------------------------------------------------------------


def test_a_capsule_whose_checks_fail_before_and_pass_after_each_solution_passes_with_each_task_recorded():
    report = judged(capsule_data("TERMINAL"))

    assert (report.passed, report.category) == (True, None)
    assert report.message == "All 2 tasks' checks fail before and pass after their solution commands, and a second session agrees."
    assert [(step.name, step.ok) for step in report.steps] == [(name, True) for name in STEP_NAMES]
    assert [(t.task_id, t.failed_before, t.passed_after, t.output_after) for t in report.tasks] == [
        ("create-file", True, True, "pass"),
        ("make-dir", True, True, ""),
    ]
    assert report.tasks[0].output_before.startswith("fail")


def test_tasks_run_in_order_in_one_workspace_that_the_setup_prepared():
    report = judged(
        terminal_capsule(
            ("test -d notes/drafts", "mkdir -p notes/drafts"),
            # task 2 needs the directory task 1 made, and the file the setup made
            ("test -f notes/drafts/todo.txt && grep -qx milk notes/drafts/todo.txt", "cp shopping.txt notes/drafts/todo.txt"),
            setup="echo milk > shopping.txt\n",
        )
    )

    assert report.passed, report.message
    assert [(t.task_id, t.failed_before, t.passed_after) for t in report.tasks] == [("t1", True, True), ("t2", True, True)]


def test_tasks_are_judged_in_the_order_given_so_a_task_that_needs_a_later_one_cannot_be_solved():
    report = judged(
        terminal_capsule(
            ("test -f notes/todo.txt", "touch notes/todo.txt"),  # needs the directory the next task makes
            ("test -d notes", "mkdir notes"),
        )
    )

    assert (report.passed, report.category) == (False, "task_unsolvable")
    assert report.message.startswith("Task t1's check still fails after its solution commands ran (it printed '', exit status 1).")
    assert "touch: cannot touch 'notes/todo.txt': No such file or directory" in report.message


# --- Checks that prove nothing, tasks that cannot be done --------------------------------------------


def test_a_check_that_already_passes_before_its_solution_is_task_already_passing_naming_the_task_and_its_output():
    report = judged(terminal_capsule(("test -d notes", "mkdir notes"), ("echo pass", "touch done")))

    assert (report.passed, report.category) == (False, "task_already_passing")
    assert report.message == "Task t2's check already passes before its solution runs, so it proves nothing (it printed 'pass')."
    assert [(t.task_id, t.failed_before) for t in report.tasks] == [("t1", True), ("t2", False)]


def test_a_check_that_still_fails_after_its_solution_is_task_unsolvable_naming_the_task_its_output_and_status():
    report = judged(terminal_capsule(("ls report.txt", "touch report.md")))

    assert (report.passed, report.category) == (False, "task_unsolvable")
    assert report.message == (
        "Task t1's check still fails after its solution commands ran "
        "(it printed \"ls: cannot access 'report.txt': No such file or directory\", exit status 2)."
    )
    assert (report.tasks[0].failed_before, report.tasks[0].passed_after) == (True, False)


def test_solution_commands_that_fail_are_quoted_in_the_task_unsolvable_message():
    report = judged(terminal_capsule(("test -f copy.txt", "cp original.txt copy.txt")))

    assert report.category == "task_unsolvable"
    assert report.message.endswith(
        "The solution commands themselves failed: The program exited with status 1: cp: cannot stat 'original.txt': "
        "No such file or directory \"cp: cannot stat 'original.txt': No such file or directory\"."
    )


def test_a_check_that_does_not_finish_after_the_solution_is_a_timeout_not_an_unsolvable_task(settings):
    settings.JUDGE_CPU_SECONDS = 1
    settings.JUDGE_WALL_SECONDS = 1

    report = judged(terminal_capsule(("test -f ready || exit 1\nsleep 30", "touch ready")))

    assert (report.passed, report.category) == (False, "timeout")
    assert report.message.startswith("Task t1's check still fails after its solution commands ran")


# --- The setup script --------------------------------------------------------------------------------


def test_a_setup_script_that_fails_is_reported_with_its_error_and_no_task_is_judged():
    report = judged(terminal_capsule(("test -f a", "touch a"), setup="mkdir data\ncat data/missing.csv\n"))

    assert (report.passed, report.category) == (False, "runtime_error")
    assert report.message.startswith("The setup script fails: The program exited with status 1")
    assert "cat: data/missing.csv: No such file or directory" in report.message
    assert [(step.name, step.ok) for step in report.steps] == [(STEP_NAMES[0], False)]
    assert report.tasks == []


def test_a_setup_script_whose_middle_command_fails_is_reported():
    report = judged(terminal_capsule(("test -f a", "touch a"), setup="mkdir data\ncat data/missing.csv\ntouch data/ok\n"))

    assert report.category == "runtime_error"


# --- What counts as a passing check ------------------------------------------------------------------


def test_the_last_printed_line_pass_or_fail_decides_over_the_exit_status():
    # Before the solution it prints `fail` and exits 0; after, it prints `pass` and exits 1. The gate only
    # passes this capsule if the printed word wins both times.
    check = "if test -f ready; then echo checking; echo pass; exit 1; else echo fail; exit 0; fi"

    report = judged(terminal_capsule((check, "touch ready")))

    assert report.passed, report.message
    assert (report.tasks[0].output_before, report.tasks[0].output_after) == ("fail", "checking\npass")


def test_pass_is_read_case_insensitively_with_surrounding_spaces():
    report = judged(terminal_capsule(("test -f ready && echo '  PASS  ' || echo FAIL", "touch ready")))

    assert report.passed, report.message


def test_a_check_whose_last_line_is_fail_fails_even_when_it_exits_0():
    report = judged(terminal_capsule(("test -f ready; echo fail", "touch ready")))

    assert (report.passed, report.category) == (False, "task_unsolvable")
    assert "(it printed 'fail', exit status 0)" in report.message


def test_a_check_whose_last_line_is_pass_passes_even_when_it_exits_1():
    report = judged(terminal_capsule(("echo pass; exit 1", "touch ready")))

    assert report.category == "task_already_passing"


def test_without_pass_or_fail_on_the_last_line_the_exit_status_decides():
    check = "echo 'pass comes first'\necho checking\ntest -f ready"

    report = judged(terminal_capsule((check, "touch ready")))

    assert report.passed, report.message
    assert report.tasks[0].output_before == report.tasks[0].output_after == "pass comes first\nchecking"


# --- Every problem at once ---------------------------------------------------------------------------


def test_every_failing_task_is_listed_not_only_the_first():
    report = judged(terminal_capsule(("echo pass", "true"), ("test -d notes", "mkdir notes"), ("ls report.txt", "touch report.md")))

    assert [(problem.category, problem.task_id) for problem in report.problems] == [
        ("task_already_passing", "t1"), ("task_unsolvable", "t3")
    ]
    assert (report.category, report.message) == (report.problems[0].category, report.problems[0].message)
    assert [step.name for step in report.steps] == STEP_NAMES[:1]  # no second session confirms a refused capsule
