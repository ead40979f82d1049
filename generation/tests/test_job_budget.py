"""Bounded calls: every agent call carries its output-token cap, and a job that spends its token or time budget
fails with a named category instead of calling the model again (generation/budget.py, generation/llm/limits.py)."""

from __future__ import annotations

import time

import pytest

from capsules.models import Capsule
from generation.budget import JobBudget
from generation.services import generation_run
from generation.tests.test_pipeline_llm import BUGGY_REFERENCE, GOOD, IDEA, new_job
from generation.tests.test_statement_check import CAREFUL, average_draft
from tests.fake_openai import FakeOpenAI, delay, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(fake_openai: FakeOpenAI, settings) -> FakeOpenAI:
    settings.GENERATION_MAX_HEALS = 2
    settings.GENERATION_STATEMENT_CHECK = False
    settings.LLM_MAX_TOKENS_PEDAGOGIST = 700
    settings.LLM_MAX_TOKENS_CODER = 3100
    settings.LLM_MAX_TOKENS_DEBUGGER = 3200
    settings.LLM_MAX_TOKENS_SOLVER = 900
    return fake_openai


def output_caps(fake: FakeOpenAI) -> list[int]:
    return [request.body["max_completion_tokens"] for request in fake.chat_requests]


def test_every_agent_call_asks_for_at_most_its_agents_output_tokens(fake, owner, settings):
    settings.GENERATION_STATEMENT_CHECK = True
    fake.script(reply(IDEA), reply(BUGGY_REFERENCE), reply({"diagnosis": "a + b", "draft": average_draft()}), reply(CAREFUL))
    # The Debugger's fix is another exercise, which is fine here: what matters is what each request asked for.

    generation_run(new_job(owner))

    assert output_caps(fake) == [700, 3100, 3200, 900]


def test_the_job_counts_the_tokens_of_every_call(fake, owner):
    fake.script(
        reply(IDEA, usage=(400, 100)),
        reply(BUGGY_REFERENCE, usage=(900, 600)),
        reply({"diagnosis": "fixed", "draft": GOOD}, usage=(1500, 700)),
    )

    job = generation_run(new_job(owner))

    assert job.status == "succeeded"
    assert (job.prompt_tokens, job.completion_tokens, job.total_tokens) == (2800, 1400, 4200)
    steps = job.steps.exclude(agent="judge")
    assert sum(step.prompt_tokens for step in steps) == job.prompt_tokens


def test_a_job_over_its_token_budget_fails_as_token_budget_before_calling_the_model_again(fake, owner, settings):
    settings.GENERATION_JOB_TOKEN_BUDGET = 1500
    fake.script(reply(IDEA, usage=(400, 100)), reply(BUGGY_REFERENCE, usage=(700, 400)))

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.error_category == "token_budget"
    assert job.error == (
        "The job used 1,600 tokens, its budget is 1,500 (GENERATION_JOB_TOKEN_BUDGET): it stopped instead of calling "
        "the model again."
    )
    assert len(fake.chat_requests) == 2 and fake.unscripted == []  # no Debugger call
    assert output_caps(fake) == [700, 1000]  # the Coder may write no more than the 1,000 tokens left
    assert job.last_report["category"] == "runtime_error"  # the judgement that needed a heal is kept
    assert not Capsule.objects.exists()


def test_a_job_out_of_time_fails_as_time_budget_and_its_last_call_is_cut_short(fake, owner, settings):
    settings.GENERATION_JOB_WALL_SECONDS = 2
    settings.LLM_TIMEOUT_SECONDS = 30
    fake.script(reply(IDEA), delay(8, reply(GOOD)), delay(8, reply(GOOD)), delay(8, reply(GOOD)))

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.error_category == "time_budget"
    assert job.error.startswith("The job ran for 2 s, its budget (GENERATION_JOB_WALL_SECONDS)")
    coder = job.steps.get(agent="coder")
    assert coder.error_kind == "timeout"  # the request's timeout was the 2 s left, not LLM_TIMEOUT_SECONDS
    assert coder.latency_ms < 8000
    assert not Capsule.objects.exists()


def test_a_budget_nearly_spent_cuts_the_next_call_and_then_stops():
    budget = JobBudget(max_tokens=10_000, max_seconds=100, used_tokens=9_000, started=time.monotonic() - 99.5)

    assert budget.tokens_left() == 1_000 and 0 < budget.seconds_left() <= 0.5
    assert budget.call_limits().max_output_tokens == 1_000
    budget.charge(1_000)
    assert budget.exhausted() is not None and budget.exhausted()[0] == "token_budget"
