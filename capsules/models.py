"""The BaseCapsule domain.

`config_data` holds the type-specific configuration; its shape is owned by the pydantic models in
capsules/schemas.py and every write goes through capsules/services.py, which validates it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from capsules.languages import language_choices


class CapsuleType(models.TextChoices):
    CODE = "CODE", "Code"
    DATABASE = "DATABASE", "Database"
    TERMINAL = "TERMINAL", "Terminal"


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class CapsuleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    VALIDATED = "validated", "Validated"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    FLAGGED = "flagged", "Flagged"


# Moderation took these away from everyone but their creator; no playlist may bring them back.
MODERATED_STATUSES = (CapsuleStatus.REJECTED, CapsuleStatus.FLAGGED)
# A course owner's own capsules reach the course's learners once the judge has proven them (publishing is a
# moderator's step, so a creator's course would otherwise wait on staff); a draft never did, and stays out.
PROVEN_STATUSES = (CapsuleStatus.VALIDATED, CapsuleStatus.PUBLISHED)


def visible_q(*, reader_id: Any = None, course_owner_id: Any = None, prefix: str = "") -> Q:
    """THE visibility rule, as a filter: what a reader may see of capsules. Every read path
    (capsule API, capsule embed and oEmbed, playlist API, course embed, gallery) goes through it, through
    `Capsule.objects.visible_to` or, where a subquery needs OuterRef or the capsule is reached through a
    join, through this function.

    1. Anyone, anonymous included, sees published AND public capsules.
    2. `reader_id` (a signed-in reader) also sees their own capsules, whatever their status.
    3. `course_owner_id` (inside a course; a learner's identity does not matter there) also admits the
       course owner's own capsules the judge proved (PROVEN_STATUSES).
    Neither admits one moderation hid to anyone but its creator (MODERATED_STATUSES are neither published
    nor proven).

    `prefix` reaches the capsule from another model (`"capsule__"` from a PlaylistItem); the ids may be
    values or OuterRef() expressions.
    """
    rule = Q(**{f"{prefix}status": CapsuleStatus.PUBLISHED, f"{prefix}is_public": True})
    if reader_id is not None:
        rule |= Q(**{f"{prefix}creator_id": reader_id})
    if course_owner_id is not None:
        rule |= Q(**{f"{prefix}creator_id": course_owner_id, f"{prefix}status__in": PROVEN_STATUSES})
    return rule


class HiddenReason(models.TextChoices):
    """Why a course's learners do not see a capsule the course lists (shown to the course owner only)."""

    PRIVATE = "private", "Not published and public"  # another creator's capsule that is not published and public (any more)
    MODERATED = "moderated", "Hidden by moderation"  # rejected or flagged
    UNPROVEN = "unproven", "Not validated yet"  # the owner's own draft, not passed by the judge yet


def course_hidden_reason(*, course_owner_id: Any, prefix: str = "") -> models.Case:
    """A SQL expression: NULL for a capsule the course's learners see (visible_q, nothing else decides that),
    else the HiddenReason. Same `prefix` and ids as visible_q; one expression, so no per-row Python."""
    return models.Case(
        models.When(visible_q(course_owner_id=course_owner_id, prefix=prefix), then=models.Value(None)),
        models.When(Q(**{f"{prefix}status__in": MODERATED_STATUSES}), then=models.Value(HiddenReason.MODERATED.value)),
        models.When(Q(**{f"{prefix}creator_id": course_owner_id}), then=models.Value(HiddenReason.UNPROVEN.value)),
        default=models.Value(HiddenReason.PRIVATE.value),
        output_field=models.CharField(null=True),
    )


class CapsuleQuerySet(models.QuerySet["Capsule"]):
    def visible_to(self, user: Any, *, course_owner_id: Any = None) -> CapsuleQuerySet:
        """The capsules `user` (None or anonymous: a stranger) may see; inside a course pass its owner's id
        as `course_owner_id` and no user, so every learner sees the same steps (see visible_q)."""
        reader_id = user.pk if user is not None and user.is_authenticated else None
        return self.filter(visible_q(reader_id=reader_id, course_owner_id=course_owner_id))


class Capsule(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    capsule_type = models.CharField(max_length=16, choices=CapsuleType.choices)
    problem_statement_md = models.TextField()
    language = models.CharField(max_length=16, choices=language_choices)
    runtime_tier = models.CharField(max_length=40)
    difficulty = models.CharField(max_length=8, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    config_data = models.JSONField()
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capsules")
    status = models.CharField(max_length=12, choices=CapsuleStatus.choices, default=CapsuleStatus.DRAFT)
    is_public = models.BooleanField(default=False)
    validation_report = models.JSONField(null=True, blank=True)
    # The moderator's reason for the current rejected/flagged status, and when it was set (capsule_moderate
    # writes both with the ModerationAction that records the same note). Kept on the row, not only in the
    # audit trail, so the creator's capsule list shows each reason without a query per capsule.
    moderation_reason = models.TextField(blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CapsuleQuerySet.as_manager()

    # Not columns: a course's readers annotate `hidden_reason` (playlists.selectors.with_hidden_reasons), and the
    # playlist builder's capsule pool sets the other two for its template.
    hidden_reason: str | None
    in_playlist: bool
    hidden_label: str

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["creator", "-created_at"]),
            models.Index(fields=["status", "is_public"]),
            # The order of every capsule list (selectors.capsule_list): pages are read in index order instead of
            # sorting every matching row, which spilled to disk for deep pages at 10k capsules (scale_bench).
            models.Index(fields=["-created_at", "id"], name="capsule_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_moderated(self) -> bool:
        """Rejected or flagged: hidden from everyone but its creator, who is told why (moderation_reason)."""
        return self.status in MODERATED_STATUSES


class ModerationAction(models.Model):
    """Who changed a capsule's moderation status, when, and from what (an append-only audit trail)."""

    class Action(models.TextChoices):
        PUBLISH = "publish", "Publish"
        REJECT = "reject", "Reject"
        FLAG = "flag", "Flag"
        DRAFT = "draft", "Back to draft"

    capsule = models.ForeignKey(Capsule, on_delete=models.CASCADE, related_name="moderation_actions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=CapsuleStatus.choices)
    to_status = models.CharField(max_length=12, choices=CapsuleStatus.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"
