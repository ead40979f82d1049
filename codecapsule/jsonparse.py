"""Strict JSON: the one loader for JSON that comes from outside (API bodies, learner events, import files).

Python's `json`, left to itself, lets a hostile text through in three ways:

1. It parses nested arrays and objects recursively, so `[[[[…` a thousand deep raises RecursionError (a 500 in
   a view, a traceback in a command) instead of a parse error.
2. It accepts `NaN`, `Infinity` and `-Infinity`, and reads `1e400` as infinity. None of these is a JSON number
   (RFC 8259 §6), the database's JSON column refuses them (an IntegrityError), and no other JSON reader could
   read them back from an export.
3. It turns an escaped lone surrogate (`"\\udc80"`, half of a UTF-16 pair) into a Python string that is not
   Unicode text: saving or even printing it raises UnicodeEncodeError (RFC 8259 §8.2 leaves such strings'
   behaviour unpredictable).

`loads` refuses all three before anything else sees the value, and says where, with one exception type,
JSONInputError: the field path of the offending value in the API's style (`config_data.test_cases[0].tolerance`,
as capsules.schemas.format_location writes it) and, when it is known, the line and column.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from django.conf import settings

# A JSON string, unescaped quotes excluded (the unrolled-loop form: linear, no backtracking). The closing quote is
# optional so that an unterminated string swallows the rest of the text, as it would for the parser.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"?'
_STRINGS = re.compile(_STRING, re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_BRACKET_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}
# What the path-finding scan looks at: strings (object keys among them), brackets and separators.
_TOKENS = re.compile(rf"{_STRING}|[\[\]{{}},:]", re.DOTALL)

# The most digits an integer can have and still be a finite double (int(sys.float_info.max) has 309).
_MAX_FINITE_INT_DIGITS = len(str(int(sys.float_info.max)))
# Only a number with a three-digit exponent or a long run of digits can be beyond a double's range (with an
# exponent of at most 99, it takes 210 digits before the point). Without one, json's own fast number parsing is
# kept: Python-level hooks for every number make a body of numbers ~6 times slower to parse.
_MAYBE_OUT_OF_RANGE = re.compile(r"[eE][-+]?\d{3,}|\d{200,}")
_SHOWN_NUMBER_CHARS = 24  # a refused number is quoted in the message, cut to this length
_SURROGATE = re.compile("[\ud800-\udfff]")
# Where a lone surrogate may come from: an escape of one (a false alarm for `\\ud800`, or for a proper pair, only
# costs a look at the parsed strings), or one already in a str given to loads.
_MAYBE_SURROGATE = re.compile("\\\\u[dD][89a-fA-F]|[\ud800-\udfff]")


class JSONInputError(ValueError):
    """JSON text this application does not accept: malformed, nested too deeply, with a non-finite number or a
    lone surrogate.

    `reason` is a sentence without the location; `path` is the field path of the offending value
    (`config_data.test_cases[0].tolerance`, `[3].title` for an item of a top-level array), or None when there is
    no value to point at (malformed text, or the top-level value itself); `line` and `column` (1-based) are set
    when the position in the text is known.
    """

    def __init__(self, reason: str, *, path: str | None = None, line: int | None = None, column: int | None = None):
        self.reason = reason
        self.path = path
        self.line = line
        self.column = column
        super().__init__(str(self))

    def located_reason(self) -> str:
        """The reason with its line and column, e.g. `Expecting value (line 1, column 3)`."""
        if self.line is None:
            return self.reason
        return f"{self.reason} (line {self.line}, column {self.column})"

    def __str__(self) -> str:
        reason = self.located_reason()
        return f"{self.path}: {reason}" if self.path else reason


def loads(data: str | bytes, *, max_depth: int | None = None, encoding: str = "utf-8") -> Any:
    """The value of JSON text `data`, or JSONInputError.

    1. Bytes are decoded with `encoding` (UTF-8 unless the caller knows better, e.g. a request's charset).
    2. Nesting is measured without recursion before the text reaches `json`; deeper than `max_depth` arrays and
       objects (default: settings.JSON_MAX_DEPTH) is refused, pointing at the first container too deep.
    3. `json` parses it with hooks that turn NaN, Infinity, -Infinity and numbers beyond the range of a double
       (1e400, or an integer of 310 digits) into markers instead of values (the number hooks only when such a
       number may be there: see _MAYBE_OUT_OF_RANGE); a marker found in the result is refused with its path.
    4. A string (value or key) holding a lone surrogate is refused with its path.
    """
    text = _decode(data, encoding) if isinstance(data, bytes) else data
    limit = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    outside_strings = _STRINGS.sub("", text)
    if _max_depth(outside_strings) > limit:
        raise _too_deep(text, limit)

    refused: list[_NonFinite] = []

    def non_finite(literal: str, reason: str) -> _NonFinite:
        marker = _NonFinite(literal, reason)
        refused.append(marker)
        return marker

    def parse_constant(literal: str) -> _NonFinite:  # json calls it for NaN, Infinity and -Infinity only
        return non_finite(literal, f"{literal} is not allowed: JSON numbers must be finite")

    def parse_float(literal: str) -> float | _NonFinite:
        value = float(literal)
        return non_finite(literal, _out_of_range(literal)) if math.isinf(value) else value

    def parse_int(literal: str) -> int | _NonFinite:
        digits = len(literal) - literal.startswith("-")
        # Checked before int(): Python refuses to convert integer strings of more than 4,300 digits at all.
        if digits > _MAX_FINITE_INT_DIGITS:
            return non_finite(literal, _out_of_range(literal))
        value = int(literal)
        if digits == _MAX_FINITE_INT_DIGITS:
            try:
                float(value)
            except OverflowError:
                return non_finite(literal, _out_of_range(literal))
        return value

    may_overflow = _MAYBE_OUT_OF_RANGE.search(outside_strings) is not None
    number_hooks: dict[str, Any] = {"parse_float": parse_float, "parse_int": parse_int} if may_overflow else {}
    try:
        value = json.loads(text, parse_constant=parse_constant, **number_hooks)
    except json.JSONDecodeError as exc:
        raise JSONInputError(exc.msg, line=exc.lineno, column=exc.colno) from None
    except RecursionError:  # cannot happen below the depth limit; never let it out as a server error
        raise JSONInputError(f"nested too deeply (more than {limit} levels)") from None
    if refused:
        found = _first(value, lambda node: isinstance(node, _NonFinite))
        if found is None:  # a later duplicate key replaced it: the number is named without a path
            raise JSONInputError(refused[0].reason)
        path, marker = found
        raise JSONInputError(marker.reason, path=_format_path(path))
    if _MAYBE_SURROGATE.search(text) and (found := _first(value, _has_surrogate)) is not None:
        path, string = found
        surrogate = next(char for char in string if _SURROGATE.match(char))
        reason = f"\\u{ord(surrogate):04x} is not allowed: a lone surrogate is not Unicode text"
        raise JSONInputError(reason, path=_format_path(path))
    return value


# --- Decoding -------------------------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        raise JSONInputError(f"unknown text encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1  # in bytes: the text is not text yet
        raise JSONInputError(f"not {encoding} text: {exc.reason}", line=line, column=column) from None


# --- Depth ----------------------------------------------------------------------------------------------------


def _max_depth(outside_strings: str) -> int:
    """The deepest nesting of arrays and objects in a text whose strings were taken out, at C speed (a regular
    expression, then a running sum over the brackets).

    On malformed text this may differ from what a parser would see, but never on the part of it that `json`
    would read before its first error: there, every bracket outside a string opens or closes a level.
    """
    brackets = _NOT_BRACKETS.sub("", outside_strings)
    return max(accumulate(map(_BRACKET_DEPTH_CHANGE.__getitem__, brackets)), default=0)


def _too_deep(text: str, limit: int) -> JSONInputError:
    """The error for the first array or object nested deeper than `limit`, with its field path, line and column.

    Only runs once the text is known to be too deep, so that the common case pays for no Python-level loop.
    Each open container is a frame [is_object, its current key or index].
    """
    frames: list[list[Any]] = []
    last_string: str | None = None
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token.startswith('"'):
            last_string = token
            continue
        if token in "[{":
            if len(frames) == limit:
                line, column = _line_and_column(text, match.start())
                path = _format_path(frame[1] for frame in frames)
                return JSONInputError(f"nested deeper than {limit} levels", path=path, line=line, column=column)
            frames.append([token == "{", None if token == "{" else 0])
        elif token in "]}":
            if frames:
                frames.pop()
        elif token == "," and frames:
            frame = frames[-1]
            frame[1] = None if frame[0] else frame[1] + 1
        elif token == ":" and frames and frames[-1][0] and last_string is not None:
            frames[-1][1] = _key(last_string)
        last_string = None
    return JSONInputError(f"nested deeper than {limit} levels")  # not reached: the scan agrees with _max_depth


def _key(token: str) -> str:
    try:
        key = json.loads(token)
    except ValueError:
        return token.strip('"')
    return key if isinstance(key, str) else token


def _line_and_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# --- Paths ----------------------------------------------------------------------------------------------------


def _format_path(parts: Any) -> str | None:
    """`config_data.test_cases[0].tolerance` from ("config_data", "test_cases", 0, "tolerance"), the API's style
    (capsules.schemas.format_location); None for the top-level value. A lone surrogate in a key is written as its
    escape: the path goes into error messages, which must be printable and encodable."""
    path = ""
    for part in parts:
        if part is None:  # an object whose key was not read yet (malformed text)
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            key = str(part).encode("utf-8", "backslashreplace").decode("utf-8")
            path = f"{path}.{key}" if path else key
    return path or None


def _first(value: Any, test: Callable[[Any], bool]) -> tuple[tuple[str | int, ...], Any] | None:
    """The path and node of the first node (value or object key, in document order) that passes `test`; without
    recursion, though the value is at most JSON_MAX_DEPTH deep by now."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        if test(node):
            return path, node
        if isinstance(node, dict):
            for key, child in reversed(node.items()):
                stack.append(((*path, key), child))
                stack.append(((*path, key), key))  # popped first: a key comes before its value
        elif isinstance(node, list):
            stack.extend(((*path, index), node[index]) for index in range(len(node) - 1, -1, -1))
    return None


def _has_surrogate(node: Any) -> bool:
    return isinstance(node, str) and _SURROGATE.search(node) is not None


# --- Non-finite numbers ---------------------------------------------------------------------------------------


class _NonFinite:
    """Stands in, in the parsed value, for a number that is refused, so that its path can be found after parsing
    (json's hooks are not told where they are)."""

    __slots__ = ("literal", "reason")

    def __init__(self, literal: str, reason: str):
        self.literal = literal
        self.reason = reason


def _out_of_range(literal: str) -> str:
    shown = literal if len(literal) <= _SHOWN_NUMBER_CHARS else f"{literal[:_SHOWN_NUMBER_CHARS]}…"
    return f"{shown} is out of range: JSON numbers must be finite (at most about 1.8e308)"
