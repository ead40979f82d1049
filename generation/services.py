"""Generation writes: create a job (forced choice + limits), retry it, and run it (the pipeline).

The pipeline itself — Pedagogist → Coder → judge → Debugger → judge … — lives in generation/pipeline.py;
`generation_run(job)` is the entry point the django-q2 task calls.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from rest_framework import status

from capsules.schemas import LANGUAGES_BY_TYPE
from codecapsule.errors import ApplicationError, ValidationFailed
from generation.llm import llm_provider
from generation.models import GenerationJob, JobStatus

DIFFICULTIES = ("easy", "medium", "hard")


class TooManyJobs(ApplicationError):
    code = "too_many_jobs"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


def generation_request_errors(*, capsule_type: str, language: str, difficulty: str, prompt: str) -> dict[str, str]:
    """Field errors of a generation request (empty when valid): the forced choice of issue #4."""
    errors: dict[str, str] = {}
    if capsule_type not in LANGUAGES_BY_TYPE:
        errors["type"] = f"choose one of {', '.join(LANGUAGES_BY_TYPE)}"
    elif language not in LANGUAGES_BY_TYPE[capsule_type]:
        errors["language"] = f"{language!r} is not a {capsule_type} language; choose one of {', '.join(LANGUAGES_BY_TYPE[capsule_type])}"
    if difficulty not in DIFFICULTIES:
        errors["difficulty"] = f"choose one of {', '.join(DIFFICULTIES)}"
    if len(prompt) > settings.GENERATION_PROMPT_MAX_CHARS:
        errors["prompt"] = f"is {len(prompt)} characters; the limit is {settings.GENERATION_PROMPT_MAX_CHARS}"
    return errors


def _check_limits(creator: AbstractBaseUser) -> None:
    jobs = GenerationJob.objects.filter(creator=creator)
    running = jobs.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).count()
    if running >= settings.GENERATION_MAX_CONCURRENT_JOBS:
        raise TooManyJobs(
            f"You already have {running} capsules being generated; wait for one to finish "
            f"(at most {settings.GENERATION_MAX_CONCURRENT_JOBS} at a time)."
        )
    recent = jobs.filter(created_at__gte=timezone.now() - timedelta(hours=1)).count()
    if recent >= settings.GENERATION_JOBS_PER_HOUR:
        raise TooManyJobs(f"You started {recent} generations in the last hour; the limit is {settings.GENERATION_JOBS_PER_HOUR}.")


def generation_job_create(
    *,
    creator: AbstractBaseUser,
    capsule_type: str,
    language: str,
    difficulty: str,
    prompt: str,
    retry_of: GenerationJob | None = None,
) -> GenerationJob:
    """Validate the request, enforce the per-creator limits, save a queued job and enqueue it on commit."""
    from generation.tasks import enqueue_generation_job  # tasks import services: break the cycle here

    prompt = prompt.strip()
    errors = generation_request_errors(capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt)
    if errors:
        raise ValidationFailed.for_fields(errors, subject="The generation request")
    with transaction.atomic():
        _check_limits(creator)
        job = GenerationJob.objects.create(
            creator=creator,
            capsule_type=capsule_type,
            language=language,
            difficulty=difficulty,
            prompt=prompt,
            provider=llm_provider(),
            retry_of=retry_of,
        )
        transaction.on_commit(lambda: enqueue_generation_job(job))
    return job


def generation_job_retry(*, job: GenerationJob, actor: AbstractBaseUser) -> GenerationJob:
    """A new job with the same request as a failed one."""
    if job.creator_id != actor.pk:
        raise ApplicationError("Only the job's creator can retry it.", code="forbidden")
    if job.status != JobStatus.FAILED:
        raise ApplicationError("Only a failed job can be retried.", code="not_failed")
    return generation_job_create(
        creator=actor, capsule_type=job.capsule_type, language=job.language,
        difficulty=job.difficulty, prompt=job.prompt, retry_of=job,
    )  # fmt: skip


def generation_job_fail(*, job: GenerationJob, error: str, category: str = "") -> GenerationJob:
    """End a job as failed with a reason (the task's last resort when the pipeline itself crashed)."""
    GenerationJob.objects.filter(pk=job.pk).exclude(status__in=(JobStatus.SUCCEEDED,)).update(
        status=JobStatus.FAILED, error=error[:5000], error_category=category, stage="", finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def generation_run(job: GenerationJob) -> GenerationJob:
    """Run the agent pipeline for `job` (generation/pipeline.py) and return the finished job."""
    from generation.pipeline import run_pipeline

    return run_pipeline(job)
