"""Creator edits: every correction a creator makes to a capsule, one row per changed leaf.

Rows are written by feedback.edits.capture: by the edit listener that capsule_update calls on every save (dashboard,
API, admin, import) and by POST /api/feedback/edit for clients that track edits themselves. They are the audit
trail: every save as it happened. What counts as a correction for the analysis, the training-data export and
fine-tuning is the net change (NetCorrection, below): an edit undone later is in this table but is no
correction. Each row carries what a reader needs without joins into JSON: the generation job the capsule came
from (its request and AgentStep outputs), the agent that wrote the corrected value when known, and the capsule's
type and language.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from capsules.hooks import EditPath
from capsules.languages import language_choices
from capsules.models import Capsule, CapsuleType
from generation.models import AgentName, GenerationJob


class EditType(models.TextChoices):
    """What kind of correction an edit is; the inference rules are in feedback/edits/diff.py."""

    SYNTAX_FIX = "syntax_fix", "Syntax fix"
    LOGIC_FIX = "logic_fix", "Logic fix"
    EXPECTED_OUTPUT_FIX = "expected_output_fix", "Expected output fix"
    TEST_ADDED = "test_added", "Test added"
    TEST_REMOVED = "test_removed", "Test removed"
    # A test switched between visible and hidden (config_data.test_cases[i].is_hidden): a choice about what the
    # learner sees, not a fix of what the test checks, so it is counted apart from "other".
    VISIBILITY = "visibility", "Test visibility"
    HINT_ADDED = "hint_added", "Hint added"
    HINT_CHANGED = "hint_changed", "Hint changed"
    STATEMENT_REWRITE = "statement_rewrite", "Statement rewrite"
    SCHEMA_CHANGE = "schema_change", "Schema change"
    TASK_CHANGE = "task_change", "Task change"
    OTHER = "other", "Other"


class EditSource(models.TextChoices):
    """The path an edit came through."""

    DASHBOARD = EditPath.DASHBOARD.value, "Dashboard"
    API = EditPath.API.value, "API"
    ADMIN = EditPath.ADMIN.value, "Admin"
    IMPORT = EditPath.IMPORT.value, "Import"
    CLIENT = "client", "Client report"  # POST /api/feedback/edit: reported, not a save


class EditAgent(models.TextChoices):
    """The agents whose output a creator can correct (the Pedagogist writes an idea, not capsule fields)."""

    CODER = AgentName.CODER.value, AgentName.CODER.label
    DEBUGGER = AgentName.DEBUGGER.value, AgentName.DEBUGGER.label


class CreatorEdit(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: the (capsule, field_path, created_at) index below starts with it.
    capsule = models.ForeignKey(Capsule, on_delete=models.CASCADE, related_name="creator_edits", db_index=False)
    # Kept when the person is deleted: an edit staff made to someone else's capsule is still training data.
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="creator_edits",
        help_text="Who made the correction: the capsule's creator, or a staff member in the admin.",
    )
    field_path = models.CharField(max_length=255, help_text="e.g. config_data.test_cases[2].expected_output")
    # JSON, so that a removed test keeps its whole object. None: the path did not exist before (added) or does
    # not exist after (removed).
    original_value = models.JSONField(null=True, blank=True)
    corrected_value = models.JSONField(null=True, blank=True)
    edit_type = models.CharField(max_length=24, choices=EditType.choices)
    source = models.CharField(max_length=12, choices=EditSource.choices)
    generation_job = models.ForeignKey(
        GenerationJob,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="creator_edits",
        help_text="The latest generation job whose result is this capsule: its request and agent outputs.",
    )
    # NULL rather than "": "not known" (a capsule no agent wrote, or a value a person already changed).
    agent = models.CharField(
        max_length=12,
        choices=EditAgent.choices,
        null=True,
        blank=True,
        help_text="The agent whose output the corrected value was, when known.",
    )
    # Denormalised for analysis by type and language: the capsule's, as it was before the edit.
    capsule_type = models.CharField(max_length=16, choices=CapsuleType.choices)
    language = models.CharField(max_length=16, choices=language_choices)
    reported_at = models.DateTimeField(
        null=True, blank=True, help_text="When the client says the edit happened (POST /api/feedback/edit's timestamp)."
    )
    # A default rather than auto_now_add, so that analysis tests can place edits in time.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["edit_type", "created_at"]),
            # Per-capsule reads and the duplicate check of POST /api/feedback/edit.
            models.Index(fields=["capsule", "field_path", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.field_path} ({self.get_edit_type_display()})"


class NetCorrection(models.Model):
    """One field whose value in the capsule's latest validated state differs from what the AI wrote.

    CreatorEdit is the audit trail: every save's changes as they happened, including a field broken and then
    put back, or changed twice. What counts as a correction (the insights and the training set) is the NET
    change: the generation job's output (its last Coder or Debugger draft, the one it saved) against the
    capsule's latest state that the judge passed. feedback.edits.capture.net_corrections_refresh replaces a
    capsule's rows whenever a save leaves it validated, so the rows always describe the last validated state:
    a later save that breaks the capsule leaves them as they were, and a field restored to the AI's value has
    no row. A capsule no generation job made has none (there is no AI output to correct).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: the unique (capsule, field_path) constraint below starts with it.
    capsule = models.ForeignKey(Capsule, on_delete=models.CASCADE, related_name="net_corrections", db_index=False)
    field_path = models.CharField(max_length=255)
    original_value = models.JSONField(null=True, blank=True, help_text="What the AI wrote; null: the path was added.")
    corrected_value = models.JSONField(
        null=True, blank=True, help_text="The value in the latest validated state; null: the path was removed."
    )
    edit_type = models.CharField(max_length=24, choices=EditType.choices)
    generation_job = models.ForeignKey(
        GenerationJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="net_corrections"
    )
    agent = models.CharField(
        max_length=12, choices=EditAgent.choices, null=True, blank=True, help_text="The agent that wrote the original value."
    )
    # The AI output's type and language: the version that was corrected.
    capsule_type = models.CharField(max_length=16, choices=CapsuleType.choices)
    language = models.CharField(max_length=16, choices=language_choices)
    corrected_at = models.DateTimeField(
        default=timezone.now, help_text="When the field reached this corrected value in a validated state."
    )

    class Meta:
        ordering = ["-corrected_at"]
        indexes = [
            models.Index(fields=["corrected_at"]),
            models.Index(fields=["edit_type", "corrected_at"]),
        ]
        constraints = [models.UniqueConstraint(fields=["capsule", "field_path"], name="one_net_correction_per_field")]

    def __str__(self) -> str:
        return f"{self.field_path} ({self.get_edit_type_display()})"


