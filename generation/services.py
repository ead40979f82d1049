"""Generation writes: create a job (forced choice + limits), retry it, take a suggested catalog exercise
instead of a request the catalog had nothing for, run it (the pipeline), keep its heartbeat, and fail the
jobs whose worker was lost.

The pipeline itself — Pedagogist → Coder → judge → Debugger → judge … — lives in generation/pipeline.py;
`generation_run(job)` is the entry point the django-q2 task calls.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TypedDict
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_q.tasks import async_task
from rest_framework import status

from capsules.schemas import LANGUAGES_BY_TYPE
from codecapsule.errors import ApplicationError, ErrorCode, ValidationFailed
from codecapsule.http import SignedInUser
from generation.llm import llm_provider
from generation.models import GenerationJob, JobStatus

logger = logging.getLogger(__name__)

DIFFICULTIES = ("easy", "medium", "hard")

# A running job whose worker died mid-job: what the creator reads, and the category metrics count.
WORKER_LOST_CATEGORY = "worker_lost"
WORKER_LOST_ERROR = (
    "The worker running this job stopped before it finished (it was killed or lost); nothing was saved. Retry to run it again."
)


class TooManyJobs(ApplicationError):
    code = ErrorCode.TOO_MANY_JOBS
    http_status = status.HTTP_429_TOO_MANY_REQUESTS


def enqueue_generation_job(job: GenerationJob) -> None:
    """Queue the task that runs `job` (generation/tasks.py); call it once the job's row is committed, or the
    worker may not find it. The task is named by its dotted path, which is how django-q2 finds it in the worker
    anyway, so this module never imports the tasks module (which imports this one)."""
    async_task(
        "generation.tasks.run_generation_job",
        str(job.pk),
        task_name=f"generation-{job.pk}",
        timeout=settings.Q_TIMEOUT_SECONDS,
    )


def generation_request_errors(*, capsule_type: str, language: str, difficulty: str, prompt: str) -> dict[str, str]:
    """Field errors of a generation request (empty when valid); type, language and difficulty are never guessed."""
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


def _check_limits(creator: SignedInUser) -> None:
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


class GenerationArguments(TypedDict):
    """What a creator asks for: generation_job_create's keyword arguments from the form or the API."""

    capsule_type: str
    language: str
    difficulty: str
    prompt: str


def generation_job_create(
    *,
    creator: SignedInUser,
    capsule_type: str,
    language: str,
    difficulty: str,
    prompt: str,
    retry_of: GenerationJob | None = None,
    catalog_pick: str = "",
) -> GenerationJob:
    """Validate the request, enforce the per-creator limits, save a queued job and enqueue it on commit.

    `catalog_pick`: the title of a catalog exercise the job takes exactly (offline, whatever the provider)."""
    prompt = prompt.strip()
    errors = generation_request_errors(capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt)
    if errors:
        raise ValidationFailed.for_fields(errors, subject="The generation request")
    # A job lost in a dead worker must not hold one of the creator's concurrency slots until the schedule runs.
    generation_jobs_reap_lost(
        job_ids=list(GenerationJob.objects.filter(creator=creator, status=JobStatus.RUNNING).values_list("pk", flat=True))
    )
    with transaction.atomic():
        _check_limits(creator)
        job = GenerationJob.objects.create(
            creator=creator,
            capsule_type=capsule_type,
            language=language,
            difficulty=difficulty,
            prompt=prompt,
            provider="catalog" if catalog_pick else llm_provider(),
            retry_of=retry_of,
            catalog_pick=catalog_pick,
        )
        # robust: with the broker unreachable the job is still saved (and the creator sees it queued); the log says
        # why and generation_jobs_resend_stuck sends it once the broker is back.
        transaction.on_commit(lambda: enqueue_generation_job(job), robust=True)
    return job


def generation_job_retry(*, job: GenerationJob, actor: SignedInUser) -> GenerationJob:
    """A new job with the same request as a failed one."""
    if job.creator_id != actor.pk:
        raise ApplicationError("Only the job's creator can retry it.", code=ErrorCode.FORBIDDEN)
    if job.status != JobStatus.FAILED:
        raise ApplicationError("Only a failed job can be retried.", code=ErrorCode.NOT_FAILED)
    return generation_job_create(
        creator=actor, capsule_type=job.capsule_type, language=job.language,
        difficulty=job.difficulty, prompt=job.prompt, retry_of=job, catalog_pick=job.catalog_pick,
    )  # fmt: skip


def generation_job_take_suggestion(*, job: GenerationJob, actor: SignedInUser, title: str) -> GenerationJob:
    """A new job that takes exactly one of the exercises a no-match job offered (by its title).

    The new job asks for that exercise's own type, language and difficulty, with its title as the topic, so
    its page says what it is; the pipeline pins the catalog to it (generation/pipeline.py)."""
    from generation.catalog import blueprint_by_title  # loading the catalog validates every blueprint: only when used

    if job.creator_id != actor.pk:
        raise ApplicationError("Only the job's creator can take one of its suggestions.", code=ErrorCode.FORBIDDEN)
    if job.status != JobStatus.NO_MATCH:
        raise ApplicationError("Only a job the catalog had no exercise for offers suggestions.", code=ErrorCode.NO_SUGGESTIONS)
    offered = {str(suggestion.get("title", "")).casefold() for suggestion in job.suggestions if isinstance(suggestion, dict)}
    blueprint = blueprint_by_title(title) if title.strip().casefold() in offered else None
    if blueprint is None:
        raise ValidationFailed.for_fields({"title": "is not one of the exercises this job offered"}, subject="The choice")
    return generation_job_create(
        creator=actor, capsule_type=blueprint.capsule_type, language=blueprint.language,
        difficulty=blueprint.difficulty, prompt=blueprint.title, catalog_pick=blueprint.title,
    )  # fmt: skip


