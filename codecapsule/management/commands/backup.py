"""manage.py backup --output FILE: capsules, generation jobs, playlists and feedback into one .tar.gz.

The archive's layout and why the command lives in the project package: codecapsule/backup.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codecapsule.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Export capsules, generation jobs, playlists, feedback and the users they refer to into a .tar.gz archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", required=True, help="the archive to write (e.g. backup.tar.gz)")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        try:
            counts = backup_create(output=output, warn=self.stderr.write)
        except (BackupError, OSError) as exc:
            raise CommandError(f"backup failed: {exc}") from None
        for line in counts.lines():
            self.stdout.write(line)
        self.stdout.write(f"wrote {output} ({output.stat().st_size} bytes)")