# --- Fine-tuning ----------------------------------------------------------------------------------------------


class FineTuneStatus(models.TextChoices):
    """The provider's job statuses (OpenAI's FineTuningJob.status; Azure uses the same words)."""

    VALIDATING_FILES = "validating_files", "Validating files"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINE_TUNE_FINISHED = (FineTuneStatus.SUCCEEDED, FineTuneStatus.FAILED, FineTuneStatus.CANCELLED)


class FineTuneJob(models.Model):
    """One fine-tuning job at the provider, started by staff from the training set (feedback.finetune)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.CharField(max_length=16, help_text="openai or azure: where the job (and its model) lives.")
    provider_job_id = models.CharField(max_length=120, unique=True, help_text="The provider's id, e.g. ftjob-abc123.")
    training_file_id = models.CharField(max_length=120, help_text="The uploaded JSONL's file id.")
    training_export = models.CharField(
        max_length=255, blank=True, help_text="Our copy of the uploaded JSONL in file storage (feedback/training/exports.py)."
    )
    base_model = models.CharField(max_length=120)
    status = models.CharField(max_length=20, choices=FineTuneStatus.choices)
    fine_tuned_model = models.CharField(max_length=200, blank=True, help_text="Set by the provider on success.")
    examples = models.PositiveIntegerField(help_text="Training examples in the uploaded file.")
    trained_tokens = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="The provider's reason when the job failed.")
    poll_error = models.TextField(blank=True, help_text="Why the last status check failed (cleared by the next good one).")
    # The provider's events, oldest first: [{"id", "created_at" (unix seconds), "level", "message"}].
    events = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    used_for_coder = models.BooleanField(
        default=False, help_text="Its fine-tuned model is the Coder's model (generation.llm.config.model_for)."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one model is the Coder's: finetune_use clears the others in the same transaction.
            models.UniqueConstraint(
                fields=["used_for_coder"], condition=models.Q(used_for_coder=True), name="one_fine_tune_used_for_coder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_job_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINE_TUNE_FINISHED

    @property
    def can_be_used(self) -> bool:
        return self.status == FineTuneStatus.SUCCEEDED and bool(self.fine_tuned_model)


# --- Analysis ------------------------------------------------------------------------------


class FeedbackSnapshot(models.Model):
    """The global insights of one period, as the analysis task last computed them (feedback.insights.store).

    One row per period (7, 30, 90 days), replaced on every run. Staff read it instead of computing the
    analysis on each request; it also keeps the LLM summary, which costs a model call and is refreshed at
    most once per feedback.insights.store.SUMMARY_MAX_AGE.
    """

    days = models.PositiveSmallIntegerField(unique=True)
    insights = models.JSONField(help_text="feedback.insights.analysis.feedback_insights(user=None, days=days), plus llm_summary.")
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Feedback insights, {self.days} days, computed {self.computed_at:%Y-%m-%d %H:%M}"


class TrainingSummary(models.Model):
    """The training set's counts for one reader, as the analysis task last computed them
    (feedback.training.store): the dashboard reads this row instead of judging every corrected capsule on a
    page view. `scope` is "all" (what staff see) or "creator:<id>" (a creator's own capsules)."""

    scope = models.CharField(max_length=40, unique=True)
    summary = models.JSONField(help_text="feedback.training.build.training_set_summary for the scope.")
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Training summary, {self.scope}, computed {self.computed_at:%Y-%m-%d %H:%M}"
