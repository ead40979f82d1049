"""judges/sql_compare.results_match: how a learner's query result is compared with the reference's.

A multiset unless the reference sorts (then in order); column count and values matter, column names do
not; NULL is not the empty string; numbers compare by value (2 == 2.0); a mismatch lists the missing and
the extra rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from judges.reports import ExpectedResult
from judges.sql_compare import SHOWN_ROWS, results_match


@dataclass
class Result:
    columns: list[str]
    rows: list[list[Any]]
    ordered: bool = False


def one_column(*values: Any, ordered: bool = False, name: str = "value") -> Result:
    return Result([name], [[value] for value in values], ordered)


# --- Multiset or order -------------------------------------------------------------------------------


def test_without_order_the_same_rows_in_another_order_match():
    expected = Result(["name", "city"], [["Ada", "Berlin"], ["Grace", "Berlin"], ["Linus", "Helsinki"]])
    actual = Result(["name", "city"], [["Linus", "Helsinki"], ["Ada", "Berlin"], ["Grace", "Berlin"]])

    comparison = results_match(expected=expected, actual=actual)

    assert (comparison.matches, comparison.reason, comparison.missing_rows, comparison.extra_rows) == (True, "", [], [])


def test_without_order_duplicates_still_count():
    comparison = results_match(expected=one_column("Ada", "Ada", "Grace"), actual=one_column("Ada", "Grace", "Grace"))

    assert not comparison.matches
    assert (comparison.missing_rows, comparison.extra_rows) == ([["Ada"]], [["Grace"]])


def test_when_the_reference_sorts_the_same_order_matches():
    assert results_match(expected=one_column("Ada", "Grace", ordered=True), actual=one_column("Ada", "Grace")).matches


def test_when_the_reference_sorts_the_right_rows_in_the_wrong_order_say_so_and_where():
    comparison = results_match(expected=one_column("Ada", "Grace", "Linus", ordered=True), actual=one_column("Ada", "Linus", "Grace"))

    assert not comparison.matches
    assert comparison.reason == "The rows are right but not in the required order (first difference at row 2)."
    assert (comparison.missing_rows, comparison.extra_rows) == ([], [])


def test_the_order_the_actual_result_claims_does_not_matter_only_the_references():
    expected = one_column("Ada", "Grace", ordered=False)
    actual = one_column("Grace", "Ada", ordered=True)

    assert results_match(expected=expected, actual=actual).matches


def test_when_the_reference_sorts_wrong_rows_are_listed_not_called_a_wrong_order():
    comparison = results_match(expected=one_column("Ada", "Grace", ordered=True), actual=one_column("Ada", "Linus"))

    assert comparison.reason == "1 expected row(s) are missing, e.g. [['Grace']]; 1 row(s) should not be there, e.g. [['Linus']]."


# --- Columns -----------------------------------------------------------------------------------------


def test_a_different_column_count_is_reported_with_both_counts():
    expected = Result(["name"], [["Ada"]])
    actual = Result(["name", "city"], [["Ada", "Berlin"]])

    comparison = results_match(expected=expected, actual=actual)

    assert not comparison.matches
    assert comparison.reason == "The result has 2 columns; 1 were expected."


def test_column_names_do_not_matter():
    assert results_match(expected=one_column("Ada", name="name"), actual=one_column("Ada", name="customer_name")).matches


# --- Values ------------------------------------------------------------------------------------------


def test_null_is_not_the_empty_string():
    comparison = results_match(expected=one_column(None, "Ada"), actual=one_column("", "Ada"))

    assert not comparison.matches
    assert (comparison.missing_rows, comparison.extra_rows) == ([[None]], [[""]])
    assert comparison.reason == "1 expected row(s) are missing, e.g. [[None]]; 1 row(s) should not be there, e.g. [['']]."


def test_null_matches_null():
    assert results_match(expected=one_column(None), actual=one_column(None)).matches


@pytest.mark.parametrize(("expected", "actual"), [(2, 2.0), (2.0, 2), (0.3, 0.1 + 0.2), (10.5, 10.500000000001)])
def test_numbers_compare_by_value(expected, actual):
    assert results_match(expected=one_column(expected), actual=one_column(actual)).matches


def test_a_number_is_not_its_text():
    comparison = results_match(expected=one_column(2), actual=one_column("2"))

    assert (comparison.matches, comparison.missing_rows, comparison.extra_rows) == (False, [[2]], [["2"]])


def test_numbers_that_really_differ_do_not_match():
    assert not results_match(expected=one_column(0.1), actual=one_column(0.1001)).matches


def test_floating_point_noise_across_a_rounding_boundary_still_matches():
    assert results_match(expected=one_column(1.0000000015), actual=one_column(1.0000000015000003)).matches


# --- Listing what is missing and what is extra -------------------------------------------------------


def test_missing_and_extra_rows_are_listed():
    expected = Result(["name", "city"], [["Ada", "Berlin"], ["Grace", "Berlin"]])
    actual = Result(["name", "city"], [["Ada", "Berlin"], ["Linus", "Helsinki"], ["Margaret", "Boston"]])

    comparison = results_match(expected=expected, actual=actual)

    assert comparison.missing_rows == [["Grace", "Berlin"]]
    assert comparison.extra_rows == [["Linus", "Helsinki"], ["Margaret", "Boston"]]
    assert comparison.reason == (
        "1 expected row(s) are missing, e.g. [['Grace', 'Berlin']]; "
        "2 row(s) should not be there, e.g. [['Linus', 'Helsinki'], ['Margaret', 'Boston']]."
    )


def test_an_empty_answer_lists_every_expected_row_as_missing():
    comparison = results_match(expected=one_column("Ada", "Grace"), actual=one_column())

    assert comparison.reason == "2 expected row(s) are missing, e.g. [['Ada'], ['Grace']]."
    assert comparison.extra_rows == []


def test_only_extra_rows_are_reported_alone():
    comparison = results_match(expected=one_column("Ada"), actual=one_column("Ada", "Grace"))

    assert comparison.reason == "1 row(s) should not be there, e.g. [['Grace']]."


def test_the_message_quotes_a_few_rows_but_the_comparison_keeps_them_all():
    many = list(range(SHOWN_ROWS + 3))

    comparison = results_match(expected=one_column(*many), actual=one_column())

    assert len(comparison.missing_rows) == SHOWN_ROWS + 3
    assert comparison.reason == f"{SHOWN_ROWS + 3} expected row(s) are missing, e.g. {[[n] for n in many[:SHOWN_ROWS]]}."


# --- The stored expected result ----------------------------------------------------------------------


def test_a_stored_expected_result_read_back_from_json_compares_like_the_original():
    stored = ExpectedResult(columns=["name", "total"], rows=[["Ada", 107], ["Grace", 159.0], ["Linus", None]], ordered=True)
    read_back = ExpectedResult.model_validate(json.loads(stored.model_dump_json()))

    assert results_match(expected=read_back, actual=Result(["who", "sum"], [["Ada", 107.0], ["Grace", 159], ["Linus", None]])).matches
    assert not results_match(expected=read_back, actual=Result(["who", "sum"], [["Grace", 159], ["Ada", 107], ["Linus", None]])).matches
