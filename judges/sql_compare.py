"""Comparing a learner's query result with the reference's (issue #3: DATABASE rules).

* Column count and values matter; column names do not (learners may alias freely).
* Rows are compared as a multiset, unless the reference query sorts its result (top-level ORDER BY): then
  in order.
* NULL is not the empty string. Numbers compare by value, so 2 and 2.0 are equal (SQLite's AVG and SUM
  return either, depending on the data), within 1e-9 for floating-point noise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

SHOWN_ROWS = 5  # rows quoted per difference in a message


class ResultLike(Protocol):
    columns: list[str]
    rows: list[list[Any]]
    ordered: bool


@dataclass
class Comparison:
    matches: bool
    reason: str = ""  # one sentence when it does not match
    missing_rows: list[list[Any]] = field(default_factory=list)
    extra_rows: list[list[Any]] = field(default_factory=list)


def _cell(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return ("s", value) if isinstance(value, str) else value
    if isinstance(value, (int, float)):
        return ("n", round(float(value), 9))
    return ("o", repr(value))


def _row(row: list[Any]) -> tuple[Any, ...]:
    return tuple(_cell(value) for value in row)


def results_match(*, expected: ResultLike, actual: ResultLike) -> Comparison:
    expected_width = len(expected.columns)
    actual_width = len(actual.columns)
    if expected_width != actual_width:
        return Comparison(False, f"The result has {actual_width} columns; {expected_width} were expected.")
    wanted = [_row(row) for row in expected.rows]
    got = [_row(row) for row in actual.rows]
    if expected.ordered:
        if wanted == got:
            return Comparison(True)
        if Counter(wanted) == Counter(got):
            first = next(i for i, (a, b) in enumerate(zip(wanted, got)) if a != b)
            return Comparison(False, f"The rows are right but not in the required order (first difference at row {first + 1}).")
    elif Counter(wanted) == Counter(got):
        return Comparison(True)
    missing = list((Counter(wanted) - Counter(got)).elements())
    extra = list((Counter(got) - Counter(wanted)).elements())
    back = {_row(row): row for row in [*expected.rows, *actual.rows]}
    missing_rows = [back[row] for row in missing]
    extra_rows = [back[row] for row in extra]
    parts = []
    if missing_rows:
        parts.append(f"{len(missing_rows)} expected row(s) are missing, e.g. {missing_rows[:SHOWN_ROWS]}")
    if extra_rows:
        parts.append(f"{len(extra_rows)} row(s) should not be there, e.g. {extra_rows[:SHOWN_ROWS]}")
    return Comparison(False, "; ".join(parts) + ".", missing_rows, extra_rows)
