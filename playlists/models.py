"""Courses: ordered playlists of capsules (the seed's `playlists` / `playlist_items` tables) and the
progress of anonymous learners through them.

Every write goes through playlists/services.py, which keeps `order` contiguous 1..N inside one transaction.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from capsules.models import Capsule


class Playlist(models.Model):
    playlist_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    is_public = models.BooleanField(default=False)
    # Bumped by every change of the items; a reorder names the version it was made from, so a stale
    # one (another tab, another editor) is refused instead of silently undoing someone's change.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not columns: the readers that annotate them set them (selectors.with_item_counts*, the embed stamp's query,
    # the admin's list); `capsules_changed_at` is a datetime, or SQLite's text of one.
    item_count: int
    step_count: int
    capsules_changed_at: object

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["creator", "-updated_at"], name="playlist_creator_idx"),
            models.Index(fields=["is_public", "-updated_at"], name="playlist_public_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class PlaylistItem(models.Model):
    item_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    capsule = models.ForeignKey(Capsule, on_delete=models.CASCADE, related_name="playlist_items")
    order = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    # Not columns: selectors.items_with_learner_visibility annotates them for the course's owner.
    hidden_reason: str | None
    owner_may_read: bool

    class Meta:
        ordering = ["playlist", "order"]
        constraints = [
            # Deferrable where the database supports it (PostgreSQL): a reorder may pass through duplicate
            # orders inside its transaction. Elsewhere services.playlist_set_items updates in two phases.
            models.UniqueConstraint(
                fields=["playlist", "order"],
                name="playlist_item_unique_order",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(fields=["playlist", "capsule"], name="playlist_item_unique_capsule"),
            models.CheckConstraint(condition=models.Q(order__gte=1), name="playlist_item_order_positive"),
        ]
        indexes = [models.Index(fields=["playlist", "order"], name="playlist_item_order_idx")]

    def __str__(self) -> str:
        return f"{self.playlist_id} #{self.order}"


class LearnerProgress(models.Model):
    """Where one anonymous learner is in one playlist: their position and the steps they completed.

    `completed_items` holds item ids (strings), so a reorder keeps what a learner completed.
    """

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="progress")
    learner_key = models.CharField(max_length=64)
    position = models.PositiveIntegerField(default=1)
    completed_items = models.JSONField(default=list)
    completed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "learner progress"
        constraints = [
            models.UniqueConstraint(fields=["playlist", "learner_key"], name="learner_progress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_key[:8]}… in {self.playlist_id} at {self.position}"


class LearnerEvent(models.Model):
    """An append-only record of what a learner did, shaped like an xAPI statement
    (actor = learner_key, verb, object = playlist + item, context = step, timestamp)."""

    class Verb(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        ATTEMPTED = "attempted", "Attempted"
        PASSED = "passed", "Passed"
        STEP_COMPLETED = "step-completed", "Completed a step"
        COMPLETED = "completed", "Completed the playlist"

    id = models.BigAutoField(primary_key=True)
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="events")
    # SET_NULL: removing a step from a playlist must not rewrite the history of what learners did.
    item = models.ForeignKey(PlaylistItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    learner_key = models.CharField(max_length=64)
    verb = models.CharField(max_length=16, choices=Verb.choices)
    step = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["playlist", "verb", "created_at"], name="learner_event_funnel_idx")]

    def __str__(self) -> str:
        return f"{self.learner_key[:8]}… {self.verb} {self.playlist_id} step {self.step}"


class LearnerDraft(models.Model):
    """The code a learner is writing in a CODE or DATABASE workspace, kept on the server under their key.

    localStorage is refused or wiped in many third-party iframes; the partitioned learner cookie is what
    survives there, so the draft is stored under the key that cookie names and comes back through the state
    endpoint. One per (learner, capsule), like the browser's copy: the same capsule in two courses shares a
    draft. Bounded per key and per client address, and expired by age (services.draft_save, services.drafts_expire).
    """

    learner_key = models.CharField(max_length=64)
    capsule = models.ForeignKey(Capsule, on_delete=models.CASCADE, related_name="+")
    code = models.TextField()
    size = models.PositiveIntegerField(default=0, help_text="Bytes of the code (UTF-8), summed for the address budget.")
    # Which client address saved it last, for the per-address storage budget: a keyed hash of the counted address
    # (services.address_key), never the address itself.
    address_key = models.CharField(max_length=32, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner_key", "capsule"], name="learner_draft_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_key[:8]}… on {self.capsule_id}"
