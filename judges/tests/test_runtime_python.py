"""Python CODE jobs (judges/runtimes/python.py): one warm interpreter, one fork per test."""

from __future__ import annotations

from judges.limits import limits_for
from judges.runtimes import CompareMode, TestSpec, Verdict, run_code_batch, run_code_tests

LIMITS = limits_for("python").replace(wall_seconds=2.0, cpu_seconds=1.0)
FIND_LARGEST = "def find_largest(numbers):\n    return max(numbers)\n"


def run(source: str, *tests: TestSpec):
    return run_code_tests("python", source, list(tests), LIMITS)


def test_it_accepts_a_reference_that_prints_the_expected_output():
    result = run(
        FIND_LARGEST,
        TestSpec(test_call="print(find_largest([1, 5, 2]))", expected_output="5\n"),
        TestSpec(test_call="print(find_largest([-3, -1, -7]))", expected_output="-1"),
    )
    assert result.passed and result.sandboxed
    assert result.compile is not None and result.compile.ok
    assert [test.verdict for test in result.tests] == [Verdict.AC, Verdict.AC]
    assert result.tests[0].stdout == "5\n" and result.tests[0].exit_code == 0


def test_it_reports_wrong_output_with_the_first_difference():
    result = run("def find_largest(numbers):\n    pass\n", TestSpec(test_call="print(find_largest([1, 5, 2]))", expected_output="5\n"))
    test = result.tests[0]
    assert test.verdict is Verdict.WA
    assert test.stdout == "None\n"
    assert test.message == "Wrong output: line 1: expected '5', got 'None'."


def test_a_syntax_error_in_the_code_is_a_compile_error_for_every_test():
    result = run("def find_largest(numbers)\n    return max(numbers)\n", TestSpec(test_call="print(1)"), TestSpec(test_call="print(2)"))
    assert not result.compiled and not result.passed
    assert result.verdicts == [Verdict.CE, Verdict.CE]
    assert "SyntaxError" in result.compile.stderr and "line 1" in result.compile.stderr
    assert result.tests[0].message.startswith("Compilation failed")


def test_an_exception_is_a_runtime_error_with_the_learners_traceback():
    result = run("def f(x):\n    return 1 / x\n", TestSpec(test_call="print(f(0))", expected_output="0\n"))
    test = result.tests[0]
    assert test.verdict is Verdict.RE and test.exit_code == 1
    assert 'File "solution.py", line 2, in f' in test.stderr
    assert "return 1 / x" in test.stderr  # the learner's source line, although there is no file on disk
    assert "harness" not in test.stderr
    assert test.message == "The program exited with status 1: ZeroDivisionError: division by zero"


def test_a_broken_test_call_fails_only_that_test():
    result = run(
        FIND_LARGEST, TestSpec(test_call="print(find_largest([1]))", expected_output="1"), TestSpec(test_call="print(", expected_output="")
    )
    assert result.verdicts == [Verdict.AC, Verdict.RE]
    assert "SyntaxError" in result.tests[1].stderr


def test_every_test_starts_from_fresh_module_state():
    source = "seen = []\ndef remember(x):\n    seen.append(x)\n    return len(seen)\n"
    result = run(source, *[TestSpec(test_call=f"print(remember({i}))", expected_output="1") for i in range(3)])
    assert result.verdicts == [Verdict.AC] * 3


def test_sys_exit_codes_are_honoured():
    result = run(
        "import sys\n",
        TestSpec(test_call="print('bye'); sys.exit(0)", expected_output="bye"),
        TestSpec(test_call="sys.exit(4)"),
        TestSpec(test_call="sys.exit('boom')"),
    )
    assert result.verdicts == [Verdict.AC, Verdict.RE, Verdict.RE]
    assert result.tests[1].exit_code == 4
    assert result.tests[2].exit_code == 1 and "boom" in result.tests[2].stderr


def test_stdin_is_empty_and_name_is_main():
    result = run("import sys\n", TestSpec(test_call="print(repr(sys.stdin.read()), __name__)", expected_output="'' __main__"))
    assert result.passed, result.tests[0]


def test_imports_of_the_standard_library_work_and_site_packages_do_not():
    source = "import collections, dataclasses, typing\nfrom functools import lru_cache\n"
    result = run(
        source,
        TestSpec(test_call="print(collections.Counter('aab').most_common(1))", expected_output="[('a', 2)]"),
        TestSpec(test_call="import django"),
    )
    assert result.verdicts == [Verdict.AC, Verdict.RE]
    assert "ModuleNotFoundError: No module named 'django'" in result.tests[1].stderr


def test_output_without_a_trailing_newline_is_flushed():
    result = run("", TestSpec(test_call="print('no newline', end='')", expected_output="no newline"))
    assert result.passed


