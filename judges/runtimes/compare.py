"""Comparing a program's output with the expected output.

Three modes, chosen per test (TestSpec.compare):

* ``trim`` (default): exact after normalizing line endings (CRLF and CR become LF), removing trailing
  whitespace at the end of every line, and removing trailing blank lines/whitespace at the end.
  Leading whitespace and blank lines inside the output still matter.
* ``exact``: byte-for-byte equality of the decoded text (line endings included).
* ``numeric``: the ``trim`` text split into whitespace-separated tokens; tokens that both parse as
  numbers are equal when ``|actual - expected| <= tolerance * max(1, |expected|)`` (absolute for small
  numbers, relative for large ones); any other token must match exactly, and the token counts must agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class CompareMode(StrEnum):
    TRIM = "trim"
    EXACT = "exact"
    NUMERIC = "numeric"


DEFAULT_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Comparison:
    equal: bool
    message: str  # empty when equal; otherwise where the first difference is, in one sentence


def normalize(text: str) -> str:
    """The ``trim`` normal form."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip()


def compare_output(
    actual: str, expected: str, mode: CompareMode | str = CompareMode.TRIM, tolerance: float = DEFAULT_TOLERANCE
) -> Comparison:
    mode = CompareMode(mode)
    if mode is CompareMode.EXACT:
        if actual == expected:
            return Comparison(True, "")
        return Comparison(False, _first_difference(actual.split("\n"), expected.split("\n")))
    left, right = normalize(actual), normalize(expected)
    if mode is CompareMode.TRIM:
        if left == right:
            return Comparison(True, "")
        return Comparison(False, _first_difference(left.split("\n"), right.split("\n")))
    return _compare_numeric(left.split(), right.split(), tolerance)


def _first_difference(actual_lines: list[str], expected_lines: list[str]) -> str:
    for number, (got, want) in enumerate(zip(actual_lines, expected_lines, strict=False), start=1):
        if got != want:
            return f"line {number}: expected {_clip(want)!r}, got {_clip(got)!r}"
    if len(actual_lines) < len(expected_lines):
        missing = expected_lines[len(actual_lines)]
        return f"the output stops after {len(actual_lines)} line(s); line {len(actual_lines) + 1} should be {_clip(missing)!r}"
    if len(actual_lines) > len(expected_lines):
        return f"the output has extra line(s) from line {len(expected_lines) + 1}: {_clip(actual_lines[len(expected_lines)])!r}"
    return "the output differs in line endings or trailing whitespace"


def _compare_numeric(actual: list[str], expected: list[str], tolerance: float) -> Comparison:
    for position, (got, want) in enumerate(zip(actual, expected, strict=False), start=1):
        if got == want:
            continue
        a, b = _number(got), _number(want)
        if a is not None and b is not None:
            if math.isnan(a) and math.isnan(b):
                continue
            if abs(a - b) <= tolerance * max(1.0, abs(b)):
                continue
            return Comparison(False, f"value {position}: expected {want} (tolerance {tolerance:g}), got {_clip(got)}")
        return Comparison(False, f"token {position}: expected {_clip(want)!r}, got {_clip(got)!r}")
    if len(actual) != len(expected):
        return Comparison(False, f"expected {len(expected)} value(s), got {len(actual)}")
    return Comparison(True, "")


def _number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
