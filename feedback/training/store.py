"""The stored training-set summaries (TrainingSummary): written by the analysis task, read by the dashboard.

Counting the training set judges every corrected capsule whose verdict is not cached (feedback.training.build), so
a page view must not do it. The analysis task (after a burst of edits, and daily) stores the summary of
everyone's set and of each creator's own; the dashboard shows the stored one with the time it was computed.
When something it counts changed since (a capsule with corrections was saved or moderated: its updated_at
moved), the summary is `outdated`: the page says the count is being refreshed and enqueues the analysis
(feedback.tasks, debounced: one per burst).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Max
from django.utils import timezone

from codecapsule.http import SignedInUser
from feedback.models import NetCorrection, TrainingSummary
from feedback.training.build import TrainingSet, edited_capsules, training_set_summary

EVERYONE = "all"


def training_scope(user: SignedInUser) -> str:
    """Whose training set `user` reads: everyone's for staff, their own capsules' for a creator."""
    return EVERYONE if user.is_staff else creator_scope(user.pk)


def creator_scope(user_id: Any) -> str:
    return f"creator:{user_id}"


@dataclass(frozen=True)
class StoredTrainingSummary:
    """What the dashboard shows: the summary (None until first computed), when it was computed, and whether
    something it counts changed since."""

    summary: dict[str, Any] | None
    computed_at: datetime | None
    outdated: bool


def stored_training_summary(user: SignedInUser) -> StoredTrainingSummary:
    """The stored summary of `user`'s training set, without judging anything (two queries). A scope with no
    corrected capsule has the empty summary; a missing row is outdated."""
    last_change = _last_change(user)
    if last_change is None:
        return StoredTrainingSummary(summary=TrainingSet().summary(), computed_at=None, outdated=False)
    row = TrainingSummary.objects.filter(scope=training_scope(user)).first()
    if row is None:
        return StoredTrainingSummary(summary=None, computed_at=None, outdated=True)
    return StoredTrainingSummary(summary=row.summary, computed_at=row.computed_at, outdated=row.computed_at < last_change)


def _last_change(user: SignedInUser) -> datetime | None:
    """When a capsule that counts for `user`'s training set last changed (None: there is none)."""
    latest: datetime | None = edited_capsules(user=user).aggregate(latest=Max("updated_at"))["latest"]
    return latest


def training_summaries_refresh(*, now: datetime | None = None) -> int:
    """Compute and store everyone's summary and each creator's with corrected capsules (what the analysis task
    does); rows of creators who have none any more are deleted. Returns how many summaries were stored."""
    now = now or timezone.now()
    scopes = {EVERYONE: training_set_summary(None)}
    creators = User.objects.filter(pk__in=NetCorrection.objects.values("capsule__creator")).order_by("pk")
    for creator in creators:
        scopes[creator_scope(creator.pk)] = training_set_summary(None, owner=creator)
    for scope, summary in scopes.items():
        TrainingSummary.objects.update_or_create(scope=scope, defaults={"summary": summary, "computed_at": now})
    TrainingSummary.objects.exclude(scope__in=scopes).delete()
    return len(scopes)
