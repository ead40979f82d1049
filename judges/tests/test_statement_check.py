"""judges.statement_check.check_solution in the real sandbox: a solution written from the learner's view is run
against everything a learner is graded on, and a disagreement reads like any failed judgement (the failing checks
with the reference's and the solution's outputs)."""

from __future__ import annotations

from typing import Any

import pytest

from capsules.schemas import parse_capsule
from capsules.tests.samples import capsule_data
from judges import validate
from judges.statement_check import check_solution

pytestmark = pytest.mark.django_db


def average_capsule() -> dict[str, Any]:
    """An average whose hidden test expects 0.0 for an empty list, which the statement does not say."""
    data = capsule_data("CODE")
    data["problem_statement_md"] = "Write `average(numbers)` that returns the mean of a list of numbers.\n\n`average([2, 4])` is `3.0`."
    data["config_data"] = {
        "boilerplate_code": "def average(numbers):\n    return 0\n",
        "reference_solution": "def average(numbers):\n    if not numbers:\n        return 0.0\n    return sum(numbers) / len(numbers)\n",
        "hints": [],
        "test_cases": [
            {"description": "two numbers", "test_call": "print(average([2, 4]))", "expected_output": "3.0\n"},
            {"description": "four numbers", "test_call": "print(average([1, 2, 3, 4]))", "expected_output": "2.5\n"},
            {"description": "empty list", "test_call": "print(average([]))", "expected_output": "0.0\n", "is_hidden": True},
            {"description": "one number", "test_call": "print(average([5]))", "expected_output": "5.0\n", "is_hidden": True},
        ],
    }
    return data


def checked(data: dict[str, Any], solution: str):
    report = validate(data)
    assert report.passed, report.message
    return check_solution(parse_capsule(data), solution, report.model_dump(mode="json"))


def test_a_code_solution_that_passes_every_test_agrees():
    result = checked(average_capsule(), "def average(xs):\n    return sum(xs) / len(xs) if xs else 0.0\n")

    assert result.passed and result.category is None
    assert result.message == "An independent solution written from the statement alone passes all 4 tests."
    assert [test.verdict for test in result.tests] == ["AC"] * 4


def test_a_code_solution_that_fails_a_hidden_test_disagrees_with_both_outputs_for_the_debugger():
    result = checked(average_capsule(), "def average(numbers):\n    return sum(numbers) / len(numbers)\n")

    assert not result.passed and result.category == "statement_disagreement"
    assert [test.verdict for test in result.tests] == ["AC", "AC", "RE", "AC"]
    empty = result.tests[2]
    assert empty.is_hidden and empty.expected == "0.0\n" and empty.actual == "" and "ZeroDivisionError" in empty.stderr
    assert result.message.startswith("A solution written from the statement alone fails 1 of 4 tests; first test 3 (empty list, hidden)")


def test_a_code_solution_that_does_not_compile_disagrees_and_quotes_the_error():
    result = checked(average_capsule(), "def average(numbers)\n    return 1\n")

    assert result.category == "statement_disagreement" and "does not compile" in result.message
    assert "SyntaxError" in result.message


def test_a_query_that_matches_the_visible_data_but_not_the_hidden_dataset_disagrees():
    data = capsule_data("DATABASE")
    pasted = "SELECT 'Ada' AS name UNION ALL SELECT 'Grace' ORDER BY name;"  # the visible answer as literals

    result = checked(data, pasted)

    assert result.category == "statement_disagreement"
    assert [(test.description, test.verdict, test.is_hidden) for test in result.tests] == [
        ("the visible data", "AC", False),
        ("the hidden dataset", "WA", True),
    ]
    assert result.message == "A query written from the statement alone does not return the reference's result on the hidden dataset."
    hidden = result.tests[1]
    assert "'Ken'" in hidden.expected and "'Ada'" in hidden.actual  # both grids, for the Debugger


def test_a_query_that_computes_the_answer_agrees_on_both_datasets():
    result = checked(capsule_data("DATABASE"), "SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name")

    assert result.passed and [test.verdict for test in result.tests] == ["AC", "AC"]
    assert "on all 2 datasets" in result.message


def test_a_failing_query_disagrees_with_its_error():
    result = checked(capsule_data("DATABASE"), "SELECT nme FROM customers")

    assert result.category == "statement_disagreement"
    assert result.tests[0].verdict == "RE" and "nme" in result.tests[0].actual


def test_terminal_commands_are_checked_against_every_task():
    data = capsule_data("TERMINAL")
    good = checked(data, "echo hello > hello.txt\nmkdir notes\n")
    half = checked(data, "echo hello > hello.txt\n")

    assert good.passed and [task.passed_after for task in good.tasks] == [True, True]
    assert half.category == "statement_disagreement"
    assert [task.passed_after for task in half.tasks] == [True, False]
    assert half.message.endswith("leave 1 of 2 tasks failing: " + data["config_data"]["tasks"][1]["task_id"] + ".")