def test_unicode_output_round_trips():
    result = run("", TestSpec(test_call="print('héllo ✓ 😀')", expected_output="héllo ✓ 😀\n"))
    assert result.passed


def test_compare_modes_can_be_chosen_per_test():
    result = run(
        "",
        TestSpec(test_call="print('a  ')", expected_output="a", compare=CompareMode.TRIM),
        TestSpec(test_call="print('a  ')", expected_output="a", compare=CompareMode.EXACT),
        TestSpec(test_call="print(0.1 + 0.2)", expected_output="0.3", compare=CompareMode.NUMERIC),
        TestSpec(test_call="print(0.1 + 0.2)", expected_output="0.3"),
    )
    assert result.verdicts == [Verdict.AC, Verdict.WA, Verdict.AC, Verdict.WA]


def test_a_test_without_expected_output_is_accepted_when_it_runs_cleanly():
    result = run("", TestSpec(test_call="print(42)"))
    assert result.passed and result.tests[0].stdout == "42\n"


def test_cpu_and_wall_time_are_measured_per_test():
    result = run("", TestSpec(test_call="sum(range(10_000_000))"), TestSpec(test_call="import time; time.sleep(0.3)"))
    busy, sleepy = result.tests
    assert busy.cpu_seconds > 0.02
    assert sleepy.wall_seconds >= 0.3 and sleepy.cpu_seconds < 0.1


def test_hidden_test_calls_are_not_visible_to_the_program():
    # Test 1 walks the stack it inherited from the harness, looking for the other test's call.
    hunter = (
        "import sys\n"
        "def hunt():\n"
        "    frame, texts = sys._getframe(), []\n"
        "    while frame is not None:\n"
        "        texts += [repr(v) for v in frame.f_locals.values()]\n"
        "        frame = frame.f_back\n"
        "    return any(('SECRET' + '_HIDDEN_CALL') in text for text in texts)\n"
        "print(hunt())\n"
    )
    result = run(FIND_LARGEST, TestSpec(test_call=hunter, expected_output="False"), TestSpec(test_call="x = 'SECRET_HIDDEN_CALL'"))
    assert result.passed, result.tests[0]


def test_the_interpreter_is_debians_not_the_virtualenv():
    result = run(
        "import sys\n",
        TestSpec(test_call="print(sys.executable, sys.flags.isolated, sys.flags.no_site)", expected_output="/usr/bin/python3 1 1"),
    )
    assert result.passed, result.tests[0]


def test_a_batch_judges_several_programs_in_one_sandbox():
    tests = [TestSpec(test_call=f"print(find_largest([1, {i}, 2]))", expected_output=str(max(i, 2))) for i in range(3)]
    reference, boilerplate, broken, again = run_code_batch(
        "python",
        [(FIND_LARGEST, tests), ("def find_largest(numbers):\n    pass\n", tests), ("def find_largest(:\n", tests), (FIND_LARGEST, tests)],
        LIMITS,
    )
    assert reference.passed and again.passed
    assert boilerplate.verdicts == [Verdict.WA] * 3
    assert broken.verdicts == [Verdict.CE] * 3 and "SyntaxError" in broken.compile.stderr
    assert reference.wall_seconds == boilerplate.wall_seconds  # one job


def test_a_program_of_a_batch_cannot_see_the_others():
    spy = (
        "import gc, sys\n"
        "def hunt():\n"
        "    f, seen = sys._getframe(1), []\n"
        "    while f:\n"
        "        seen += [repr(v) for v in f.f_locals.values()]\n"
        "        f = f.f_back\n"
        "    return any('REFERENCE' + '_SECRET' in s for s in seen)\n"
    )
    first, second = run_code_batch(
        "python",
        [("x = 'REFERENCE_SECRET'\n", [TestSpec(test_call="pass")]), (spy, [TestSpec(test_call="print(hunt())", expected_output="False")])],
        LIMITS,
    )
    assert first.passed and second.passed, second.tests[0]


def test_files_a_test_writes_are_gone_for_the_next_test():
    source = (
        "import os\n"
        "def visit():\n"
        "    seen = sorted(os.listdir('.')) + sorted(os.listdir('/tmp'))\n"
        "    open('mark', 'w').write('x')\n"
        "    open('/tmp/mark', 'w').write('x')\n"
        "    return seen\n"
    )
    result = run(source, *[TestSpec(test_call="print(visit())", expected_output="[]") for _ in range(3)])
    assert result.passed, [t.stdout for t in result.tests]


def test_an_exception_that_cannot_be_printed_is_still_a_runtime_error():
    source = "class Weird(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n"
    result = run(source, TestSpec(test_call="raise Weird()"))
    assert result.tests[0].verdict is Verdict.RE and result.tests[0].exit_code == 1
    assert "Weird" in result.tests[0].stderr
