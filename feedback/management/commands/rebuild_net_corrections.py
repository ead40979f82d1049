"""manage.py rebuild_net_corrections

Recomputes every edited capsule's NetCorrection rows (feedback.edits.capture.net_corrections_refresh), which saves
normally keep up to date: run it once after installing net corrections, so that capsules edited before then
count in the insights and the training set. A capsule whose current state is not validated is left as it is (it
gets its rows from its next validated save).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef

from capsules.models import Capsule
from feedback.edits.capture import net_corrections_refresh
from feedback.models import CreatorEdit


class Command(BaseCommand):
    help = "Recompute the net corrections (AI output against the latest validated state) of every edited capsule."

    def handle(self, *args: Any, **options: Any) -> None:
        edited = Capsule.objects.filter(Exists(CreatorEdit.objects.filter(capsule=OuterRef("pk")))).order_by("created_at", "pk")
        refreshed = skipped = corrections = 0
        for capsule in edited.iterator():
            rows = net_corrections_refresh(capsule=capsule)
            if rows is None:
                skipped += 1
                continue
            refreshed += 1
            corrections += len(rows)
        self.stdout.write(
            f"{refreshed} capsule(s) refreshed with {corrections} correction(s); "
            f"{skipped} left as they were (not validated now)."
        )
