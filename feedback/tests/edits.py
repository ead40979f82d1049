"""Handmade CreatorEdit, NetCorrection and GenerationJob rows for the analysis, API and dashboard tests
(placed in time, typed, attributed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.utils import timezone

from capsules.models import Capsule
from feedback.models import CreatorEdit, EditSource, EditType, NetCorrection
from generation.models import AgentStep, GenerationJob


def make_edit(
    capsule: Capsule,
    *,
    creator: Any = None,
    edit_type: str = EditType.EXPECTED_OUTPUT_FIX,
    field_path: str = "config_data.test_cases[0].expected_output",
    original: Any = "5\n",
    corrected: Any = "5",
    agent: str | None = "coder",
    language: str | None = None,
    capsule_type: str | None = None,
    ago: timedelta = timedelta(hours=1),
) -> CreatorEdit:
    return CreatorEdit.objects.create(
        capsule=capsule,
        creator=creator or capsule.creator,
        field_path=field_path,
        original_value=original,
        corrected_value=corrected,
        edit_type=edit_type,
        source=EditSource.DASHBOARD,
        agent=agent,
        capsule_type=capsule_type or capsule.capsule_type,
        language=language or capsule.language,
        created_at=timezone.now() - ago,
    )


def make_correction(
    capsule: Capsule,
    *,
    edit_type: str = EditType.EXPECTED_OUTPUT_FIX,
    field_path: str | None = None,
    original: Any = "5\n",
    corrected: Any = "5",
    agent: str | None = "coder",
    language: str | None = None,
    capsule_type: str | None = None,
    ago: timedelta = timedelta(hours=1),
) -> NetCorrection:
    """A net correction, as analysis reads them. A capsule has one per field: without `field_path`, the next
    test's expected_output (they all count as `config_data.test_cases[*].expected_output`)."""
    if field_path is None:
        field_path = f"config_data.test_cases[{NetCorrection.objects.filter(capsule=capsule).count()}].expected_output"
    return NetCorrection.objects.create(
        capsule=capsule,
        field_path=field_path,
        original_value=original,
        corrected_value=corrected,
        edit_type=edit_type,
        agent=agent,
        capsule_type=capsule_type or capsule.capsule_type,
        language=language or capsule.language,
        corrected_at=timezone.now() - ago,
    )


def make_job(creator: Any, *, steps: Sequence[dict[str, Any]] = (), created_ago: timedelta | None = None, **fields: Any) -> GenerationJob:
    """A handmade GenerationJob with AgentSteps in order (created_at is auto_now_add: moved afterwards)."""
    values = {"capsule_type": "CODE", "language": "python", "difficulty": "easy", "prompt": "count words", "provider": "catalog"}
    job = GenerationJob.objects.create(creator=creator, **{**values, **fields})
    if created_ago is not None:
        GenerationJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - created_ago)
    for position, step in enumerate(steps, start=1):
        AgentStep.objects.create(job=job, position=position, **step)
    return job
