"""A generation job whose task is lost in the broker before any worker took it (here: Redis flushed, as a
Redis restarted without persistence leaves it) is not stuck for ever. The minutely sweep sends its task again once
it has been queued for GENERATION_RESEND_QUEUED_AFTER_SECONDS, a real django-q2 cluster runs it to a saved capsule,
and a duplicate task for the same job is skipped (one claim per job), so exactly one capsule exists."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.utils import timezone
from django_q.brokers import get_broker

from capsules.models import Capsule
from generation import services, tasks
from generation.models import GenerationJob, JobStatus
from generation.services import generation_job_create
from generation.tests.test_pipeline_llm import GOOD, IDEA
from prodtests.stack import wait_for
from tests.fake_openai import FakeOpenAI, reply

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_job_whose_task_was_lost_is_sent_again_and_runs_once(start_qcluster, settings):
    creator = User.objects.create_user("lost-task-owner", "lost@example.com", "lost-task-pass-123")
    with FakeOpenAI() as fake:
        fake.configure(settings)
        fake.script(reply(IDEA), reply(GOOD))

        job = generation_job_create(creator=creator, capsule_type="CODE", language="python", difficulty="easy", prompt="add two numbers")
        assert get_broker().queue_size() == 1
        redis.Redis.from_url(django_settings.REDIS_URL).flushdb()  # the broker loses the task

        cluster = start_qcluster(
            LLM_PROVIDER="openai", OPENAI_API_KEY="test", OPENAI_BASE_URL=fake.base_url, OPENAI_MODEL="fake-model",
            LLM_MAX_RETRIES="0", Q_WORKERS="2",
            GENERATION_STATEMENT_CHECK="0",  # the script holds the Pedagogist's and the Coder's answers only
        )  # fmt: skip
        time.sleep(3)  # a healthy cluster with an empty queue: nothing runs the job
        assert GenerationJob.objects.get(pk=job.pk).status == JobStatus.QUEUED

        # Queued for longer than the window: the sweep (what the minutely schedule runs) sends the task again.
        GenerationJob.objects.filter(pk=job.pk).update(
            created_at=timezone.now() - timedelta(seconds=settings.GENERATION_RESEND_QUEUED_AFTER_SECONDS + 1)
        )
        assert tasks.reap_lost_generation_jobs() == 1

        done = wait_for(
            lambda: (current := GenerationJob.objects.get(pk=job.pk)).is_finished and current,
            seconds=180, what="the re-sent job finished", log=cluster.log_tail,
        )  # fmt: skip
        assert done.status == JobStatus.SUCCEEDED, (done.error_category, done.error)

        # A second copy of the task (sent while the first waited behind a long queue) runs nothing: the job is no
        # longer queued, and only a queued job can be claimed (the claim race itself: generation/tests/test_resend.py).
        services.enqueue_generation_job(done)
        wait_for(lambda: get_broker().queue_size() == 0, seconds=30, what="the duplicate task was taken", log=cluster.log_tail)
        time.sleep(2)
        assert list(Capsule.objects.values_list("pk", flat=True)) == [done.result_capsule_id]
        assert fake.remaining == 0 and fake.unscripted == []
