"""A job that stops at its first limit, and a job that keeps to its time budget (judges/runtimes/harness.py "Job":
`stop_on_limit`, `budget`): a looping or sleeping program costs one wall-clock limit, not one per test."""

from __future__ import annotations

import time

import pytest

from judges.limits import limits_for
from judges.runtimes import Budget, TestSpec, Verdict, run_code_batch, run_code_tests, run_shell_session, run_sql_batch

PYTHON = limits_for("python").replace(wall_seconds=1.0, cpu_seconds=1.0)
ADD = "def add(a, b):\n    return a + b\n"
TESTS = [TestSpec(test_call=f"print(add({n}, 1))", expected_output=f"{n + 1}\n") for n in range(6)]


def test_a_sleeping_program_stops_the_job_at_its_first_test_and_the_rest_are_not_run():
    sleeper = "import time\ndef add(a, b):\n    time.sleep(30)\n"
    started = time.monotonic()
    result = run_code_tests("python", sleeper, TESTS, PYTHON, budget=Budget(stop_on_limit=True))
    elapsed = time.monotonic() - started

    assert result.verdicts == [Verdict.TLE] + [Verdict.NR] * 5
    assert result.stopped == "limit"
    assert result.tests[1].message == "Not run: an earlier test ran out of time or memory, so the rest were not run."
    assert elapsed < PYTHON.wall_seconds + 3, "one wall limit, not six"


def test_a_looping_program_is_stopped_by_its_cpu_limit_once():
    looper = "def add(a, b):\n    while True:\n        pass\n"
    result = run_code_tests("python", looper, TESTS, PYTHON, budget=Budget(stop_on_limit=True))

    assert result.verdicts == [Verdict.TLE] + [Verdict.NR] * 5


def test_a_program_that_runs_out_of_memory_stops_the_job_too():
    hog = "def add(a, b):\n    return len(bytearray(4 * 2**30))\n"
    result = run_code_tests("python", hog, TESTS, PYTHON, budget=Budget(stop_on_limit=True))

    assert result.verdicts == [Verdict.MLE] + [Verdict.NR] * 5


def test_without_stop_on_limit_every_test_still_runs():
    slow_first = "import time\ndef add(a, b):\n    if a == 0:\n        time.sleep(30)\n    return a + b\n"
    result = run_code_tests("python", slow_first, TESTS, PYTHON)

    assert result.verdicts == [Verdict.TLE] + [Verdict.AC] * 5
    assert result.stopped is None


def test_failures_that_are_not_limits_do_not_stop_the_job():
    wrong = "def add(a, b):\n    if a == 0:\n        raise ValueError('no')\n    return a + b + (a == 1)\n"
    result = run_code_tests("python", wrong, TESTS, PYTHON, budget=Budget(stop_on_limit=True))

    assert result.verdicts == [Verdict.RE, Verdict.WA] + [Verdict.AC] * 4


def test_the_budget_cuts_the_run_in_progress_and_the_rest_are_not_run():
    # Each test sleeps 0.6 s, under its 1 s wall limit; the job's budget of 1.5 s ends in the third test.
    slow = "import time\ndef add(a, b):\n    time.sleep(0.6)\n    return a + b\n"
    started = time.monotonic()
    result = run_code_tests("python", slow, TESTS, PYTHON, budget=Budget(seconds=1.5))
    elapsed = time.monotonic() - started

    assert result.verdicts[:2] == [Verdict.AC, Verdict.AC]
    assert result.verdicts[2] is Verdict.TLE
    assert result.tests[2].message == "The attempt's time budget ran out while this test ran, so it was stopped."
    assert result.verdicts[3:] == [Verdict.NR] * 3
    assert result.stopped == "budget"
    assert elapsed < 1.5 + 2


def test_a_spent_budget_runs_nothing():
    result = run_code_tests("python", ADD, TESTS, PYTHON, budget=Budget(seconds=0))

    assert result.verdicts == [Verdict.NR] * 6
    assert result.stopped == "budget"


def test_the_budget_covers_a_compiler_too():
    limits = limits_for("go").replace(wall_seconds=1.0, cpu_seconds=1.0)
    source = "package main\n\nfunc Add(a, b int) int { return a + b }\n"
    result = run_code_tests(
        "go", source, [TestSpec(test_call="fmt.Println(Add(1, 2))", expected_output="3\n")], limits, budget=Budget(seconds=0.05)
    )

    assert not result.compiled
    assert result.compile.timed_out


def test_a_program_after_the_one_that_hit_a_limit_is_not_run_either():
    sleeper = "import time\ndef add(a, b):\n    time.sleep(30)\n"
    first, second = run_code_batch("python", [(sleeper, TESTS[:2]), (ADD, TESTS[:2])], PYTHON, budget=Budget(stop_on_limit=True))

    assert first.verdicts == [Verdict.TLE, Verdict.NR]
    assert second.verdicts == [Verdict.NR, Verdict.NR]


def test_a_shell_session_stops_at_a_hanging_step():
    limits = limits_for("bash").replace(wall_seconds=1.0, cpu_seconds=1.0)
    session = run_shell_session("", ["echo one", "sleep 30", "echo three"], limits, budget=Budget(stop_on_limit=True))

    assert [step.verdict for step in session.steps] == [Verdict.AC, Verdict.TLE, Verdict.NR]


@pytest.mark.parametrize("queries", [["SELECT 1", "SELECT 2"]])
def test_an_sql_batch_keeps_to_its_budget(queries):
    limits = limits_for("sql").replace(wall_seconds=1.0, cpu_seconds=1.0)
    batch = run_sql_batch("sqlite", "CREATE TABLE t (x INTEGER);", queries, limits, budget=Budget(seconds=0))

    assert [result.verdict for result in batch.results] == [Verdict.NR, Verdict.NR]
