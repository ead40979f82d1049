"""Reading BaseCapsule records from a JSON array or a JSON Lines text.

Shared by `manage.py import_capsules` (saves them) and `manage.py validate_capsules` (judges them, saves
nothing), so both accept the same files and point at a bad record the same way ("line 7", "record 3").
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


class UnreadableRecords(ValueError):
    """The input cannot be read at all: no such file, not UTF-8, or a JSON array that is not valid JSON.
    The message is one line meant for the user (commands turn it into a CommandError)."""


@dataclass(frozen=True)
class Record:
    label: str  # "line 7" or "record 3": how errors point at the record
    data: Any = None
    json_error: str | None = None  # set (and data None) when a JSON Lines line is not JSON


def _json_error_message(exc: json.JSONDecodeError) -> str:
    return f"{exc.msg} (column {exc.colno})"


def read_text(name: str) -> str:
    """The text of file `name`, or of stdin for `-` (UnreadableRecords if it cannot be read)."""
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8-sig")  # -sig: tolerate a BOM from Windows editors
    except FileNotFoundError:
        raise UnreadableRecords(f"{name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableRecords(f"{name}: cannot read: {exc}") from None


def read_records(text: str) -> list[Record]:
    """Detect the format and return the records, in order.

    1. A text whose first non-blank character is `[` is one JSON array; its records are "record N"
       (index + 1). If the array itself is not valid JSON nothing can be read (UnreadableRecords, raised
       before any record is returned).
    2. Anything else is JSON Lines: each non-blank line is one record, "line N" by its line number
       (blank lines are skipped but still counted, so N is what an editor shows). A line that is not JSON
       is still a record, with `json_error` set, so the caller can report it and go on.
    """
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UnreadableRecords(f"line {exc.lineno}: invalid JSON: {_json_error_message(exc)}") from exc
        return [Record(label=f"record {index}", data=data) for index, data in enumerate(records, start=1)]
    found = []
    # split("\n"), not splitlines(): the latter also breaks at U+2028 and friends, which JSON strings
    # may contain unescaped (export writes ensure_ascii=False).
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            found.append(Record(label=f"line {number}", data=json.loads(line)))
        except json.JSONDecodeError as exc:
            found.append(Record(label=f"line {number}", json_error=_json_error_message(exc)))
    return found


def owner_option(username: str) -> Any:
    """The user named by a command's `--owner` option, or a CommandError that says so."""
    User = get_user_model()
    try:
        return User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist:
        raise CommandError(f"--owner: no user named {username!r}") from None
