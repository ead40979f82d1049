"""django-q2 tasks: thin wrappers that load a job by id, run the service, and record their own failure.

A worker can die without recording anything (SIGKILL, django-q2's timeout guard, a lost machine). So while a job
runs, a JobHeartbeat thread stamps its heartbeat_at, and `reap_lost_generation_jobs` (a minutely schedule,
generation/migrations/0003) fails the running jobs whose heartbeat stopped (generation.services).
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from uuid import UUID

from django.conf import settings
from django.db import connection

from generation.models import GenerationJob, JobStatus
from generation.services import (
    generation_job_fail,
    generation_job_heartbeat,
    generation_jobs_reap_lost,
    generation_jobs_resend_stuck,
    generation_run,
)

logger = logging.getLogger(__name__)

# How long the task waits for the heartbeat thread to stop after the job ended: the thread only sleeps between
# one-row UPDATEs, so a stuck database is the only reason to wait longer; the daemon thread dies with the process.
HEARTBEAT_STOP_SECONDS = 5


class JobHeartbeat:
    """A daemon thread that stamps the job's heartbeat_at every GENERATION_HEARTBEAT_SECONDS until stopped.

    It proves the worker process is alive, not that the pipeline progresses: a hung call is bounded by the LLM
    and judge timeouts, and a hung task by django-q2's timeout guard, which kills the worker (and so the beat).
    It uses its own database connection (Django's are per thread) and closes it when it ends, so a worker does
    not leak one connection per job. A failed beat (a database blip) is logged and the next one is tried: the
    reaper allows several missed beats before it calls the job lost.
    """

    def __init__(self, job_id: UUID, *, interval: float | None = None) -> None:
        self.job_id = job_id
        self.interval = float(interval if interval is not None else settings.GENERATION_HEARTBEAT_SECONDS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> JobHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=HEARTBEAT_STOP_SECONDS)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    generation_job_heartbeat(job_id=self.job_id)  # touches only a running job
                except Exception:
                    logger.exception("heartbeat of generation job %s failed", self.job_id)
        finally:
            connection.close()


def run_generation_job(job_id: str | UUID) -> str:
    # Cheap (one indexed query), and it frees the creator's concurrency slot of a job lost in a dead worker.
    generation_jobs_reap_lost()
    job = GenerationJob.objects.filter(pk=job_id).first()
    if job is None or job.status != JobStatus.QUEUED:
        return f"skipped: job {job_id} is {'missing' if job is None else job.status}"
    try:
        with JobHeartbeat(job.pk):
            job = generation_run(job)
    except Exception as exc:  # the job must end failed with a reason, whatever broke
        logger.exception("generation job %s crashed", job_id)
        generation_job_fail(job=job, error=f"The generation pipeline crashed: {exc.__class__.__name__}: {exc}", category="internal_error")
        raise
    return f"{job.status}: job {job.pk}"


def reap_lost_generation_jobs() -> int:
    """The minutely schedule: fail the running jobs whose worker stopped beating, and send again the tasks of jobs
    queued for too long (their task may be lost); returns how many jobs it acted on."""
    return generation_jobs_reap_lost() + generation_jobs_resend_stuck()
