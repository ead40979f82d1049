"""grade_attempt's two modes, on the real judge: `run` tries the learner's work without a verdict
on the whole (CODE: the visible tests; DATABASE: the result grid), `submit` grades it (CODE: every test,
hidden ones by verdict only; DATABASE: compared, and the difference said in words)."""

from __future__ import annotations

import json

import pytest

from capsules.tests.samples import capsule_data
from judges.grading import SHOWN_ROWS, grade_attempt

pytestmark = pytest.mark.django_db

CORRECT = "def find_largest(numbers):\n    return max(numbers)\n"
HALF_RIGHT = "def find_largest(numbers):\n    return 5\n"  # right for the visible [1, 5, 2], wrong for the hidden test
HIDDEN = capsule_data("CODE")["config_data"]["test_cases"][1]


@pytest.fixture
def code_capsule(owner, make_capsule):
    return make_capsule(owner, "CODE", status="published", is_public=True)


@pytest.fixture
def database_capsule(owner, make_capsule):
    return make_capsule(owner, "DATABASE", status="published", is_public=True)


# --- CODE ---------------------------------------------------------------------------------------------------


def test_a_code_run_takes_only_the_visible_tests_and_says_submit_adds_the_hidden_ones(code_capsule):
    result = grade_attempt(capsule=code_capsule, code=HALF_RIGHT, mode="run")

    assert (result.mode, result.graded, result.passed, result.score, result.hidden_tests) == ("run", True, True, 1.0, 1)
    assert [(test.index, test.is_hidden, test.verdict) for test in result.tests] == [(0, False, "AC")]
    assert result.tests[0].call == "print(find_largest([1, 5, 2]))"
    assert (result.tests[0].expected, result.tests[0].actual) == ("5\n", "5\n")
    assert result.message == "All 1 example tests pass. Submit runs them with 1 hidden test."


def test_a_code_run_never_mentions_what_a_hidden_test_calls_or_expects(code_capsule):
    text = grade_attempt(capsule=code_capsule, code=HALF_RIGHT, mode="run").model_dump_json()

    assert HIDDEN["test_call"] not in text and json.dumps(HIDDEN["expected_output"]) not in text


def test_a_failing_code_run_shows_what_the_visible_test_printed(code_capsule):
    result = grade_attempt(capsule=code_capsule, code="def find_largest(numbers):\n    return 'five'\n", mode="run")

    assert (result.passed, result.score) == (False, 0.0)
    assert (result.tests[0].verdict, result.tests[0].actual) == ("WA", "five\n")
    assert result.message.startswith("0 of 1 example tests pass.")


def test_a_code_submit_takes_every_test_and_gives_hidden_ones_a_verdict_only(code_capsule):
    result = grade_attempt(capsule=code_capsule, code=HALF_RIGHT, mode="submit")

    assert (result.mode, result.passed, result.score, result.hidden_tests) == ("submit", False, 0.5, None)
    visible, hidden = result.tests
    assert (visible.verdict, hidden.verdict, hidden.is_hidden) == ("AC", "WA", True)
    assert (hidden.call, hidden.expected, hidden.actual, hidden.stderr, hidden.description) == (None,) * 5
    assert result.message == "1 of 2 tests pass."


def test_submit_is_the_default_mode_as_the_attempts_api_uses_it(code_capsule):
    result = grade_attempt(capsule=code_capsule, code=CORRECT)

    assert (result.mode, result.passed, result.score, result.message) == ("submit", True, 1.0, "All 2 tests pass.")


def test_code_that_does_not_compile_is_not_graded_in_either_mode(code_capsule):
    for mode in ("run", "submit"):
        result = grade_attempt(capsule=code_capsule, code="def find_largest(:\n", mode=mode)
        assert (result.graded, result.score) == (False, None)
        assert "SyntaxError" in result.compile_error


# --- DATABASE ---------------------------------------------------------------------------------------------------


def test_a_database_run_returns_the_grid_without_comparing_or_a_verdict(database_capsule):
    result = grade_attempt(capsule=database_capsule, code="SELECT name, city FROM customers ORDER BY id", mode="run")

    assert (result.mode, result.graded, result.passed, result.score, result.difference) == ("run", False, False, None, None)
    assert result.result.columns == ["name", "city"]
    assert result.result.rows == [["Ada", "Berlin"], ["Linus", "Helsinki"], ["Grace", "Berlin"]]
    assert result.message == "Your query returns 3 rows. Submit to check it."


def test_a_database_run_caps_the_rows_it_returns_and_counts_them_all(database_capsule):
    many = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120) SELECT i FROM n"

    result = grade_attempt(capsule=database_capsule, code=many, mode="run")

    assert (len(result.result.rows), result.result.row_count, result.result.truncated) == (SHOWN_ROWS, 120, True)


def test_a_database_run_reports_an_sql_error(database_capsule):
    result = grade_attempt(capsule=database_capsule, code="SELEC name", mode="run")

    assert result.result is None and result.message.startswith("Your query fails:")


def test_a_matching_query_passes_on_submit(database_capsule):
    result = grade_attempt(capsule=database_capsule, code="SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name")

    assert (result.passed, result.score, result.difference) == (True, 1.0, None)


def test_extra_rows_are_counted_and_quoted_from_the_learners_own_result(database_capsule):
    result = grade_attempt(capsule=database_capsule, code="SELECT name FROM customers ORDER BY name")

    difference = result.difference
    assert (difference["missing_row_count"], difference["extra_row_count"]) == (0, 1)
    assert difference["extra_examples"] == [["Linus"]]
    assert difference["reason"] == result.message == "1 row in your result should not be there."


def test_missing_rows_are_counted_and_no_row_of_the_expected_result_is_quoted(database_capsule):
    result = grade_attempt(capsule=database_capsule, code="SELECT name FROM customers WHERE city = 'Paris' ORDER BY name")

    difference = result.difference
    assert (difference["missing_row_count"], difference["extra_row_count"]) == (2, 0)
    assert "missing_examples" not in difference
    # The expected rows (Ada and Grace live in Berlin) appear nowhere: each could be pasted back as a literal.
    assert "Ada" not in result.model_dump_json() and "Grace" not in result.model_dump_json()
    assert difference["reason"] == "2 rows of the expected result are missing from yours."


def test_a_wrong_column_count_is_said_on_its_own(database_capsule):
    result = grade_attempt(capsule=database_capsule, code="SELECT name, city FROM customers WHERE city = 'Berlin' ORDER BY name")

    difference = result.difference
    assert (difference["expected_column_count"], difference["actual_column_count"]) == (1, 2)
    assert difference["reason"] == "Your result has 2 columns; 1 column is expected."


def test_the_right_rows_in_the_wrong_order_are_wrong_when_the_task_orders_them(database_capsule):
    result = grade_attempt(capsule=database_capsule, code="SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name DESC")

    difference = result.difference
    assert (difference["wrong_order"], difference["order_matters"], difference["first_misplaced_row"]) == (True, True, 1)
    assert difference["reason"] == "Your rows are right but not in the required order: row 1 is the first out of place."
