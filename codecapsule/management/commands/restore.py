"""manage.py restore FILE [--replace]: put back an archive written by `manage.py backup`.

All or nothing (one transaction); refuses unknown format versions, archives from a newer schema, and a database
that already holds capsules, playlists or feedback unless --replace. Details: codecapsule/backup.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from codecapsule.backup import BackupError, restore_archive


class Command(BaseCommand):
    help = "Restore a backup archive (all or nothing). Refuses a non-empty database unless --replace."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="an archive written by `manage.py backup`")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the existing capsules, generation jobs, playlists and feedback first (users are kept)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = restore_archive(path=Path(options["file"]), replace=options["replace"])
        except BackupError as exc:
            raise CommandError(f"restore refused, nothing was changed: {exc}") from None
        except DatabaseError as exc:
            raise CommandError(f"restore failed, nothing was changed: {exc}") from None
        for line in counts.lines():
            self.stdout.write(line)
        self.stdout.write("restored")
