"""Reads for feedback: the generation job behind a capsule, the drafts its agents wrote, recent edits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from capsules.models import Capsule
from feedback.models import CreatorEdit, EditAgent
from generation.models import AgentStep, GenerationJob


def generation_job_for_capsule(capsule: Capsule) -> GenerationJob | None:
    """The latest generation job whose result is `capsule` (None for a capsule written by hand or imported)."""
    return GenerationJob.objects.filter(result_capsule=capsule).order_by("-created_at", "-pk").first()


def job_drafts(job: GenerationJob) -> list[tuple[str, dict[str, Any]]]:
    """(agent, capsule draft) of every usable Coder and Debugger answer of `job`, in the order they came."""
    steps = (
        AgentStep.objects.filter(job=job, agent__in=EditAgent.values, parsed_ok=True, output__isnull=False)
        .order_by("position")
        .values_list("agent", "output")
    )
    return [(agent, output) for agent, output in steps if isinstance(output, dict)]


def edits_of_field_since(*, capsule: Capsule, field_path: str, since: datetime) -> QuerySet[CreatorEdit]:
    """The edits of one field of one capsule recorded at or after `since` (the duplicate check)."""
    return CreatorEdit.objects.filter(capsule=capsule, field_path=field_path, created_at__gte=since)
