"""The BaseCapsule domain (DESIGN.md §2).

`config_data` holds the type-specific configuration; its shape is owned by the pydantic models in
capsules/schemas.py and every write goes through capsules/services.py, which validates it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class CapsuleType(models.TextChoices):
    CODE = "CODE", "Code"
    DATABASE = "DATABASE", "Database"
    TERMINAL = "TERMINAL", "Terminal"


class Language(models.TextChoices):
    PYTHON = "python", "Python"
    JAVASCRIPT = "javascript", "JavaScript"
    JAVA = "java", "Java"
    CSHARP = "csharp", "C#"
    GO = "go", "Go"
    SQL = "sql", "SQL"
    BASH = "bash", "Bash"


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


class CapsuleQuerySet(models.QuerySet["Capsule"]):
    def publicly_readable(self) -> CapsuleQuerySet:
        return self.filter(status=CapsuleStatus.PUBLISHED, is_public=True)


class Capsule(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    capsule_type = models.CharField(max_length=16, choices=CapsuleType.choices)
    problem_statement_md = models.TextField()
    language = models.CharField(max_length=16, choices=Language.choices)
    runtime_tier = models.CharField(max_length=40)
    difficulty = models.CharField(max_length=8, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    config_data = models.JSONField()
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capsules")
    status = models.CharField(max_length=12, choices=CapsuleStatus.choices, default=CapsuleStatus.DRAFT)
    is_public = models.BooleanField(default=False)
    validation_report = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CapsuleQuerySet.as_manager()

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
    def is_publicly_readable(self) -> bool:
        return self.status == CapsuleStatus.PUBLISHED and self.is_public


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
