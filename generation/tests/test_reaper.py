"""A worker killed mid-job: the heartbeat a running job's worker keeps, and the reaper that fails the
running jobs whose heartbeat stopped (generation.services.generation_jobs_reap_lost) — from the minutely
schedule, the job page and API the creator watches, and each new job. prodtests/test_fault_worker.py kills a
real worker; these tests pin the rule.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pydoc import locate
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from capsules.models import Capsule
from generation import pipeline, services, tasks
from generation.models import GenerationJob, JobStatus
from generation.services import WORKER_LOST_CATEGORY, WORKER_LOST_ERROR, generation_jobs_reap_lost

LOST_AFTER = 60


@pytest.fixture(autouse=True)
def _lost_after(settings) -> None:
    settings.GENERATION_LOST_AFTER_SECONDS = LOST_AFTER
    settings.GENERATION_HEARTBEAT_SECONDS = 10


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


def running_job(make_job, owner, *, heartbeat_ago: float | None, started_ago: float = 600) -> GenerationJob:
    heartbeat_at = None if heartbeat_ago is None else ago(heartbeat_ago)
    return make_job(owner, status=JobStatus.RUNNING, stage="coder", started_at=ago(started_ago), heartbeat_at=heartbeat_at)


# --- the rule --------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_fails_a_running_job_whose_heartbeat_stopped_with_the_reason(make_job, owner, caplog):
    job = running_job(make_job, owner, heartbeat_ago=LOST_AFTER + 5)

    assert generation_jobs_reap_lost() == 1

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_category == WORKER_LOST_CATEGORY == "worker_lost"
    assert job.error == WORKER_LOST_ERROR
    assert job.error.startswith("The worker running this job stopped before it finished (it was killed or lost)")
    assert job.stage == "" and job.finished_at is not None and job.is_finished
    assert f"generation job {job.pk} failed as worker_lost" in caplog.text


@pytest.mark.django_db
def test_it_leaves_a_running_job_with_a_fresh_heartbeat_alone(make_job, owner):
    job = running_job(make_job, owner, heartbeat_ago=LOST_AFTER - 10)

    assert generation_jobs_reap_lost() == 0

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.error == "" and job.finished_at is None


@pytest.mark.django_db
def test_before_the_first_beat_it_counts_silence_from_the_start(make_job, owner):
    just_started = running_job(make_job, owner, heartbeat_ago=None, started_ago=5)
    long_started = running_job(make_job, owner, heartbeat_ago=None, started_ago=LOST_AFTER + 5)

    assert generation_jobs_reap_lost() == 1

    just_started.refresh_from_db()
    long_started.refresh_from_db()
    assert just_started.status == JobStatus.RUNNING
    assert long_started.status == JobStatus.FAILED and long_started.error_category == "worker_lost"


@pytest.mark.django_db
def test_it_leaves_finished_and_queued_jobs_alone_however_old(make_job, owner):
    long_ago = ago(10 * LOST_AFTER)
    succeeded = make_job(owner, status=JobStatus.SUCCEEDED, started_at=long_ago, heartbeat_at=long_ago, finished_at=long_ago)
    failed = make_job(owner, status=JobStatus.FAILED, error="The Coder failed (timeout)", error_category="timeout",
                      started_at=long_ago, heartbeat_at=long_ago, finished_at=long_ago)  # fmt: skip
    queued = make_job(owner, status=JobStatus.QUEUED, created_ago=timedelta(hours=2))

    assert generation_jobs_reap_lost() == 0

    assert GenerationJob.objects.get(pk=succeeded.pk).status == JobStatus.SUCCEEDED
    failed.refresh_from_db()
    assert failed.error_category == "timeout" and failed.error == "The Coder failed (timeout)" and failed.finished_at == long_ago
    assert GenerationJob.objects.get(pk=queued.pk).status == JobStatus.QUEUED


@pytest.mark.django_db
def test_the_reaper_takes_the_time_to_judge_silence_at(make_job, owner):
    job = running_job(make_job, owner, heartbeat_ago=10)

    assert generation_jobs_reap_lost(now=timezone.now() + timedelta(seconds=LOST_AFTER)) == 1
    assert GenerationJob.objects.get(pk=job.pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_a_heartbeat_landing_after_the_reaper_read_the_job_wins(make_job, owner, monkeypatch):
    job = running_job(make_job, owner, heartbeat_ago=LOST_AFTER + 5)
    real_lost_jobs = services.lost_jobs
    calls: list[int] = []

    def lost_jobs_then_a_heartbeat(*, now=None):
        found = real_lost_jobs(now=now)
        if not calls:  # the reaper's read: evaluate it, then the worker beats before the reaper writes
            ids = list(found.values_list("pk", flat=True))
            assert ids == [job.pk]
            assert services.generation_job_heartbeat(job_id=job.pk)
            calls.append(1)
            return GenerationJob.objects.filter(pk__in=ids)
        return found

    monkeypatch.setattr(services, "lost_jobs", lost_jobs_then_a_heartbeat)

    assert generation_jobs_reap_lost() == 0

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.error == ""


@pytest.mark.django_db
def test_a_heartbeat_touches_only_a_running_job(make_job, owner):
    failed = make_job(owner, status=JobStatus.FAILED)

    assert services.generation_job_heartbeat(job_id=failed.pk) is False
    assert GenerationJob.objects.get(pk=failed.pk).heartbeat_at is None


# --- who calls it ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_minutely_schedule_runs_the_reaper(make_job, owner):
    job = running_job(make_job, owner, heartbeat_ago=LOST_AFTER + 5)
    schedule = Schedule.objects.get(name="Fail generation jobs whose worker was lost")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1
    task = locate(schedule.func)
    assert task is tasks.reap_lost_generation_jobs

    assert task() == 1  # the qcluster calls it without arguments

    assert GenerationJob.objects.get(pk=job.pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_the_job_page_shows_a_lost_job_as_failed_with_the_reason(client, make_job, owner):
    job = running_job(make_job, owner, heartbeat_ago=LOST_AFTER + 5)
    client.force_login(owner)

    response = client.get(reverse("generation:job_detail", kwargs={"job_id": job.pk}))

    assert response.status_code == 200
    page = response.content.decode()
    assert "it was killed or lost" in page and "worker_lost" in page
    assert "every 1s" not in page  # a finished job's page stops polling
    assert GenerationJob.objects.get(pk=job.pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_the_job_page_leaves_a_live_job_running(client, make_job, owner):
    job = running_job(make_job, owner, heartbeat_ago=1)
    client.force_login(owner)

    response = client.get(reverse("generation:job_detail", kwargs={"job_id": job.pk}))

    assert response.status_code == 200 and "it was killed or lost" not in response.content.decode()
    assert GenerationJob.objects.get(pk=job.pk).status == JobStatus.RUNNING


@pytest.mark.django_db
def test_another_creator_cannot_reap_a_job_through_its_page(client, make_job, owner, other_creator):
    job = running_job(make_job, owner, heartbeat_ago=LOST_AFTER + 5)
    client.force_login(other_creator)

    assert client.get(reverse("generation:job_detail", kwargs={"job_id": job.pk})).status_code == 404
    assert GenerationJob.objects.get(pk=job.pk).status == JobStatus.RUNNING


@pytest.mark.django_db
def test_the_job_api_shows_a_lost_job_as_failed(owner_api, make_job, owner):
    job = running_job(make_job, owner, heartbeat_ago=LOST_AFTER + 5)

    response = owner_api.get(f"/api/generation-jobs/{job.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "failed" and body["error_category"] == "worker_lost" and body["error"] == WORKER_LOST_ERROR


@pytest.mark.django_db
def test_a_lost_job_does_not_hold_a_concurrency_slot_of_its_creator(make_job, owner, settings):
    from generation.services import generation_job_create

    settings.GENERATION_MAX_CONCURRENT_JOBS = 1
    lost = running_job(make_job, owner, heartbeat_ago=LOST_AFTER + 5)

    job = generation_job_create(creator=owner, capsule_type="CODE", language="python", difficulty="easy", prompt="loops")

    assert job.status == JobStatus.QUEUED
    assert GenerationJob.objects.get(pk=lost.pk).error_category == "worker_lost"


@pytest.mark.django_db
def test_a_new_job_task_reaps_lost_jobs_first(make_job, owner):
    lost = running_job(make_job, owner, heartbeat_ago=LOST_AFTER + 5)

    assert tasks.run_generation_job(lost.pk).startswith("skipped")  # not queued: not run again

    assert GenerationJob.objects.get(pk=lost.pk).status == JobStatus.FAILED


# --- no capsule half-saved -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_reaped_while_its_capsule_was_being_saved_keeps_no_capsule(owner, settings, monkeypatch):
    """The worker was only slow (a stalled database, say) and the reaper failed its job as it began saving: the
    capsule is rolled back with the job's success, so the job stays failed and no capsule is kept."""
    from generation.llm import client as llm_client_module

    settings.LLM_PROVIDER = "catalog"
    monkeypatch.setattr(llm_client_module, "make_sdk", lambda *a, **k: pytest.fail("catalog jobs build no LLM client"))
    real_set_stage = pipeline._Run.set_stage
    created: list[Capsule] = []
    real_capsule_create = pipeline.capsule_create

    def set_stage_then_the_reaper_runs(run: pipeline._Run, stage: str) -> None:
        real_set_stage(run, stage)
        if stage == pipeline.STAGE_SAVING:
            assert generation_jobs_reap_lost(now=timezone.now() + timedelta(seconds=LOST_AFTER + 1)) == 1

    def recorded_capsule_create(**kwargs: Any) -> Capsule:
        created.append(real_capsule_create(**kwargs))
        return created[-1]

    monkeypatch.setattr(pipeline._Run, "set_stage", set_stage_then_the_reaper_runs)
    monkeypatch.setattr(pipeline, "capsule_create", recorded_capsule_create)
    job = GenerationJob.objects.create(creator=owner, capsule_type="CODE", language="python", difficulty="easy", provider="catalog")

    job = services.generation_run(job)

    assert len(created) == 1  # the worker did write the capsule, in the transaction that was rolled back
    assert job.status == JobStatus.FAILED and job.error_category == "worker_lost" and job.result_capsule is None
    assert not Capsule.objects.exists()


