"""A worker killed in the middle of a generation job. The job ends failed with a reason, no capsule is
half-saved, and the next job runs.

A real django-q2 cluster (production settings, Redis broker, 2 workers) runs an LLM-backed job against the fake
OpenAI server (tests/fake_openai), which holds the Pedagogist's answer, so the job is mid-flight: running, its
worker inside the LLM call, its heartbeat thread stamping heartbeat_at every second. Then:

1. the worker processing `generation-<job id>` is SIGKILLed (nothing in it can record anything);
2. the creator keeps watching the job page (the htmx poll, through Django's test client in this process, which
   reaps the job it shows once it is silent for GENERATION_LOST_AFTER_SECONDS): within LOST_BOUND_SECONDS the
   job is failed as worker_lost with the reason, and no capsule exists;
3. django-q2's sentinel has replaced the dead worker (two workers again, the killed pid gone);
4. the creator retries: the same cluster runs the new job (scripted to succeed at once) to a saved capsule.

The cluster runs with GENERATION_HEARTBEAT_SECONDS=1 and GENERATION_LOST_AFTER_SECONDS=4 (this process too, for
the page's reaper). The minutely schedule is the same reaper (generation/tests/test_reaper.py) but too slow to
wait for here. Deadlines are generous: the machine has 2 cores shared with other test runs.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule
from generation.models import GenerationJob, JobStatus
from generation.services import WORKER_LOST_ERROR, generation_job_create, generation_job_retry
from generation.tests.test_pipeline_llm import GOOD, IDEA
from prodtests.stack import wait_for
from tests.fake_openai import FakeOpenAI, delay, reply

HEARTBEAT_SECONDS = 1
LOST_AFTER_SECONDS = 4
HOLD_SECONDS = 300  # the killed job's Pedagogist answer never comes (the fake wakes it when it stops)
START_BOUND_SECONDS = 90  # job committed → a worker processing it, running, one heartbeat landed (2 busy cores)
LOST_BOUND_SECONDS = 20  # kill → the page shows the job failed (LOST_AFTER_SECONDS plus polling and slack)
REINCARNATE_BOUND_SECONDS = 30  # kill → the sentinel has spawned a replacement worker
SUCCESS_BOUND_SECONDS = 180  # retry → succeeded: two scripted answers and two sandboxed judgements

pytestmark = pytest.mark.django_db(transaction=True)


def job_now(job: GenerationJob) -> GenerationJob:
    return GenerationJob.objects.get(pk=job.pk)


def test_a_worker_killed_mid_job_fails_the_job_saves_nothing_and_the_next_job_runs(start_qcluster, settings, caplog):
    with FakeOpenAI() as fake:
        fake.configure(settings)  # this process: the job records provider openai
        settings.GENERATION_HEARTBEAT_SECONDS = HEARTBEAT_SECONDS
        settings.GENERATION_LOST_AFTER_SECONDS = LOST_AFTER_SECONDS
        # Job 1: the Pedagogist's answer is held; job 2 (the retry): idea, then a draft that passes the judge.
        fake.script(delay(HOLD_SECONDS, reply(IDEA)), reply(IDEA), reply(GOOD))
        cluster = start_qcluster(
            LLM_PROVIDER="openai",
            OPENAI_API_KEY="test",
            OPENAI_BASE_URL=fake.base_url,
            OPENAI_MODEL="fake-model",
            LLM_TIMEOUT_SECONDS="120",  # the held call must not time out (and retry) before the kill
            LLM_MAX_RETRIES="0",  # one request per answer: the retry's answers stay in order
            Q_WORKERS="2",
            GENERATION_STATEMENT_CHECK="0",  # the script holds the Pedagogist's and the Coder's answers only
            GENERATION_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
            GENERATION_LOST_AFTER_SECONDS=str(LOST_AFTER_SECONDS),
        )
        creator = User.objects.create_user("killed-worker-owner", "killed@example.com", "killed-worker-pass-123")
        page = Client()
        page.force_login(creator)

        # The job is running in a worker, inside the held LLM call, and its heartbeat is beating.
        job = generation_job_create(creator=creator, capsule_type="CODE", language="python", difficulty="easy", prompt="add two numbers")
        task_name = f"generation-{job.pk}"
        pid = wait_for(
            lambda: cluster.worker_running(task_name),
            seconds=START_BOUND_SECONDS,
            what=f"a worker processing {task_name}",
            log=cluster.log_tail,
        )
        wait_for(
            lambda: len(fake.chat_requests) >= 1,
            seconds=START_BOUND_SECONDS,
            what="the Pedagogist call reached the fake",
            log=cluster.log_tail,
        )

        def beating() -> bool:
            current = job_now(job)
            return current.status == JobStatus.RUNNING and current.heartbeat_at is not None and current.heartbeat_at > current.started_at

        wait_for(beating, seconds=START_BOUND_SECONDS, what="the running job's first heartbeat", log=cluster.log_tail)
        workers_before = cluster.worker_pids()
        assert pid in workers_before and len(workers_before) == 2

        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()

        # The creator's page (the htmx poll) shows the job failed, with the reason, once the worker is silent.
        url = reverse("generation:job_detail", kwargs={"job_id": job.pk})

        def failed_on_the_page() -> GenerationJob | None:
            response = page.get(url, HTTP_HX_REQUEST="true")
            assert response.status_code == 200
            current = job_now(job)
            if current.status == JobStatus.RUNNING:
                return None
            assert "it was killed or lost" in response.content.decode()
            return current

        lost = wait_for(failed_on_the_page, seconds=LOST_BOUND_SECONDS, what="the page shows the killed job failed", log=cluster.log_tail)
        lost_after = time.monotonic() - killed_at
        assert lost.status == JobStatus.FAILED and lost.error_category == "worker_lost" and lost.error == WORKER_LOST_ERROR
        assert lost.stage == "" and lost.finished_at is not None and lost.result_capsule is None
        assert (lost.finished_at - lost.heartbeat_at).total_seconds() >= LOST_AFTER_SECONDS  # silent long enough
        assert f"generation job {job.pk} failed as worker_lost" in caplog.text  # reaped here, by the page's request
        assert not Capsule.objects.exists(), "a capsule was saved for the killed job"
        assert [step.agent for step in lost.steps.order_by("position")] == []  # it died inside its first LLM call

        # The sentinel replaced the dead worker.
        def replaced() -> list[int]:
            pids = cluster.worker_pids()
            return pids if len(pids) == 2 and pid not in pids else []

        wait_for(replaced, seconds=REINCARNATE_BOUND_SECONDS, what="two workers again, without the killed one", log=cluster.log_tail)
        assert cluster.alive()

        # The creator retries; the same cluster runs the new job to a saved capsule.
        retry = generation_job_retry(job=lost, actor=creator)

        def finished() -> GenerationJob | None:
            current = job_now(retry)
            return current if current.is_finished else None

        done = wait_for(finished, seconds=SUCCESS_BOUND_SECONDS, what="the retried job finished", log=cluster.log_tail)
        assert done.status == JobStatus.SUCCEEDED, (done.error_category, done.error, cluster.log_tail())
        assert done.result_capsule is not None and done.retry_of_id == job.pk
        assert list(Capsule.objects.values_list("pk", flat=True)) == [done.result_capsule.pk]
        assert fake.unscripted == [] and fake.remaining == 0
        assert cluster.alive() and len(cluster.worker_pids()) == 2
        assert job_now(job).error_category == "worker_lost"  # nothing revived the killed job
        print(f"killed worker {pid}; job failed as worker_lost {lost_after:.1f} s later; retry succeeded")
