"""django-q2 tasks: thin wrappers that load a job by id, run the service, and record their own failure."""

from __future__ import annotations

import logging
from uuid import UUID

from django.conf import settings
from django_q.tasks import async_task

from generation.models import GenerationJob, JobStatus
from generation.services import generation_job_fail, generation_run

logger = logging.getLogger(__name__)


def enqueue_generation_job(job: GenerationJob) -> None:
    # Called from transaction.on_commit: the worker must find the row.
    async_task(
        "generation.tasks.run_generation_job",
        str(job.pk),
        task_name=f"generation-{job.pk}",
        timeout=settings.Q_TIMEOUT_SECONDS,
    )


def run_generation_job(job_id: str | UUID) -> str:
    job = GenerationJob.objects.filter(pk=job_id).first()
    if job is None or job.status != JobStatus.QUEUED:
        return f"skipped: job {job_id} is {'missing' if job is None else job.status}"
    try:
        job = generation_run(job)
    except Exception as exc:  # the job must end failed with a reason, whatever broke
        logger.exception("generation job %s crashed", job_id)
        generation_job_fail(job=job, error=f"The generation pipeline crashed: {exc.__class__.__name__}: {exc}", category="internal_error")
        raise
    return f"{job.status}: job {job.pk}"