@pytest.mark.django_db
def test_a_pipeline_failure_after_the_reaper_keeps_the_worker_lost_reason(make_job, owner):
    job = running_job(make_job, owner, heartbeat_ago=LOST_AFTER + 5)
    assert generation_jobs_reap_lost() == 1

    run = pipeline._Run(job, None, pipeline.request_for(job))
    job = run.fail("The Coder failed (timeout): no answer", "timeout")

    assert job.status == JobStatus.FAILED and job.error_category == "worker_lost" and job.error == WORKER_LOST_ERROR


# --- the heartbeat thread ----------------------------------------------------------------------------------------------


def heartbeat_threads(job: GenerationJob) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == f"heartbeat-{job.pk}"]


@pytest.mark.django_db(transaction=True)  # the heartbeat thread writes through its own connection
def test_the_worker_beats_while_a_slow_pipeline_runs_and_stops_afterwards(owner, settings, monkeypatch):
    interval = 0.2
    settings.GENERATION_HEARTBEAT_SECONDS = interval
    beats: list[tuple[Any, bool]] = []
    real_heartbeat = tasks.generation_job_heartbeat

    def recorded_heartbeat(*, job_id: Any, now=None) -> bool:
        beat = timezone.now()
        touched = real_heartbeat(job_id=job_id, now=beat)
        beats.append((beat, touched))
        return touched

    def slow_pipeline(job: GenerationJob) -> GenerationJob:
        assert pipeline._claim(job)
        deadline = time.monotonic() + 30
        while sum(touched for _, touched in beats) < 3 and time.monotonic() < deadline:
            time.sleep(interval / 4)  # no database access here while the thread writes (SQLite shares one file)
        assert len(heartbeat_threads(job)) == 1
        job.status, job.finished_at = JobStatus.SUCCEEDED, timezone.now()
        job.save(update_fields=["status", "finished_at"])
        return job

    monkeypatch.setattr(tasks, "generation_job_heartbeat", recorded_heartbeat)
    monkeypatch.setattr(tasks, "generation_run", slow_pipeline)
    job = GenerationJob.objects.create(creator=owner, capsule_type="CODE", language="python", difficulty="easy", provider="catalog")

    assert tasks.run_generation_job(job.pk) == f"succeeded: job {job.pk}"

    assert sum(touched for _, touched in beats) >= 3, beats
    job.refresh_from_db()
    last_touch = max(beat for beat, touched in beats if touched)
    assert job.heartbeat_at == last_touch and job.heartbeat_at > job.started_at
    assert heartbeat_threads(job) == []  # stopped (and joined) when the task returned
    count = len(beats)
    time.sleep(3 * interval)
    assert len(beats) == count
