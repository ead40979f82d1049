"""manage.py import_capsules FILE --owner USERNAME [--dry-run]

Reads a JSON array or JSON Lines file of BaseCapsule records (the shape export_capsules writes) and saves
the valid ones as the owner's capsules through capsules.services.capsule_import, each in its own
transaction. Every rejected record is reported on stderr, one line per error:

    line 3: config_data.test_cases[1].expected_output: Field required
    line 5: invalid JSON: Expecting ',' delimiter (column 17)
    record 2: id: belongs to another creator          (JSON array: records are numbered from 1)

The summary `imported N, updated M, rejected K` goes to stdout; the exit status is 1 when any record was
rejected. Imported capsules start as drafts: status, creator_id, created_at and updated_at are not imported.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from capsules.services import ImportOutcome, capsule_import
from codecapsule.errors import ValidationFailed


@dataclass(frozen=True)
class Record:
    label: str  # "line 7" or "record 3": how errors point at the record
    data: Any = None
    json_error: str | None = None


def _json_error_message(exc: json.JSONDecodeError) -> str:
    return f"{exc.msg} (column {exc.colno})"


def read_records(text: str) -> Iterator[Record]:
    """Detect the format and yield the records.

    1. A file whose first non-blank character is `[` is one JSON array; its records are "record N"
       (index + 1). If the array itself is not valid JSON nothing can be imported (CommandError).
    2. Anything else is JSON Lines: each non-blank line is one record, "line N" by its line number
       (blank lines are skipped but still counted, so N is what an editor shows).
    """
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"line {exc.lineno}: invalid JSON: {_json_error_message(exc)}") from exc
        for index, data in enumerate(records, start=1):
            yield Record(label=f"record {index}", data=data)
        return
    # split("\n"), not splitlines(): the latter also breaks at U+2028 and friends, which JSON strings
    # may contain unescaped (export writes ensure_ascii=False).
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield Record(label=f"line {number}", data=json.loads(line))
        except json.JSONDecodeError as exc:
            yield Record(label=f"line {number}", json_error=_json_error_message(exc))


class Command(BaseCommand):
    help = (
        "Import capsules from a JSON array or JSON Lines file of BaseCapsule objects as the --owner's "
        "capsules. Records with an id of the owner's update that capsule; new ids are kept. Imported "
        "capsules start as drafts. Exits with status 1 if any record was rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .json file (one array) or .jsonl file (one object per line); - for stdin")
        parser.add_argument("--owner", required=True, help="username of the creator who will own the capsules")
        parser.add_argument("--dry-run", action="store_true", help="validate every record, save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = self._owner(options["owner"])
        text = self._read(options["file"])
        dry_run: bool = options["dry_run"]

        counts = {ImportOutcome.CREATED: 0, ImportOutcome.UPDATED: 0}
        rejected = 0
        seen_ids: set[Any] = set()  # in a dry run a repeated id would be an update the second time
        for record in read_records(text):
            if record.json_error is not None:
                self.stderr.write(f"{record.label}: invalid JSON: {record.json_error}")
                rejected += 1
                continue
            try:
                result = capsule_import(owner=owner, data=record.data, dry_run=dry_run)
            except ValidationFailed as exc:
                for path, message in exc.fields.items():
                    where = record.label if path == "__all__" else f"{record.label}: {path}"
                    self.stderr.write(f"{where}: {message}")
                rejected += 1
                continue
            outcome = result.outcome
            if dry_run and result.capsule_id is not None:
                if result.capsule_id in seen_ids:
                    outcome = ImportOutcome.UPDATED
                seen_ids.add(result.capsule_id)
            counts[outcome] += 1

        summary = (
            f"imported {counts[ImportOutcome.CREATED]}, updated {counts[ImportOutcome.UPDATED]}, rejected {rejected}"
        )
        if dry_run:
            summary = f"dry run, nothing saved: {summary}"
        self.stdout.write(summary)
        if rejected:
            noun = "record was" if rejected == 1 else "records were"
            raise CommandError(f"{rejected} {noun} rejected", returncode=1)

    def _owner(self, username: str) -> Any:
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"--owner: no user named {username!r}") from None

    def _read(self, name: str) -> str:
        if name == "-":
            return sys.stdin.read()
        path = Path(name)
        try:
            return path.read_text(encoding="utf-8-sig")  # -sig: tolerate a BOM from Windows editors
        except FileNotFoundError:
            raise CommandError(f"{name}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{name}: cannot read: {exc}") from None
