"""manage.py export_capsules [--owner USERNAME] [--output FILE]

Writes one BaseCapsule JSON object per line (JSON Lines), in the shape of
capsules.selectors.capsule_base_dict with the DATABASE seed SQL inlined (`seed_sql`, and the hidden dataset as
`hidden_seed_sql`), so that the file imports again
with `import_capsules` on this or another installation. Status, creator and timestamps are written for
reference but not imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db.models import QuerySet

from capsules.models import Capsule, CapsuleType
from capsules.records import owner_option
from capsules.selectors import capsule_base_dict


class Command(BaseCommand):
    help = "Export capsules as JSON Lines (one BaseCapsule per line) that import_capsules reads back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", help="only this creator's capsules (default: every capsule)")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        capsules = Capsule.objects.select_related("creator").order_by("created_at", "id")
        if options["owner"]:
            capsules = capsules.filter(creator=owner_option(options["owner"]))

        output_name: str | None = options["output"]
        if output_name:
            try:
                with Path(output_name).open("w", encoding="utf-8") as handle:
                    count = self._write(capsules, handle)
            except OSError as exc:
                raise CommandError(f"{output_name}: cannot write: {exc}") from None
            self.stdout.write(f"exported {count} capsule{'s' if count != 1 else ''} to {output_name}")
        else:
            count = self._write(capsules, self.stdout)
            # stdout carries the data, so the summary goes to stderr and a pipe stays pure JSON Lines.
            self.stderr.write(f"exported {count} capsule{'s' if count != 1 else ''}")

    def _write(self, capsules: QuerySet[Capsule], handle: IO[str] | OutputWrapper) -> int:
        count = 0
        for capsule in capsules.iterator(chunk_size=200):
            record = capsule_base_dict(capsule, include_seed_sql=True)
            if capsule.capsule_type == CapsuleType.DATABASE:
                config = record["config_data"]
                if "seed_sql" not in config:
                    self._warn_missing(capsule, "its seed SQL")
                if config.get("hidden_seed_sql_url") and "hidden_seed_sql" not in config:
                    self._warn_missing(capsule, "its hidden dataset's seed SQL")
            # json.dumps escapes newlines inside strings, so one record is always exactly one line.
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count

    def _warn_missing(self, capsule: Capsule, what: str) -> None:
        self.stderr.write(f"warning: capsule {capsule.id}: {what} is missing from storage; this record will not import")

