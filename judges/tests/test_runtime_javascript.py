"""JavaScript CODE jobs on Node (judges/runtimes/javascript.py). One job for most cases: one `node --check`."""

from __future__ import annotations

import pytest

from judges.limits import limits_for
from judges.runtimes import TestSpec, Verdict, run_code_tests

LIMITS = limits_for("javascript").replace(wall_seconds=3.0, cpu_seconds=1.0)
SOURCE = """
const helper = require('util');
let calls = 0;
function sum(xs) { calls += 1; return xs.reduce((a, b) => a + b, 0); }
function fail() { throw new Error('boom'); }
"""
TESTS = [
    TestSpec(test_call="console.log(sum([1, 2]))", expected_output="3\n"),
    TestSpec(test_call="console.log(sum([1, 2]) + 1)", expected_output="3\n"),
    TestSpec(test_call="fail()"),
    TestSpec(test_call="sum([1]); console.log(calls)", expected_output="1"),  # fresh state per test
    TestSpec(test_call="process.exit(3)"),
    TestSpec(test_call="console.log(helper.format('%s!', 'hi'))", expected_output="hi!"),
    TestSpec(test_call="setTimeout(() => console.log('later'), 10)", expected_output="later"),
    TestSpec(
        test_call="console.log(typeof process.env.HOME, Object.keys(process.env).includes('DJANGO_SECRET_KEY'))",
        expected_output="string false",
    ),
]


@pytest.fixture(scope="module")
def result():
    return run_code_tests("javascript", SOURCE, TESTS, LIMITS)


def test_the_job_compiles_once_and_runs_every_test(result):
    assert result.compile is not None and result.compile.ok
    assert len(result.tests) == len(TESTS) and result.sandboxed


def test_verdicts(result):
    expected = [Verdict.AC, Verdict.WA, Verdict.RE, Verdict.AC, Verdict.RE, Verdict.AC, Verdict.AC, Verdict.AC]
    assert result.verdicts == expected, [t.message for t in result.tests]


def test_an_exception_reports_the_error(result):
    assert "Error: boom" in result.tests[2].stderr
    assert result.tests[4].exit_code == 3


def test_a_syntax_error_is_a_compile_error():
    result = run_code_tests(
        "javascript", "function sum(xs) { return xs.reduce((a, b) => a + b, 0)", [TestSpec(test_call="console.log(1)")], LIMITS
    )
    assert result.verdicts == [Verdict.CE]
    assert "SyntaxError" in result.compile.stderr