def generation_job_fail(*, job: GenerationJob, error: str, category: str = "") -> GenerationJob:
    """End a job as failed with a reason (the task's last resort when the pipeline itself crashed)."""
    GenerationJob.objects.filter(pk=job.pk).exclude(status__in=(JobStatus.SUCCEEDED, JobStatus.NO_MATCH)).update(
        status=JobStatus.FAILED, error=error[:5000], error_category=category, stage="", finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def generation_job_heartbeat(*, job_id: UUID | str, now: datetime | None = None) -> bool:
    """Stamp a running job's heartbeat_at; False when the job is no longer running (finished, or reaped)."""
    return bool(GenerationJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(heartbeat_at=now or timezone.now()))


def lost_jobs(*, now: datetime | None = None) -> QuerySet[GenerationJob]:
    """THE staleness rule: running jobs with no sign of life for GENERATION_LOST_AFTER_SECONDS.

    The last sign of life is heartbeat_at, or started_at before the first beat (created_at for a row that has
    neither). Queued jobs are not lost: no worker has them yet, and waiting in a busy queue is legitimate.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.GENERATION_LOST_AFTER_SECONDS)
    silent = (
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=cutoff)
    )
    return GenerationJob.objects.filter(silent, status=JobStatus.RUNNING)


def generation_jobs_reap_lost(*, now: datetime | None = None, job_ids: list[object] | None = None) -> int:
    """Fail every running job whose worker is lost (see lost_jobs); return how many were failed.

    1. Read the candidates (all, or only `job_ids`: the job page reaps the one job it shows).
    2. Fail each with one UPDATE that repeats the staleness condition, so a heartbeat that lands between the
       read and the write wins (the UPDATE matches nothing), and so does a worker finishing the job meanwhile.
       On PostgreSQL the UPDATE re-checks the row after any concurrent writer commits.
    3. Log a warning per failed job. No capsule can be half-saved: the pipeline saves the capsule and the job's
       success in one transaction that first claims the job as still running (generation/pipeline.py).
    """
    now = now or timezone.now()
    candidates = lost_jobs(now=now)
    if job_ids is not None:
        candidates = candidates.filter(pk__in=job_ids)
    reaped = 0
    for job_id in list(candidates.values_list("pk", flat=True)):
        updated = (
            lost_jobs(now=now)
            .filter(pk=job_id)
            .update(status=JobStatus.FAILED, error=WORKER_LOST_ERROR, error_category=WORKER_LOST_CATEGORY, stage="", finished_at=now)
        )
        if updated:
            reaped += 1
            logger.warning(
                "generation job %s failed as %s: no heartbeat for %s s",
                job_id,
                WORKER_LOST_CATEGORY,
                settings.GENERATION_LOST_AFTER_SECONDS,
            )
    return reaped


def generation_jobs_resend_stuck(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send again the task of every job still queued GENERATION_RESEND_QUEUED_AFTER_SECONDS after it was saved (or
    last re-sent); return how many were sent.

    A queued job's task can be lost before any worker claims it: Redis restarted without persistence, a cluster
    killed holding tasks it had fetched, or the broker unreachable when the job was saved (the save still stands,
    see generation_job_create). Nothing tells a lost task from one waiting behind a long queue, so the job is sent
    again, at most once per window (a cache key shared by every process); a duplicate task is harmless, because
    only one worker can claim a queued job (generation/pipeline.py `_claim`), the other one skips it."""
    now = now or timezone.now()
    window = settings.GENERATION_RESEND_QUEUED_AFTER_SECONDS
    stuck = GenerationJob.objects.filter(status=JobStatus.QUEUED, created_at__lt=now - timedelta(seconds=window))
    sent = 0
    for job in stuck.order_by("created_at")[:limit]:
        key = f"generation:resent:{job.pk}"
        if not cache.add(key, True, timeout=window):
            continue
        try:
            enqueue_generation_job(job)
        except Exception:  # the broker is still down: try again at the next sweep
            cache.delete(key)
            logger.exception("generation job %s: re-sending its task failed", job.pk)
            continue
        sent += 1
        logger.warning("generation job %s still queued after %s s: its task was sent again", job.pk, window)
    return sent


def generation_job_reap_if_lost(*, job: GenerationJob) -> GenerationJob:
    """`job`, failed first if its worker is lost: what the job page and API call before showing it."""
    if job.status == JobStatus.RUNNING and generation_jobs_reap_lost(job_ids=[job.pk]):
        job.refresh_from_db()
    return job


def generation_run(job: GenerationJob) -> GenerationJob:
    """Run the agent pipeline for `job` (generation/pipeline.py) and return the finished job."""
    from generation.pipeline import run_pipeline

    return run_pipeline(job)
