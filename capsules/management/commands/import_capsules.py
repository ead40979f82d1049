"""manage.py import_capsules FILE --owner USERNAME [--dry-run]

Reads a JSON array or JSON Lines file of BaseCapsule records (the shape export_capsules writes) and saves them
as the owner's capsules through capsules.services.capsule_import_all: all of them, in one transaction, or none.
Every record is checked first; every bad one is reported on stderr, one line per error, and then nothing is
saved:

    line 3: config_data.test_cases[1].expected_output: Field required
    line 5: invalid JSON: Expecting ',' delimiter (column 17)
    line 6: invalid JSON: config_data.test_cases[0].tolerance: 1e400 is out of range: JSON numbers must be finite ...
    record 2: id: belongs to another creator          (JSON array: records are numbered from 1)

A record is bad when it cannot be read (not JSON, not UTF-8, nested deeper than JSON_MAX_DEPTH, a non-finite
number), is not an object, does not fit the schema, or names a capsule of another creator. A record the judge
fails is not bad: it is saved as a draft carrying the judge's report, as on every save. A JSON array that cannot
be read as a whole is reported as one error.

The summary goes to stdout: `imported N, updated M, rejected 0`, or `nothing saved: rejected K of T records`
(exit status 1). The judge sets each imported capsule's status: status, creator_id, created_at and updated_at are
not imported.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from capsules.records import Record, UnreadableRecords, owner_option, read_records, read_text
from capsules.services import CapsuleImportReport, ImportOutcome, capsule_import_all


class Command(BaseCommand):
    help = (
        "Import capsules from a JSON array or JSON Lines file of BaseCapsule objects as the --owner's "
        "capsules, all or nothing: if any record is bad (unreadable, not an object, invalid, or another "
        "creator's id), every bad record is reported as 'line N: ...' and nothing is saved (exit status 1); "
        "otherwise all are saved in one transaction. Records with an id of the owner's update that capsule; "
        "new ids are kept. Imported capsules are judged like every other save: the judge sets their status "
        "(validated, or a draft carrying its report); status, creator_id and timestamps in the file are ignored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .json file (one array) or .jsonl file (one object per line); - for stdin")
        parser.add_argument("--owner", required=True, help="username of the creator who will own the capsules")
        parser.add_argument("--dry-run", action="store_true", help="check every record and report, save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = owner_option(options["owner"])
        try:
            records = read_records(read_text(options["file"]))
        except UnreadableRecords as exc:
            raise CommandError(str(exc)) from None
        dry_run: bool = options["dry_run"]

        readable = [record for record in records if record.json_error is None]
        unreadable = len(records) - len(readable)
        # With an unreadable line nothing can be saved, but the other records are still checked (a dry run),
        # so that one run reports every bad record.
        report = capsule_import_all(owner=owner, records=[record.data for record in readable], dry_run=dry_run or unreadable > 0)
        self._report_errors(records, report)

        rejected = unreadable + len(report.errors)
        outcomes = [result.outcome for result in report.results if result is not None]
        created, updated = outcomes.count(ImportOutcome.CREATED), outcomes.count(ImportOutcome.UPDATED)
        if dry_run:  # what each good record would do
            self.stdout.write(f"dry run, nothing saved: imported {created}, updated {updated}, rejected {rejected}")
        elif rejected:
            self.stdout.write(f"nothing saved: rejected {rejected} of {len(records)} records")
        else:
            self.stdout.write(f"imported {created}, updated {updated}, rejected 0")
        if rejected:
            noun = "record was" if rejected == 1 else "records were"
            consequence = "nothing would be imported" if dry_run else "nothing was imported"
            raise CommandError(f"{rejected} {noun} rejected; {consequence}", returncode=1)

    def _report_errors(self, records: list[Record], report: CapsuleImportReport) -> None:
        """One stderr line per error, in the file's order: `line 3: config_data.hints: ...`."""
        readable_index = 0
        for record in records:
            if record.json_error is not None:
                self.stderr.write(f"{record.label}: invalid JSON: {record.json_error}")
                continue
            for path, message in report.errors.get(readable_index, {}).items():
                where = record.label if path == "__all__" else f"{record.label}: {path}"
                self.stderr.write(f"{where}: {message}")
            readable_index += 1
