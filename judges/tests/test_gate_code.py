"""The quality gate on CODE capsules (judges/validators/code.py through judges.validate), in the real sandbox.

Every category the CODE validator can report has a test here, and where a test or a call failed, the
report's one sentence must name it: the test's number and description, its call, what was expected and
what came out — the Debugger agent fixes capsules from that sentence alone.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from capsules.tests.samples import capsule_data
from judges import validate
from judges.reports import ValidationReport

STEP_NAMES = [
    "tests include a visible and a hidden test",
    "reference solution passes every test",
    "starting code compiles and fails at least one test",
    "a second run of the reference agrees",
    "every example in the statement is a visible test",
]


def code_capsule(**config: Any) -> dict[str, Any]:
    """The sample Python capsule (find_largest, one visible and one hidden test) with config_data changes."""
    data = capsule_data("CODE")
    data["config_data"].update(config)
    return data


def reference(body: str) -> dict[str, Any]:
    return code_capsule(reference_solution=f"def find_largest(numbers):\n{body}\n")


def judged(data: dict[str, Any]) -> ValidationReport:
    report = validate(data)
    assert report.capsule_type == "CODE"
    return report


# --- A capsule that passes ---------------------------------------------------------------------------


def test_a_capsule_whose_reference_passes_and_whose_starting_code_fails_passes_with_every_step_recorded():
    report = judged(code_capsule())

    assert (report.passed, report.category) == (True, None)
    assert report.message == (
        "The reference solution passes all 2 tests (1 hidden), the starting code fails test 1, and a second run agrees."
    )
    assert [(step.name, step.ok) for step in report.steps] == [(name, True) for name in STEP_NAMES]
    assert [step.detail for step in report.steps] == [
        "1 visible, 1 hidden",
        "2/2 tests pass",
        "fails test 1",
        "same verdicts and outputs",
        "0 examples, each a visible test",
    ]
    assert [(t.call, t.expected, t.actual, t.verdict, t.is_hidden) for t in report.tests] == [
        ("print(find_largest([1, 5, 2]))", "5\n", "5\n", "AC", False),
        ("print(find_largest([-3, -1, -7]))", "-1\n", "-1\n", "AC", True),
    ]
    assert report.tests[0].exit_code == 0 and report.tests[0].wall_ms is not None
    assert report.language == "python" and report.seconds > 0
    assert report.first_failure() is None


def test_starting_code_that_does_not_compile_is_refused_because_learners_start_from_it():
    report = judged(code_capsule(boilerplate_code="def find_largest(numbers):\n"))

    assert (report.passed, report.category) == (False, "syntax_error")
    assert report.steps[2].detail == "does not compile"
    assert report.message.startswith("The starting code does not compile, so learners would begin with an error: ")
    assert "IndentationError" in report.message or "SyntaxError" in report.message


# --- The reference does not compile ------------------------------------------------------------------


def test_a_python_reference_with_a_syntax_error_is_a_syntax_error_and_the_one_problem():
    report = judged(reference("    return max(numbers"))

    assert (report.passed, report.category) == (False, "syntax_error")
    assert report.message.startswith("The reference solution does not compile:")
    assert 'File "solution.py", line 2' in report.message  # where it is
    assert [(step.name, step.ok) for step in report.steps] == [
        (STEP_NAMES[0], True), (STEP_NAMES[1], False), (STEP_NAMES[2], True), (STEP_NAMES[3], True), (STEP_NAMES[4], True)
    ]
    # the starting code's probe (already in the job) is all that is read of it: it compiles and fails test 1
    assert report.steps[2].detail == "fails test 1"
    assert [test.verdict for test in report.tests] == ["CE", "CE"]
    assert [problem.category for problem in report.problems] == ["syntax_error"]


def test_a_syntax_error_message_says_what_the_error_is():
    report = judged(reference("    return max(numbers"))

    assert "SyntaxError" in report.message


def test_a_java_reference_that_does_not_compile_is_a_compile_error_naming_the_file_line_and_error():
    data = code_capsule(
        boilerplate_code="class Solution {\n    static int largest(int[] a) { return 0; }\n}\n",
        reference_solution="class Solution {\n    static int largest(int[] a) { return biggest; }\n}\n",
        test_cases=[
            {
                "description": "three numbers",
                "test_call": "System.out.println(Solution.largest(new int[]{1, 5, 2}));",
                "expected_output": "5\n",
            },
            {
                "description": "negative numbers",
                "test_call": "System.out.println(Solution.largest(new int[]{-3, -1}));",
                "expected_output": "-1\n",
                "is_hidden": True,
            },
        ],
    )
    data["runtime_config"] = {"language": "java"}

    report = judged(data)

    assert (report.passed, report.category, report.language) == (False, "compile_error", "java")
    assert report.message.startswith("The reference solution does not compile:")
    assert "Solution.java:2: error: cannot find symbol" in report.message


# --- The reference runs but is wrong -----------------------------------------------------------------


def test_a_wrong_expected_output_is_wrong_output_naming_the_test_its_call_the_expected_and_the_actual_output():
    data = code_capsule()
    data["config_data"]["test_cases"][1]["expected_output"] = "-3\n"  # the largest of [-3, -1, -7] is -1

    report = judged(data)

    assert (report.passed, report.category) == (False, "wrong_output")
    assert report.message == (
        "The reference solution fails test 2 (negative numbers): print(find_largest([-3, -1, -7])) "
        "printed '-1\\n' but '-3\\n' was expected."
    )
    failure = report.first_failure()
    assert (failure.index, failure.call, failure.expected, failure.actual, failure.verdict) == (
        1, "print(find_largest([-3, -1, -7]))", "-3\n", "-1\n", "WA"
    )
    assert report.tests[0].verdict == "AC"
    assert [(problem.category, problem.test_index) for problem in report.problems] == [("wrong_output", 1)]
    # the starting code fails test 1 in its probe; no further job runs it against a broken reference
    assert report.steps[2].detail == "fails test 1"


def test_a_reference_that_raises_is_a_runtime_error_naming_the_call_and_the_exception():
    report = judged(
        reference("    if min(numbers) < 0:\n        raise ValueError('negative numbers are not handled')\n    return max(numbers)")
    )

    assert (report.passed, report.category) == (False, "runtime_error")
    assert report.message.startswith("The reference solution fails test 2 (negative numbers): print(find_largest([-3, -1, -7]))")
    assert "ValueError: negative numbers are not handled" in report.message
    failure = report.first_failure()
    assert failure.verdict == "RE" and failure.exit_code == 1
    assert "Traceback" in failure.stderr and "ValueError" in failure.stderr


def test_an_endless_loop_in_the_reference_is_a_timeout_naming_the_call(settings):
    settings.JUDGE_CPU_SECONDS = 1
    # Wall room for the CPU limit to be what stops it even on a loaded 2-core machine.
    settings.JUDGE_WALL_SECONDS = 5

    report = judged(reference("    while min(numbers) < 0:\n        pass\n    return max(numbers)"))

    assert (report.passed, report.category) == (False, "timeout")
    assert report.message.startswith("The reference solution fails test 2 (negative numbers): print(find_largest([-3, -1, -7]))")
    assert "more than 1 s of CPU time" in report.message
    assert [test.verdict for test in report.tests] == ["AC", "TLE"]


def test_a_reference_that_hangs_on_every_test_is_rejected_after_one_wall_limit_not_one_per_test(settings):
    settings.JUDGE_CPU_SECONDS = 5
    settings.JUDGE_WALL_SECONDS = 1
    tests = [
        {"description": f"case {n}", "test_call": f"print(find_largest([{n}]))", "expected_output": f"{n}\n", "is_hidden": n > 0}
        for n in range(10)
    ]
    data = code_capsule(reference_solution="import time\ndef find_largest(numbers):\n    time.sleep(60)\n", test_cases=tests)
    started = time.monotonic()
    report = judged(data)
    elapsed = time.monotonic() - started

    assert (report.passed, report.category) == (False, "timeout")
    assert [test.verdict for test in report.tests] == ["TLE"] + ["NR"] * 9
    assert elapsed < 1 + 3, f"one wall limit and the sandbox, not ten: {elapsed:.1f} s"


# --- What the capsule asks of learners ---------------------------------------------------------------


def test_starting_code_that_already_passes_every_test_is_boilerplate_passes():
    data = code_capsule(boilerplate_code="def find_largest(numbers):\n    return sorted(numbers)[-1]\n")

    report = judged(data)

    assert (report.passed, report.category) == (False, "boilerplate_passes")
    assert report.message == "The starting code already passes every test, so learners would have nothing to do."
    assert (report.steps[2].name, report.steps[2].ok, report.steps[2].detail) == (STEP_NAMES[2], False, "passes every test")


def test_starting_code_that_passes_the_first_test_is_run_on_the_others_and_fails_one():
    # The sample's tests are [1, 5, 2] -> 5 and [-3, -1, -7] -> -1: a max() that starts from 0 gets the first right.
    data = code_capsule(boilerplate_code="def find_largest(numbers):\n    return max([0, *numbers])\n")

    report = judged(data)

    assert (report.passed, report.category) == (True, None)
    assert (report.steps[2].ok, report.steps[2].detail) == (True, "fails test 2")
    assert "the starting code fails test 2" in report.message


def test_starting_code_that_hangs_on_the_first_test_fails_it(settings):
    settings.JUDGE_CPU_SECONDS = 1
    data = code_capsule(boilerplate_code="def find_largest(numbers):\n    while True:\n        pass\n")

    report = judged(data)

    assert (report.passed, report.steps[2].detail) == (True, "fails test 1")


def test_a_capsule_without_a_hidden_test_is_missing_hidden_test_and_the_reference_still_runs():
    data = code_capsule()
    data["config_data"]["test_cases"][1]["is_hidden"] = False

    report = judged(data)

    assert (report.passed, report.category) == (False, "missing_hidden_test")
    assert "add at least one hidden test" in report.message
    assert (report.steps[0].name, report.steps[0].ok, report.steps[0].detail) == (STEP_NAMES[0], False, "2 visible, 0 hidden")
    assert [step.ok for step in report.steps[1:]] == [True, True, True, True]
    assert [test.verdict for test in report.tests] == ["AC", "AC"]
    assert [problem.category for problem in report.problems] == ["missing_hidden_test"]


def test_a_capsule_without_a_visible_test_is_missing_visible_test_and_the_reference_still_runs():
    data = code_capsule()
    data["config_data"]["test_cases"][0]["is_hidden"] = True

    report = judged(data)

    assert (report.passed, report.category) == (False, "missing_visible_test")
    assert "add at least one visible test" in report.message
    assert report.steps[0].detail == "0 visible, 2 hidden"
    assert [test.verdict for test in report.tests] == ["AC", "AC"]


# --- Determinism -------------------------------------------------------------------------------------


def test_a_reference_that_prints_random_values_is_flaky_naming_the_test_and_both_outputs():
    # Within the numeric tolerance both runs pass, but they print different values: the second run catches
    # it. (os.urandom, not hash(): hash randomization does not vary between forks of one interpreter.)
    data = code_capsule(
        reference_solution=(
            "import os\n\ndef find_largest(numbers):\n    return max(numbers) + int.from_bytes(os.urandom(6), 'big') * 1e-18\n"
        )
    )
    for case in data["config_data"]["test_cases"]:
        case.update(compare="numeric", tolerance=1e-3)

    report = judged(data)

    assert (report.passed, report.category) == (False, "flaky")
    assert report.message.startswith("Test 1 (three numbers) gave different results on two runs of the reference: '5.")
    assert report.message.endswith("tests must be deterministic.")
    assert (report.steps[3].name, report.steps[3].ok) == (STEP_NAMES[3], False)
    assert report.steps[3].detail == "tests 1, 2 differ"


def test_a_reference_that_draws_from_random_without_a_seed_is_flaky():
    # Python reseeds `random` in every fork; the second run, whose tests share one child, draws other values too.
    data = code_capsule(
        reference_solution="import random\n\ndef find_largest(numbers):\n    return max(numbers) + random.random() * 1e-6\n"
    )
    for case in data["config_data"]["test_cases"]:
        case.update(compare="numeric", tolerance=1e-3)

    report = judged(data)

    assert (report.passed, report.category) == (False, "flaky")
    assert report.steps[3].detail == "tests 1, 2 differ"


def test_a_reference_that_seeds_random_agrees_with_itself():
    # Its tests share one child in the second run: each still starts from a fresh module, which seeds again.
    data = code_capsule(
        reference_solution=(
            "import random\n\nrandom.seed(7)\n\ndef find_largest(numbers):\n    return max(numbers) + round(random.random() * 1e-6, 12)\n"
        )
    )
    for case in data["config_data"]["test_cases"]:
        case.update(compare="numeric", tolerance=1e-3)

    report = judged(data)

    assert (report.passed, report.steps[3].detail) == (True, "same verdicts and outputs")


# --- Numeric comparison with a tolerance (an extension of the judge's default comparison) -------------


def average_capsule(compare: str | None, tolerance: float | None = None) -> dict[str, Any]:
    cases: list[dict[str, Any]] = [
        {"description": "thirds", "test_call": "print(average([1, 2, 2]))", "expected_output": "1.667\n"},
        {"description": "tenths", "test_call": "print(average([0.1, 0.2]))", "expected_output": "0.15\n", "is_hidden": True},
    ]
    for case in cases:
        case.update({"compare": compare, "tolerance": tolerance})
    return code_capsule(
        boilerplate_code="def average(numbers):\n    return 0\n",
        reference_solution="def average(numbers):\n    return sum(numbers) / len(numbers)\n",
        test_cases=cases,
    )


def test_numeric_comparison_accepts_values_within_the_tolerance():
    report = judged(average_capsule("numeric", tolerance=1e-3))

    assert report.passed, report.message
    assert report.tests[0].actual == "1.6666666666666667\n"


def test_numeric_comparison_refuses_values_outside_the_tolerance():
    report = judged(average_capsule("numeric", tolerance=1e-6))

    assert (report.passed, report.category) == (False, "wrong_output")
    assert "test 1 (thirds): print(average([1, 2, 2])) printed '1.6666666666666667\\n' but '1.667\\n' was expected" in report.message


def test_the_default_comparison_is_exact_text_so_a_rounded_expected_value_fails():
    report = judged(average_capsule(None))

    assert (report.passed, report.category) == (False, "wrong_output")
    assert report.first_failure().call == "print(average([1, 2, 2]))"


def test_the_default_comparison_ignores_trailing_whitespace_and_line_endings():
    report = judged(reference("    print(max(numbers), end='   \\r\\n')\n    return ''"))

    assert report.tests[0].actual == "5   \r\n\n"
    assert report.passed, report.message


# --- No sandbox, no verdict --------------------------------------------------------------------------


@pytest.fixture
def world_writable_dir():
    path = Path(tempfile.mkdtemp(prefix="gate-marker-"))
    os.chmod(path, 0o777)  # the judge runs programs as an unprivileged uid
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


def test_without_a_sandbox_the_gate_reports_sandbox_error_and_runs_nothing(settings, world_writable_dir):
    settings.JUDGE_BWRAP_PATH = "/nonexistent/bwrap"
    settings.JUDGE_ALLOW_UNSANDBOXED = False
    marker = world_writable_dir / "ran"

    report = judged(
        code_capsule(reference_solution=f"open({str(marker)!r}, 'w').write('ran')\n\ndef find_largest(numbers):\n    return max(numbers)\n")
    )

    assert (report.passed, report.category) == (False, "sandbox_error")
    assert report.message.startswith("The capsule could not be judged: no sandbox is available")
    assert "JUDGE_BWRAP_PATH='/nonexistent/bwrap'" in report.message and "Nothing was executed" in report.message
    assert report.tests == []
    assert not marker.exists()


def test_a_record_that_does_not_fit_its_schema_is_invalid_config_without_running_anything():
    data = code_capsule()
    del data["config_data"]["test_cases"][0]["expected_output"]

    report = validate(data)

    assert (report.passed, report.category, report.capsule_type, report.language) == (False, "invalid_config", "CODE", "python")
    assert "expected_output" in report.message
    assert report.steps == [] and report.tests == []


# --- Every problem at once ---------------------------------------------------------------------------


def test_a_missing_hidden_test_does_not_hide_a_syntax_error_in_the_same_save():
    data = reference("    return max(numbers")
    data["config_data"]["test_cases"][1]["is_hidden"] = False

    report = judged(data)

    assert [problem.category for problem in report.problems] == ["missing_hidden_test", "syntax_error"]
    assert (report.category, report.message) == (report.problems[0].category, report.problems[0].message)


def test_every_failing_reference_test_is_listed_with_its_index():
    data = code_capsule(
        reference_solution="def find_largest(numbers):\n    return min(numbers)\n",
        test_cases=[
            {"description": "three numbers", "test_call": "print(find_largest([1, 5, 2]))", "expected_output": "5\n", "is_hidden": False},
            {"description": "one number", "test_call": "print(find_largest([4]))", "expected_output": "4\n", "is_hidden": False},
            {
                "description": "negative numbers",
                "test_call": "print(find_largest([-3, -1, -7]))",
                "expected_output": "-1\n",
                "is_hidden": True,
            },
        ],
    )

    report = judged(data)

    assert [(problem.category, problem.test_index) for problem in report.problems] == [("wrong_output", 0), ("wrong_output", 2)]
    assert (
        "test 3 (negative numbers): print(find_largest([-3, -1, -7])) printed '-7\\n' but '-1\\n' was expected"
        in report.problems[1].message
    )


def test_a_starting_code_that_does_not_compile_is_reported_alongside_a_reference_failure():
    data = code_capsule(boilerplate_code="def find_largest(numbers)\n    pass\n")
    data["config_data"]["test_cases"][1]["expected_output"] = "-3\n"

    report = judged(data)

    assert [problem.category for problem in report.problems] == ["wrong_output", "syntax_error"]
    assert report.problems[1].message.startswith("The starting code does not compile")


def test_tests_a_time_limit_kept_from_running_are_one_problem():
    data = code_capsule(
        reference_solution=(
            "def find_largest(numbers):\n    if numbers == [0]:\n        while True:\n            pass\n    return max(numbers)\n"
        ),
        test_cases=[
            {"description": "three numbers", "test_call": "print(find_largest([1, 5, 2]))", "expected_output": "5\n", "is_hidden": False},
            {"description": "zero hangs", "test_call": "print(find_largest([0]))", "expected_output": "0\n", "is_hidden": False},
            {"description": "later one", "test_call": "print(find_largest([2, 3]))", "expected_output": "3\n", "is_hidden": True},
            {"description": "later two", "test_call": "print(find_largest([-3, -1]))", "expected_output": "-1\n", "is_hidden": True},
        ],
    )

    report = judged(data)

    assert [(problem.category, problem.test_index) for problem in report.problems] == [("timeout", 1), ("timeout", 2)]
    assert report.problems[1].message.startswith("Tests 3, 4 did not run")
    assert not any(problem.category == "flaky" for problem in report.problems)


def test_a_statement_example_that_no_visible_test_makes_is_refused_naming_it():
    data = code_capsule()
    data["problem_statement_md"] = (
        "Write `find_largest(numbers)`.\n\n* `find_largest([1, 5, 2])` → `5`\n* `find_largest([-3, -1, -7])` → `-1`\n"
    )

    report = judged(data)

    assert (report.passed, report.category) == (False, "statement_example_untested")
    assert "find_largest([-3, -1, -7])" in report.message and "only a hidden test" in report.message
    assert report.steps[-1].detail == "2 examples, 1 not matched by a visible test"


def test_a_statement_example_whose_result_disagrees_with_its_visible_test_is_a_mismatch():
    data = code_capsule()
    data["problem_statement_md"] = "Write `find_largest(numbers)`: `find_largest([1, 5, 2])` returns `2`."

    report = judged(data)

    assert (report.passed, report.category) == (False, "statement_example_mismatch")
    assert report.problems[0].test_index == 0
    assert "visible test 1 (three numbers) expects '5'" in report.message
