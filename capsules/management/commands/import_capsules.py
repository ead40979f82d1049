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

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capsules.records import UnreadableRecords, owner_option, read_records, read_text
from capsules.services import ImportOutcome, capsule_import
from codecapsule.errors import ValidationFailed


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
        owner = owner_option(options["owner"])
        try:
            records = read_records(read_text(options["file"]))
        except UnreadableRecords as exc:
            raise CommandError(str(exc)) from None
        dry_run: bool = options["dry_run"]

        counts = {ImportOutcome.CREATED: 0, ImportOutcome.UPDATED: 0}
        rejected = 0
        seen_ids: set[Any] = set()  # in a dry run a repeated id would be an update the second time
        for record in records:
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

