"""The warm javac (judges/runtimes/javac_server.py): what it answers, and that Java is judged the same without it."""

from __future__ import annotations

import pytest

from judges.limits import limits_for
from judges.runtimes import TestSpec, Verdict, javac_server, run_code_tests
from judges.runtimes.java import JAVAC_OPTIONS

LIMITS = limits_for("java")
SOLUTION = "public class Solution {\n    static int calls = 0;\n    public static int twice(int x) { calls++; return 2 * x; }\n}\n"
TESTS = [
    TestSpec(test_call="System.out.println(Solution.twice(2));", expected_output="4"),
    TestSpec(test_call="Solution.twice(1); System.out.println(Solution.calls);", expected_output="1"),
    TestSpec(test_call='throw new IllegalStateException("boom");'),
]


def test_it_answers_class_files_or_the_messages_the_javac_command_prints():
    compiled = javac_server.compile_java({"Solution.java": SOLUTION}, JAVAC_OPTIONS, 30)
    broken = javac_server.compile_java({"Solution.java": "class Solution { int x = }\n"}, JAVAC_OPTIONS, 30)

    assert compiled is not None and compiled.status == 0
    assert set(compiled.classes) == {"Solution.class"} and compiled.classes["Solution.class"].startswith(b"\xca\xfe\xba\xbe")
    assert broken is not None and broken.status == 1 and not broken.classes
    assert broken.messages.startswith("Solution.java:1: error: illegal start of expression")
    assert broken.messages.rstrip().endswith("1 error")


def test_a_compile_that_runs_out_of_time_stops_the_server_and_the_next_one_starts_afresh(monkeypatch):
    stopped = javac_server.compile_java({"Solution.java": SOLUTION.replace("2 * x", "3 * x")}, JAVAC_OPTIONS, 0.0)
    again = javac_server.compile_java({"Solution.java": SOLUTION.replace("2 * x", "4 * x")}, JAVAC_OPTIONS, 30)

    assert stopped is not None and stopped.timed_out and stopped.status is None
    assert again is not None and again.status == 0 and "Solution.class" in again.classes


@pytest.mark.parametrize("warm", [True, False], ids=["warm javac", "javac in the job"])
def test_java_is_judged_alike_with_the_warm_javac_or_without_it(monkeypatch, warm):
    if not warm:  # as when the warm javac is busy with another request
        monkeypatch.setattr("judges.runtimes.java.compile_java", lambda *args, **kwargs: None)

    result = run_code_tests("java", SOLUTION, TESTS, LIMITS)
    broken = run_code_tests("java", "class Solution { int x = }\n", TESTS[:1], LIMITS)

    assert result.compiled and result.verdicts == [Verdict.AC, Verdict.AC, Verdict.RE]
    assert 'Exception in thread "main" java.lang.IllegalStateException: boom' in result.tests[2].stderr
    assert "CapsuleRunner" not in result.tests[2].stderr
    assert broken.verdicts == [Verdict.CE] and "illegal start of expression" in broken.compile.stderr
