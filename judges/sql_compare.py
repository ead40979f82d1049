"""Comparing a learner's query result with the reference's: the DATABASE grading rules.

* Column count and values matter; column names do not (learners may alias freely).
* Rows are compared as a multiset, unless the reference query sorts its result (top-level ORDER BY): then
  in order.
* NULL is not the empty string. Numbers compare by value, so 2 and 2.0 are equal (SQLite's AVG and SUM
  return either, depending on the data), within 1e-9 (absolute or relative) for floating-point noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

SHOWN_ROWS = 5  # rows quoted per difference in a message
TOLERANCE = 1e-9


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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def cells_equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return type(a) is type(b) and a == b  # None is not "", "1" is not 1


def rows_equal(a: list[Any], b: list[Any]) -> bool:
    return len(a) == len(b) and all(cells_equal(x, y) for x, y in zip(a, b, strict=True))


def _sort_key(row: list[Any]) -> tuple[Any, ...]:
    # Numbers before text before NULL, so that equal rows meet in a sorted scan (numbers by value).
    return tuple((0, float(v), "") if _is_number(v) else (1, 0.0, str(v)) if v is not None else (2, 0.0, "") for v in row)


def _match_multisets(wanted: list[list[Any]], got: list[list[Any]]) -> tuple[list[list[Any]], list[list[Any]]]:
    """Pair equal rows; return (missing, extra). Sorted first, so the usual case is linear after sorting;
    rows that only match within the tolerance are paired by a scan of what is left."""
    missing, remaining = [], sorted(got, key=_sort_key)
    for row in sorted(wanted, key=_sort_key):
        position = next((i for i, candidate in enumerate(remaining) if rows_equal(row, candidate)), None)
        if position is None:
            missing.append(row)
        else:
            remaining.pop(position)
    return missing, remaining


def results_match(*, expected: ResultLike, actual: ResultLike) -> Comparison:
    expected_width = len(expected.columns)
    actual_width = len(actual.columns)
    if expected_width != actual_width:
        return Comparison(False, f"The result has {actual_width} columns; {expected_width} were expected.")
    in_order = len(expected.rows) == len(actual.rows) and all(rows_equal(a, b) for a, b in zip(expected.rows, actual.rows, strict=True))
    if in_order:
        return Comparison(True)
    missing, extra = _match_multisets(expected.rows, actual.rows)
    if not missing and not extra:
        if not expected.ordered:
            return Comparison(True)
        first = next(i for i, (a, b) in enumerate(zip(expected.rows, actual.rows, strict=True)) if not rows_equal(a, b))
        return Comparison(False, f"The rows are right but not in the required order (first difference at row {first + 1}).")
    parts = []
    if missing:
        parts.append(f"{len(missing)} expected row(s) are missing, e.g. {missing[:SHOWN_ROWS]}")
    if extra:
        parts.append(f"{len(extra)} row(s) should not be there, e.g. {extra[:SHOWN_ROWS]}")
    return Comparison(False, "; ".join(parts) + ".", missing, extra)
