"""Bash CODE jobs and the shell sessions TERMINAL capsules are judged with (judges/runtimes/bash.py)."""

from __future__ import annotations

from judges.limits import limits_for
from judges.runtimes import TestSpec, Verdict, run_code_tests, run_shell_session

LIMITS = limits_for("bash").replace(wall_seconds=2.0, cpu_seconds=1.0)


def test_a_bash_function_is_called_by_each_test():
    source = 'greet() { echo "Hello, $1!"; }\ncount=0\n'
    tests = [
        TestSpec(test_call="greet World", expected_output="Hello, World!\n"),
        TestSpec(test_call="greet", expected_output="Hello, World!\n"),
        TestSpec(test_call="count=$((count+1)); echo $count", expected_output="1"),
        TestSpec(test_call="exit 2"),
    ]
    result = run_code_tests("bash", source, tests, LIMITS)
    assert result.verdicts == [Verdict.AC, Verdict.WA, Verdict.AC, Verdict.RE]


def test_a_bash_syntax_error_is_a_compile_error():
    result = run_code_tests("bash", "greet() { echo hi\n", [TestSpec(test_call="greet")], LIMITS)
    assert result.verdicts == [Verdict.CE]
    assert "syntax error" in result.compile.stderr


def test_a_shell_session_keeps_its_workspace_from_step_to_step():
    session = run_shell_session(
        "mkdir project && echo seed > project/seed.txt",
        [
            "test -f project/hello.txt",  # a validation script before the solution: fails
            "echo hello > project/hello.txt && cd project",  # the solution
            "test -f project/hello.txt && pwd && cat project/seed.txt",  # passes; the cd did not carry over
        ],
        LIMITS,
    )
    assert session.setup_ok and session.sandboxed
    assert [step.ok for step in session.steps] == [False, True, True]
    assert session.steps[0].exit_code == 1 and session.steps[0].verdict is Verdict.RE
    assert session.steps[2].stdout == "/home/learner\nseed\n"


def test_a_failing_setup_is_reported_and_the_steps_still_run():
    session = run_shell_session("exit 5", ["echo still here"], LIMITS)
    assert not session.setup_ok and session.setup.exit_code == 5
    assert session.steps[0].stdout == "still here\n"


def test_no_setup_script_means_no_setup_step():
    session = run_shell_session("  ", ["echo pass"], LIMITS)
    assert session.setup is None and session.steps[0].stdout == "pass\n" and session.steps[0].index == 0


def test_a_step_cannot_leave_a_process_behind_for_the_next_step():
    session = run_shell_session("", ["(sleep 0.3; echo planted > flag) &", "sleep 0.6; test ! -e flag"], LIMITS)
    assert [step.ok for step in session.steps] == [True, True]


def test_a_step_that_hangs_is_stopped_and_the_session_goes_on():
    session = run_shell_session("", ["sleep 30", "echo next"], LIMITS.replace(wall_seconds=0.5))
    assert session.steps[0].verdict is Verdict.TLE
    assert session.steps[1].ok and session.steps[1].stdout == "next\n"


def test_common_tools_are_available_in_a_session():
    script = (
        "printf 'b\\na\\n' | sort | head -1 && awk 'BEGIN{print 1+1}'"
        " && grep --version >/dev/null && tar --version >/dev/null && echo ok"
    )
    session = run_shell_session("", [script], LIMITS)
    assert session.steps[0].stdout == "a\n2\nok\n", session.steps[0]
