"""Output comparison (judges/runtimes/compare.py): trim by default, exact and numeric on request."""

from __future__ import annotations

import pytest

from judges.runtimes import CompareMode, compare_output, normalize


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("5\n", "5"),
        ("5", "5\n\n"),
        ("a  \r\nb\t\r\n", "a\nb"),
        ("a\rb", "a\nb"),
        ("x\n\n\n", "x"),
    ],
)
def test_trim_ignores_line_endings_and_trailing_whitespace(actual, expected):
    assert compare_output(actual, expected).equal


@pytest.mark.parametrize(
    ("actual", "expected", "message"),
    [
        ("  5", "5", "line 1: expected '5', got '  5'"),
        ("a\n\nb", "a\nb", "line 2: expected 'b', got ''"),
        ("1\n2", "1\n2\n3", "the output stops after 2 line(s); line 3 should be '3'"),
        ("1\n2\n3", "1\n2", "the output has extra line(s) from line 3: '3'"),
    ],
)
def test_trim_keeps_leading_whitespace_and_inner_blank_lines(actual, expected, message):
    comparison = compare_output(actual, expected)
    assert not comparison.equal
    assert comparison.message == message


def test_exact_compares_everything():
    assert compare_output("5\n", "5\n", CompareMode.EXACT).equal
    assert not compare_output("5\n", "5", CompareMode.EXACT).equal
    assert not compare_output("5\r\n", "5\n", "exact").equal


def test_numeric_allows_a_tolerance_on_numbers_only():
    assert compare_output("0.30000000000000004", "0.3", CompareMode.NUMERIC).equal
    assert compare_output("x = 1.0000001\n", "x =   1.0", "numeric").equal
    assert compare_output("1e9", "1000000500", "numeric", tolerance=1e-6).equal  # relative for large numbers
    assert not compare_output("1.01", "1.0", "numeric").equal
    assert not compare_output("y = 1.0", "x = 1.0", "numeric").equal
    assert compare_output("1 2 3", "1 2", "numeric").message == "expected 2 value(s), got 3"
    assert compare_output("nan", "nan", "numeric").equal


def test_normalize_is_the_trim_normal_form():
    assert normalize("a \r\n b \n\n") == "a\n b"
