"""A queued job whose task was lost before any worker took it (Redis restarted without persistence, a
cluster killed holding fetched tasks, the broker down when the job was saved) is sent again by the minutely sweep
(generation.services.generation_jobs_resend_stuck); a duplicate task is harmless because only one worker can
claim a queued job (generation.pipeline._claim). prodtests/test_fault_queue.py loses a real task in Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from generation import pipeline, services, tasks
from generation.models import GenerationJob, JobStatus
from generation.services import generation_jobs_resend_stuck

WINDOW = 300

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _window(settings):
    settings.GENERATION_RESEND_QUEUED_AFTER_SECONDS = WINDOW
    cache.clear()


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """The jobs whose task was (re)sent, instead of queueing them."""
    calls: list[str] = []
    monkeypatch.setattr(services, "enqueue_generation_job", lambda job: calls.append(str(job.pk)))
    return calls


def test_a_job_queued_longer_than_the_window_is_sent_again_once_per_window(make_job, owner, sent, caplog):
    stuck = make_job(owner, status=JobStatus.QUEUED, created_ago=timedelta(seconds=WINDOW + 5))

    assert generation_jobs_resend_stuck() == 1
    assert generation_jobs_resend_stuck() == 0  # the next sweep, a minute later: still inside its window

    assert sent == [str(stuck.pk)]
    assert f"generation job {stuck.pk} still queued after {WINDOW} s: its task was sent again" in caplog.text


def test_young_queued_jobs_and_jobs_past_queued_are_left_alone(make_job, owner, sent):
    make_job(owner, status=JobStatus.QUEUED, created_ago=timedelta(seconds=WINDOW - 30))
    for status in (JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED):
        make_job(owner, status=status, created_ago=timedelta(seconds=WINDOW * 3))

    assert generation_jobs_resend_stuck() == 0
    assert sent == []


def test_a_broker_still_down_is_tried_again_at_the_next_sweep(make_job, owner, monkeypatch, caplog):
    stuck = make_job(owner, status=JobStatus.QUEUED, created_ago=timedelta(seconds=WINDOW + 5))
    attempts: list[str] = []

    def broker_down(job):
        attempts.append(str(job.pk))
        raise ConnectionError("Redis is unreachable")

    monkeypatch.setattr(services, "enqueue_generation_job", broker_down)
    assert generation_jobs_resend_stuck() == 0
    assert generation_jobs_resend_stuck() == 0
    assert attempts == [str(stuck.pk)] * 2
    assert "re-sending its task failed" in caplog.text


def test_the_minutely_schedule_also_resends(make_job, owner, sent):
    stuck = make_job(owner, status=JobStatus.QUEUED, created_ago=timedelta(seconds=WINDOW + 5))

    assert tasks.reap_lost_generation_jobs() == 1
    assert sent == [str(stuck.pk)]


def test_a_job_saved_while_the_broker_is_down_stays_queued_for_the_sweep(owner, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(job):
        raise ConnectionError("Redis is unreachable")

    monkeypatch.setattr(services, "enqueue_generation_job", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.generation_job_create(creator=owner, capsule_type="CODE", language="python", difficulty="easy", prompt="sum")

    assert GenerationJob.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_only_one_of_two_tasks_for_a_job_claims_it(make_job, owner):
    job = make_job(owner, status=JobStatus.QUEUED)
    first, second = GenerationJob.objects.get(pk=job.pk), GenerationJob.objects.get(pk=job.pk)  # two workers' copies

    assert pipeline._claim(first) is True
    assert pipeline._claim(second) is False
    assert second.status == JobStatus.RUNNING  # refreshed: the loser sees who won, and runs nothing
    assert pipeline.run_pipeline(second) is second
    assert GenerationJob.objects.get(pk=job.pk).stage == pipeline.STAGE_PEDAGOGIST  # untouched by the loser
