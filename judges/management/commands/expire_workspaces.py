"""manage.py expire_workspaces [--dry-run]

Deletes every learner terminal workspace whose expiry has passed (judges.workspace.workspace_expire: the
same service the hourly django-q2 schedule runs), leaving any that a command is running in right now.
Prints how many were deleted (or, with --dry-run, would be). Workspaces slide their expiry to
now + JUDGE_WORKSPACE_TTL_SECONDS on every use, so only abandoned ones go.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from judges.workspace import expired_workspaces, workspace_expire


class Command(BaseCommand):
    help = "Delete learners' terminal workspaces whose expiry has passed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        now = timezone.now()
        if dry_run:
            self.stdout.write(f"{expired_workspaces(now=now).count()} expired workspaces would be deleted")
            return
        self.stdout.write(f"{workspace_expire(now=now)} expired workspaces deleted")
