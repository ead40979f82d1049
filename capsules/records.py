"""Reading BaseCapsule records from a JSON array or a JSON Lines text.

Shared by `manage.py import_capsules` (saves them) and `manage.py validate_capsules` (judges them, saves
nothing), so both accept the same files and point at a bad record the same way ("line 7", "record 3").
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from codecapsule.jsonparse import JSONInputError, loads


class UnreadableRecords(ValueError):
    """The input cannot be read at all: no such file, or a JSON array that is not JSON this application accepts
    (malformed, not UTF-8, nested too deeply, a non-finite number). The message is one line meant for the user
    (commands turn it into a CommandError)."""


@dataclass(frozen=True)
class Record:
    label: str  # "line 7" or "record 3": how errors point at the record
    data: Any = None
    # Set (and data None) when a JSON Lines line is not JSON this application accepts: what follows
    # "invalid JSON: " in a message, e.g. `Expecting value (column 3)` or
    # `config_data.test_cases[0].tolerance: 1e400 is out of range: ...`.
    json_error: str | None = None


# Bytes that are not UTF-8 are read as lone surrogates (the "surrogateescape" error handler), which no UTF-8 text
# can contain: so one bad line is reported as that line, and the other lines are still read.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_ARRAY_ITEM_PATH = re.compile(r"\[(\d+)\]\.?(.*)", re.DOTALL)


def read_text(name: str) -> str:
    """The text of file `name`, or of stdin for `-` (UnreadableRecords if it cannot be read).

    Decoded as UTF-8 (a BOM from Windows editors is tolerated); bytes that are not UTF-8 become lone surrogates
    that read_records reports with their line.
    """
    if name == "-":
        stdin_bytes = getattr(sys.stdin, "buffer", None)
        return sys.stdin.read() if stdin_bytes is None else _decode(stdin_bytes.read())
    try:
        return _decode(Path(name).read_bytes())
    except FileNotFoundError:
        raise UnreadableRecords(f"{name}: no such file") from None
    except OSError as exc:
        raise UnreadableRecords(f"{name}: cannot read: {exc}") from None


def _decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="surrogateescape")


def read_records(text: str) -> list[Record]:
    """Detect the format and return the records, in order. Records are read with codecapsule.jsonparse, as API
    bodies are: no NaN, Infinity or out-of-range numbers, no nesting deeper than settings.JSON_MAX_DEPTH.

    1. A text whose first non-blank character is `[` is one JSON array; its records are "record N"
       (index + 1). If the array is not JSON this application accepts, nothing can be read (UnreadableRecords,
       raised before any record is returned), pointing at the line or, for a bad value, at the record.
    2. Anything else is JSON Lines: each non-blank line is one record, "line N" by its line number
       (blank lines are skipped but still counted, so N is what an editor shows). A line that is not JSON
       (or not UTF-8, or too deep, or holding a non-finite number) is still a record, with `json_error` set,
       so the caller can report it and go on.
    """
    if text.lstrip().startswith("["):
        return _read_array(text)
    found = []
    # split("\n"), not splitlines(): the latter also breaks at U+2028 and friends, which JSON strings
    # may contain unescaped (export writes ensure_ascii=False).
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        label = f"line {number}"
        if not_utf8 := _NOT_UTF8.search(line):
            found.append(Record(label=label, json_error=f"not UTF-8 text (column {not_utf8.start() + 1})"))
            continue
        try:
            found.append(Record(label=label, data=loads(line)))
        except JSONInputError as exc:
            found.append(Record(label=label, json_error=_line_error(exc)))
    return found


def _line_error(exc: JSONInputError) -> str:
    """`Expecting value (column 3)`: on a line of its own, the line number is the record's label."""
    reason = exc.reason if exc.column is None else f"{exc.reason} (column {exc.column})"
    return f"{exc.path}: {reason}" if exc.path else reason


def _read_array(text: str) -> list[Record]:
    if not_utf8 := _NOT_UTF8.search(text):
        line = text.count("\n", 0, not_utf8.start()) + 1
        column = not_utf8.start() - (text.rfind("\n", 0, not_utf8.start()) + 1) + 1
        raise UnreadableRecords(f"line {line}: not UTF-8 text (column {column})")
    try:
        # One level more than a body may have: each record is an item of the array.
        records = loads(text, max_depth=settings.JSON_MAX_DEPTH + 1)
    except JSONInputError as exc:
        item = _ARRAY_ITEM_PATH.fullmatch(exc.path or "")
        if item is None:  # malformed: only the position can be named
            where = f"line {exc.line}" if exc.line is not None else "the array"
            raise UnreadableRecords(f"{where}: invalid JSON: {_line_error(exc)}") from None
        index, path = int(item.group(1)), item.group(2)
        reason = exc.located_reason()
        raise UnreadableRecords(f"record {index + 1}: invalid JSON: {f'{path}: {reason}' if path else reason}") from None
    return [Record(label=f"record {index}", data=data) for index, data in enumerate(records, start=1)]


def owner_option(username: str) -> Any:
    """The user named by a command's `--owner` option, or a CommandError that says so."""
    User = get_user_model()
    try:
        return User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist:
        raise CommandError(f"--owner: no user named {username!r}") from None
