"""The pipeline offline (LLM_PROVIDER=catalog): the same stages and steps as with a model, drawn from the
catalog, proven by the real judge, with no network at all. Also: how the pipeline writes its progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from django.db import connection

import judges
from capsules.models import Capsule
from generation.agents import AgentCall, FailedAttempt, GenerationRequest
from generation.catalog import blueprint_by_title, pick_blueprint
from generation.catalog_provider import CatalogAgents
from generation.llm import client as llm_client_module
from generation.models import GenerationJob
from generation.pipeline import run_pipeline
from generation.services import generation_run
from judges.reports import ValidationReport

CASES = [
    ("CODE", "python", "easy", "count the words in a sentence"),
    ("DATABASE", "sql", "medium", "join customers and their orders"),
    ("TERMINAL", "bash", "easy", "chmod permissions"),
]


@pytest.fixture(autouse=True)
def offline(settings, monkeypatch):
    settings.LLM_PROVIDER = "catalog"
    settings.GENERATION_MAX_HEALS = 3

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the catalog provider must not build an LLM client")

    monkeypatch.setattr(llm_client_module, "make_sdk", no_network)


def new_job(creator, capsule_type="CODE", language="python", difficulty="easy", prompt="") -> GenerationJob:
    return GenerationJob.objects.create(
        creator=creator, capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt, provider="catalog"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("capsule_type", "language", "difficulty", "prompt"), CASES, ids=[case[0] for case in CASES])
def test_each_capsule_type_succeeds_offline_with_its_steps_recorded(owner, capsule_type, language, difficulty, prompt):
    expected = pick_blueprint(capsule_type=capsule_type, language=language, difficulty=difficulty, prompt=prompt)

    job = generation_run(new_job(owner, capsule_type, language, difficulty, prompt))

    assert job.status == "succeeded" and job.provider == "catalog" and job.heals == 0 and job.error == ""
    steps = list(job.steps.order_by("position"))
    assert [step.agent for step in steps] == ["pedagogist", "coder", "judge", "judge"]
    assert [step.position for step in steps] == [1, 2, 3, 4]
    pedagogist, coder, judge, save = steps
    assert pedagogist.model == coder.model == "catalog"
    assert expected.title in pedagogist.summary and expected.title in coder.summary
    assert pedagogist.output["title"] == expected.title and pedagogist.output["learning_objectives"]
    assert coder.output["title"] == expected.title and coder.parsed_ok
    assert prompt in pedagogist.prompt[0]["content"]
    assert judge.report["passed"] and save.report["passed"]

    capsule = job.result_capsule
    assert capsule is not None and Capsule.objects.get() == capsule
    assert capsule.creator == owner and capsule.status == "validated" and capsule.title == expected.title
    assert capsule.capsule_type == capsule_type and capsule.language == language
    assert 0 < job.quality_score <= 1 and job.judge_seconds > 0


@pytest.mark.django_db
def test_it_does_not_give_a_creator_a_blueprint_they_already_have(owner, other_creator):
    prompt = "count the words in a sentence"
    first = generation_run(new_job(owner, prompt=prompt))
    second = generation_run(new_job(owner, prompt=prompt))
    someone_else = generation_run(new_job(other_creator, prompt=prompt))

    assert first.status == second.status == someone_else.status == "succeeded"
    assert second.result_capsule.title != first.result_capsule.title
    assert first.result_capsule.title in second.steps.get(position=1).prompt[0]["content"]  # named as taken
    assert someone_else.result_capsule.title == first.result_capsule.title  # only the owner's titles are avoided


@pytest.mark.django_db
def test_the_catalog_debugger_replaces_a_capsule_that_fails_with_the_next_closest_blueprint(owner, monkeypatch):
    real_validate = judges.validate
    calls = []

    def failing_once(draft):
        calls.append(draft["title"])
        if len(calls) == 1:
            return ValidationReport(
                passed=False, category="wrong_output", message="The reference solution fails test 1.",
                capsule_type="CODE", language="python",
            )  # fmt: skip
        return real_validate(draft)

    monkeypatch.setattr(judges, "validate", failing_once)

    job = generation_run(new_job(owner, prompt="count the words in a sentence"))

    assert job.status == "succeeded" and job.heals == 1
    steps = list(job.steps.order_by("position"))
    assert [step.agent for step in steps] == ["pedagogist", "coder", "judge", "debugger", "judge", "judge"]
    debugger = steps[3]
    assert debugger.model == "catalog" and debugger.parsed_ok
    assert debugger.summary.startswith("The catalog cannot edit code; took the next closest blueprint")
    assert calls[1] != calls[0] and job.result_capsule.title == calls[1]
    assert blueprint_by_title(calls[1]) is not None


@pytest.mark.django_db
def test_it_fails_as_catalog_exhausted_when_no_blueprint_is_left_to_try(owner, monkeypatch, settings):
    never = ValidationReport(passed=False, category="wrong_output", message="nope", capsule_type="TERMINAL", language="bash")
    monkeypatch.setattr(judges, "validate", lambda draft: never)
    settings.GENERATION_MAX_HEALS = 10
    assert len(_terminal_blueprints()) <= settings.GENERATION_MAX_HEALS

    job = generation_run(new_job(owner, "TERMINAL", "bash", "easy"))

    assert job.status == "failed" and job.error_category == "catalog_exhausted"
    tried = [step.output["title"] for step in job.steps.filter(agent__in=("coder", "debugger"), parsed_ok=True)]
    assert len(tried) == len(set(tried)) == len(_terminal_blueprints())
    assert Capsule.objects.count() == 0 and job.last_report["message"] == "nope"


def _terminal_blueprints():
    from generation.catalog import catalog_blueprints

    return [bp for bp in catalog_blueprints() if bp.capsule_type == "TERMINAL"]


@pytest.mark.django_db
def test_a_finished_job_is_not_run_again(owner):
    job = generation_run(new_job(owner, prompt="prime numbers"))
    steps = job.steps.count()

    again = generation_run(job)

    assert again.status == "succeeded" and again.steps.count() == steps and Capsule.objects.count() == 1


# --- progress: each step is committed as it lands ------------------------------------------------------------------


class WatchingAgents(CatalogAgents):
    """The catalog agents, checking at every call what another connection would see of the job."""

    def __init__(self, job_id: Any) -> None:
        super().__init__()
        self.job_id = job_id
        self.seen: list[tuple[str, str, int, bool]] = []

    def _watch(self, agent: str) -> None:
        job = GenerationJob.objects.get(pk=self.job_id)
        self.seen.append((agent, job.stage, job.steps.count(), connection.in_atomic_block))

    def pedagogist(self, request: GenerationRequest) -> AgentCall:
        self._watch("pedagogist")
        return super().pedagogist(request)

    def coder(self, request: GenerationRequest, idea: Mapping[str, Any], history: Sequence[FailedAttempt] = ()) -> AgentCall:
        self._watch("coder")
        return super().coder(request, idea, history)


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_during_an_agent_call_and_each_step_is_committed_before_the_next(owner):
    job = new_job(owner, difficulty="medium", prompt="word frequencies")
    agents = WatchingAgents(job.pk)

    job = run_pipeline(job, agents=agents)

    assert job.status == "succeeded"
    assert agents.seen == [("pedagogist", "pedagogist", 0, False), ("coder", "coder", 1, False)]
