"""Generation jobs and their steps.

A GenerationJob is one creator's request (type, language, difficulty, prompt) worked on in the background.
Every agent call and every judgement is an AgentStep, in order, so the job page can show the timeline as it
lands and the admin can audit it afterwards.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from capsules.languages import language_choices
from capsules.models import Capsule, CapsuleType, Difficulty


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # Offline only: no catalog exercise fits the request. Nothing failed and nothing was saved; the job
    # offers the closest exercises instead (`suggestions`).
    NO_MATCH = "no_match", "No catalog match"


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.NO_MATCH)


class GenerationJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generation_jobs")
    capsule_type = models.CharField(max_length=16, choices=CapsuleType.choices)
    language = models.CharField(max_length=16, choices=language_choices)
    difficulty = models.CharField(max_length=8, choices=Difficulty.choices)
    prompt = models.TextField(blank=True)
    provider = models.CharField(max_length=16, help_text="LLM provider the job ran with: openai, azure or catalog.")

    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=40, blank=True, help_text="What the pipeline is doing now, for the progress bar.")
    heals = models.PositiveSmallIntegerField(default=0, help_text="Debugger attempts used.")
    result_capsule = models.ForeignKey(Capsule, null=True, blank=True, on_delete=models.SET_NULL, related_name="generation_jobs")
    error = models.TextField(blank=True)
    error_category = models.CharField(max_length=40, blank=True)
    last_report = models.JSONField(null=True, blank=True, help_text="The judge's last ValidationReport.")
    quality_score = models.FloatField(null=True, blank=True)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries")
    catalog_pick = models.CharField(
        max_length=200,
        blank=True,
        help_text="The title of the catalog exercise the creator chose from a no-match job's suggestions: the job "
        "takes exactly that exercise, offline.",
    )
    suggestions = models.JSONField(
        default=list,
        blank=True,
        help_text="No-match jobs: the closest catalog exercises offered instead (title, summary, difficulty, why).",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life from the worker running the job (every GENERATION_HEARTBEAT_SECONDS); "
        "a running job silent for GENERATION_LOST_AFTER_SECONDS is failed as worker_lost.",
    )
    llm_seconds = models.FloatField(default=0.0, help_text="Time spent waiting for the model.")
    prompt_tokens = models.PositiveIntegerField(default=0, help_text="Prompt tokens of every model call, as the server reported them.")
    completion_tokens = models.PositiveIntegerField(default=0, help_text="Output tokens of every model call, as the server reported them.")
    statement_check = models.JSONField(
        null=True,
        blank=True,
        help_text="The Solver's statement check of the last draft that passed the judge: status (agreed, disagreed, "
        "skipped, failed), passed and total checks, message (generation/statement_check.py).",
    )
    judge_seconds = models.FloatField(default=0.0, help_text="Time spent in the judge.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["creator", "-created_at"]), models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.capsule_type}/{self.language}/{self.difficulty}: {self.prompt[:40]} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def total_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class AgentName(models.TextChoices):
    PEDAGOGIST = "pedagogist", "Pedagogist"
    CODER = "coder", "Coder"
    DEBUGGER = "debugger", "Debugger"
    SOLVER = "solver", "Solver"
    JUDGE = "judge", "Judge"


class AgentStep(models.Model):
    """One LLM call (or one judgement) of a job."""

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    agent = models.CharField(max_length=12, choices=AgentName.choices)
    model = models.CharField(max_length=120, blank=True)
    prompt = models.JSONField(default=list, blank=True, help_text="The messages sent (chat format).")
    raw_response = models.TextField(blank=True)
    parsed_ok = models.BooleanField(default=False)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    error_kind = models.CharField(max_length=40, blank=True)
    summary = models.TextField(blank=True, help_text="One line for the progress page: what this step produced or what the judge said.")
    report = models.JSONField(null=True, blank=True, help_text="The judge's ValidationReport (judge steps).")
    output = models.JSONField(null=True, blank=True, help_text="The parsed output (idea or capsule draft).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="unique_step_position_per_job")]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.position} {self.agent}"
