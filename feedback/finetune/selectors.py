"""Reads of fine-tuning: the staff access helper, what the pages show, and the Coder's model.

    get_finetune_job_for_staff(user, id)   the job, for staff only (403 / 404): every fine-tuning view calls it first
    finetune_panel_context(user, summary=) the dashboard's fine-tuning card: the training set and the latest jobs
    job_events_view(job)                   the job page's events, newest first
    coder_model_override(agent)            registered with generation.llm.config in feedback/apps.py
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.shortcuts import get_object_or_404

from codecapsule.http import SignedInUser
from feedback.finetune.services import ensure_staff
from feedback.models import FineTuneJob, FineTuneStatus
from generation.llm.config import Agent, llm_provider

# Jobs listed on the dashboard panel.
PANEL_JOBS = 10


def get_finetune_job_for_staff(user: SignedInUser, job_id: UUID | str) -> FineTuneJob:
    """The job, for staff only: 403 for anyone else, 404 for an unknown id."""
    ensure_staff(user)
    return get_object_or_404(FineTuneJob, pk=job_id)


def coder_model_override(agent: Agent) -> str | None:
    """The model override registered with generation (feedback/apps.py): the chosen fine-tuned Coder, if any,
    for the provider it was trained at."""
    if agent != "coder":
        return None
    provider = llm_provider()
    if provider == "catalog":
        return None
    return (
        FineTuneJob.objects.filter(used_for_coder=True, status=FineTuneStatus.SUCCEEDED, provider=provider)
        .exclude(fine_tuned_model="")
        .values_list("fine_tuned_model", flat=True)
        .first()
    )


def coder_model_in_use() -> FineTuneJob | None:
    return FineTuneJob.objects.filter(used_for_coder=True).first()


def finetune_panel_context(user: SignedInUser, *, summary: dict[str, Any] | None) -> dict[str, Any]:
    """What feedback/_finetune_panel.html needs around `summary`, the training set's summary
    (feedback.training.store's stored one; None while it is first being computed)."""
    is_staff = bool(user.is_authenticated and user.is_staff)
    provider = llm_provider()
    return {
        "training_summary": summary,
        "min_examples": settings.FINE_TUNE_MIN_EXAMPLES,
        "enough_examples": summary is not None and summary["examples"] >= settings.FINE_TUNE_MIN_EXAMPLES,
        "can_start": is_staff,
        "provider": provider,
        "provider_configured": provider != "catalog",
        "default_base_model": settings.FINE_TUNE_BASE_MODEL,
        "jobs": list(FineTuneJob.objects.order_by("-created_at")[:PANEL_JOBS]) if is_staff else [],
        "show_jobs": is_staff,
        "coder_job": coder_model_in_use() if is_staff else None,
    }


def job_events_view(job: FineTuneJob) -> list[dict[str, Any]]:
    """The job's events for people: newest first, each with `time` (an aware datetime or None)."""
    shown = []
    for event in reversed(job.events):
        created = event.get("created_at")
        time = datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int | float) else None
        shown.append({**event, "time": time})
    return shown
