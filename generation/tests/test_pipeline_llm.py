"""The pipeline with a network LLM: the fake OpenAI-compatible server (tests/fake_openai) plays the model, the
real judge proves every draft in the sandbox. Each test asserts the recorded steps and the saved (or absent)
capsule.

The exercise is a Python `add(a, b)`; the scripts below are what the model "answers", in order.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import judges
from capsules.models import Capsule
from generation.models import AgentStep, GenerationJob
from generation.services import generation_run
from judges.reports import ValidationReport
from tests.fake_openai import FakeOpenAI, delay, http_error, malformed, refusal, reply

pytestmark = pytest.mark.django_db

IDEA = {
    "title": "Add two numbers",
    "learning_objectives": ["Define a function with two parameters", "Return a value"],
    "concepts": ["functions", "return"],
    "description": "Learners write add(a, b), which returns the sum of two integers, including negatives.",
    "difficulty_rationale": "Easy: one expression in one function.",
}

GOOD_REFERENCE = "def add(a, b):\n    return a + b\n"


def code_draft(*, reference: str = GOOD_REFERENCE, first_expected: str = "5\n") -> dict[str, Any]:
    return {
        "title": "Add two numbers",
        "problem_statement_md": "Write `add(a, b)` that returns the sum of two integers.\n\n`add(2, 3)` is `5`.",
        "boilerplate_code": "def add(a, b):\n    # Return the sum of a and b.\n    return 0\n",
        "reference_solution": reference,
        "hints": ["The + operator adds numbers.", "Return the result instead of printing it."],
        "test_cases": [
            {"description": "two positives", "test_call": "print(add(2, 3))", "expected_output": first_expected, "is_hidden": False},
            {"description": "opposites", "test_call": "print(add(-1, 1))", "expected_output": "0\n", "is_hidden": False},
            {"description": "bigger numbers", "test_call": "print(add(10, 20))", "expected_output": "30\n", "is_hidden": True},
            {"description": "two negatives", "test_call": "print(add(-4, -6))", "expected_output": "-10\n", "is_hidden": True},
        ],
    }


GOOD = code_draft()
BUGGY_REFERENCE = code_draft(reference="def add(a, b):\n    return a + c\n")  # NameError on every test
WRONG_EXPECTED = code_draft(first_expected="6\n")  # 2 + 3 is not 6


def hanging_draft(reference: str) -> dict[str, Any]:
    """A draft with 10 tests whose reference never returns (a busy loop or a long sleep)."""
    draft = code_draft(reference=reference)
    draft["test_cases"] += [
        {"description": f"more numbers {n}", "test_call": f"print(add({n}, {n + 1}))",
         "expected_output": f"{2 * n + 1}\n", "is_hidden": True}
        for n in range(1, 7)
    ]  # fmt: skip
    return draft


LOOPING = hanging_draft("def add(a, b):\n    while True:\n        pass\n")  # runs out of CPU time
SLEEPING = hanging_draft("import time\n\n\ndef add(a, b):\n    time.sleep(60)\n    return a + b\n")  # of wall time


def fix(draft: dict[str, Any], diagnosis: str = "The reference used an undefined name; it now returns a + b.") -> dict[str, Any]:
    return {"diagnosis": diagnosis, "draft": copy.deepcopy(draft)}


@pytest.fixture
def fake(fake_openai: FakeOpenAI, settings) -> FakeOpenAI:
    settings.GENERATION_MAX_HEALS = 3
    # These scripts are the Pedagogist/Coder/Debugger exchanges; the Solver's are in test_statement_check.py.
    settings.GENERATION_STATEMENT_CHECK = False
    settings.OPENAI_MODEL = "fake-model"
    for agent in ("PEDAGOGIST", "CODER", "DEBUGGER"):
        setattr(settings, f"LLM_MODEL_{agent}", f"fake-{agent.lower()}")
    return fake_openai


def new_job(owner, prompt: str = "a function that adds two numbers") -> GenerationJob:
    return GenerationJob.objects.create(
        creator=owner, capsule_type="CODE", language="python", difficulty="easy", prompt=prompt, provider="openai"
    )


def steps_of(job: GenerationJob) -> list[AgentStep]:
    return list(job.steps.order_by("position"))


def agents_of(job: GenerationJob) -> list[str]:
    return [step.agent for step in steps_of(job)]


def user_prompt(fake: FakeOpenAI, index: int) -> str:
    return fake.chat_requests[index].messages[-1]["content"]


def assert_script_used_up(fake: FakeOpenAI) -> None:
    assert fake.remaining == 0 and fake.unscripted == []


# --- success ------------------------------------------------------------------------------------------------------


def test_it_saves_a_validated_capsule_when_the_first_draft_passes(fake, owner):
    fake.script(reply(IDEA), reply(GOOD))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded" and job.error == "" and job.heals == 0 and job.stage == ""
    assert agents_of(job) == ["pedagogist", "coder", "judge", "judge"]
    pedagogist, coder, judge, save = steps_of(job)
    assert [pedagogist.model, coder.model] == ["fake-pedagogist", "fake-coder"]
    assert all(step.parsed_ok and step.error == "" for step in steps_of(job))
    assert pedagogist.output["title"] == "Add two numbers" and pedagogist.summary == "Idea: Add two numbers"
    assert [m["role"] for m in pedagogist.prompt] == ["system", "user"]
    assert "a function that adds two numbers" in pedagogist.prompt[1]["content"]
    assert pedagogist.prompt_tokens and pedagogist.completion_tokens and pedagogist.latency_ms > 0
    assert coder.summary == "Wrote “Add two numbers”: 4 tests (2 hidden)"
    assert coder.raw_response and coder.output["config_data"]["reference_solution"] == GOOD_REFERENCE
    assert judge.report["passed"] and judge.summary == judge.report["message"]
    assert save.summary.startswith("Judged again on save")

    capsule = Capsule.objects.get()
    assert job.result_capsule == capsule
    assert capsule.creator == owner and capsule.status == "validated" and capsule.title == "Add two numbers"
    assert capsule.language == "python" and capsule.difficulty == "easy"
    assert 0 < job.quality_score <= 1
    assert job.llm_seconds > 0 and job.judge_seconds > 0 and job.finished_at >= job.started_at
    assert_script_used_up(fake)


def test_the_coder_is_told_the_type_language_and_difficulty_rules_and_the_runtime_conventions(fake, owner):
    fake.script(reply(IDEA), reply(GOOD))

    generation_run(new_job(owner))

    system = fake.chat_requests[1].messages[0]["content"]
    assert "CODE capsule" in system and "Python 3.11" in system and "Easy:" in system
    assert "print(find_largest([1, 5, 2]))" in system  # the runtime's test convention
    assert "Add two numbers" in user_prompt(fake, 1)
    assert fake.chat_requests[1].response_format["type"] == "json_schema"


# --- healing ------------------------------------------------------------------------------------------------------


def test_the_debugger_fixes_a_bug_in_the_reference_solution(fake, owner):
    fake.script(reply(IDEA), reply(BUGGY_REFERENCE), reply(fix(GOOD)))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded" and job.heals == 1
    assert agents_of(job) == ["pedagogist", "coder", "judge", "debugger", "judge", "judge"]
    steps = steps_of(job)
    failed = steps[2]
    assert not failed.parsed_ok and failed.error_kind == "runtime_error"
    assert failed.summary == failed.report["message"] and "add(2, 3)" in failed.summary
    assert steps[3].parsed_ok and steps[3].model == "fake-debugger"
    assert steps[3].summary.startswith("Fix: The reference used an undefined name")
    assert steps[4].parsed_ok and steps[5].parsed_ok
    # The Debugger saw the failing call, the expected and actual output, stderr and the report's message.
    prompt = user_prompt(fake, 2)
    assert "print(add(2, 3))" in prompt and 'Expected output (as a JSON string, exact): "5\\n"' in prompt
    assert 'Actual output (as a JSON string, exact):   ""' in prompt
    assert "NameError: name 'c' is not defined" in prompt
    assert failed.report["message"] in prompt
    assert "return a + c" in prompt  # the current draft
    assert "fix the expected output" in " ".join(fake.chat_requests[2].messages[0]["content"].split())
    capsule = Capsule.objects.get()
    assert capsule.status == "validated" and capsule.config_data["reference_solution"] == GOOD_REFERENCE
    assert_script_used_up(fake)


def test_the_debugger_fixes_a_wrong_expected_output(fake, owner):
    fake.script(reply(IDEA), reply(WRONG_EXPECTED), reply(fix(GOOD, "Test 1 expected 6, but 2 + 3 is 5; fixed the expected output.")))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded" and job.heals == 1
    assert agents_of(job) == ["pedagogist", "coder", "judge", "debugger", "judge", "judge"]
    failed = steps_of(job)[2]
    assert failed.error_kind == "wrong_output" and "printed '5\\n' but '6\\n' was expected" in failed.summary
    prompt = user_prompt(fake, 2)
    assert 'Expected output (as a JSON string, exact): "6\\n"' in prompt
    assert 'Actual output (as a JSON string, exact):   "5\\n"' in prompt
    capsule = Capsule.objects.get()
    assert capsule.config_data["test_cases"][0]["expected_output"] == "5\n"
    assert 0 < job.quality_score < 1
    assert_script_used_up(fake)


def test_a_capsule_that_is_never_fixed_fails_after_the_maximum_heals_and_saves_nothing(fake, owner):
    # Two Debugger heals fail, then the third heal regenerates from the Coder, which fails too.
    fake.script(
        reply(IDEA), reply(BUGGY_REFERENCE), reply(fix(BUGGY_REFERENCE)), reply(fix(BUGGY_REFERENCE)), reply(BUGGY_REFERENCE)
    )

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.heals == 3 and job.stage == ""
    assert job.error_category == "runtime_error"
    assert job.error.startswith("The capsule still fails the judge after 3 heals")
    assert agents_of(job) == ["pedagogist", "coder", "judge", "debugger", "judge", "debugger", "judge", "coder", "judge"]
    judged = [step for step in steps_of(job) if step.agent == "judge"]
    assert [step.parsed_ok for step in judged] == [False, False, False, False]
    assert job.last_report == judged[-1].report and job.last_report["category"] == "runtime_error"
    assert Capsule.objects.count() == 0 and job.result_capsule is None and job.quality_score is None
    # The second Debugger call hears about the first attempt; the regeneration gets the whole history.
    assert "Earlier attempts for this capsule failed like this" in user_prompt(fake, 3)
    regeneration = user_prompt(fake, 4)
    assert "Earlier capsules written for this exercise failed the judge" in regeneration
    assert regeneration.count("[runtime_error]") == 3
    assert steps_of(job)[7].summary.startswith("Rewrote")
    assert_script_used_up(fake)


def test_a_reference_that_hangs_in_every_draft_fails_the_job_as_a_timeout_and_each_judgement_stops_at_its_first_limit(
    fake, owner, settings
):
    settings.JUDGE_WALL_SECONDS = 1
    settings.JUDGE_CPU_SECONDS = 1
    # The Coder's draft loops; both Debugger fixes sleep; the third heal regenerates from the Coder, which loops again.
    fake.script(
        reply(IDEA), reply(LOOPING),
        reply(fix(SLEEPING, "add looped forever; it now waits and returns.")), reply(fix(SLEEPING)), reply(LOOPING),
    )  # fmt: skip

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.heals == 3 and job.stage == ""
    assert job.error_category == "timeout"
    assert job.error.startswith("The capsule still fails the judge after 3 heals")
    assert agents_of(job) == ["pedagogist", "coder", "judge", "debugger", "judge", "debugger", "judge", "coder", "judge"]
    judged = [step for step in steps_of(job) if step.agent == "judge"]
    assert [step.error_kind for step in judged] == ["timeout"] * 4
    # Every judgement stopped at the first test that ran out of time: the other nine were never started.
    for step in judged:
        assert [test["verdict"] for test in step.report["tests"]] == ["TLE"] + ["NR"] * 9
        assert "test 1 (two positives): print(add(2, 3))" in step.report["message"]
    assert job.last_report == judged[-1].report
    assert Capsule.objects.count() == 0 and job.result_capsule is None and job.quality_score is None
    # The Debugger heard which test timed out.
    assert "## Check 1: two positives — verdict TLE" in user_prompt(fake, 2)
    assert "verdict NR" not in user_prompt(fake, 2), "tests the judge did not run are not shown as failing"
    assert_script_used_up(fake)


def test_an_unusable_debugger_answer_counts_as_a_failed_heal_and_the_next_heal_goes_on(fake, owner):
    fake.script(reply(IDEA), reply(WRONG_EXPECTED), malformed("{\"diagnosis\": "), malformed("still not json"), reply(fix(GOOD)))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded" and job.heals == 2
    assert agents_of(job) == ["pedagogist", "coder", "judge", "debugger", "debugger", "judge", "judge"]
    unusable = steps_of(job)[3]
    assert not unusable.parsed_ok and unusable.error_kind == "invalid_json" and unusable.output is None
    assert unusable.raw_response == "still not json"  # the answer to the repair request
    assert Capsule.objects.get().status == "validated"
    assert_script_used_up(fake)


# --- LLM failures -------------------------------------------------------------------------------------------------


def test_malformed_json_then_valid_is_repaired_by_the_client(fake, owner):
    fake.script(malformed('{"title": "Add two numb'), reply(IDEA), reply(GOOD))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded"
    assert agents_of(job) == ["pedagogist", "coder", "judge", "judge"]
    pedagogist = steps_of(job)[0]
    assert pedagogist.parsed_ok and pedagogist.error == ""
    assert pedagogist.summary == "Idea: Add two numbers (2 requests, answer repaired once)"
    assert [m["role"] for m in pedagogist.prompt] == ["system", "user", "assistant", "user"]
    assert pedagogist.prompt[2]["content"] == '{"title": "Add two numb'
    assert user_prompt(fake, 1).startswith("Your previous answer (above) could not be used")
    assert Capsule.objects.count() == 1
    assert_script_used_up(fake)


def test_a_timeout_fails_the_job_with_the_timeout_category_and_saves_nothing(fake, owner, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.3
    settings.LLM_MAX_RETRIES = 0
    fake.script(delay(3, IDEA))

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.error_category == "timeout"
    assert job.error.startswith("The Pedagogist failed (timeout): no answer within 0.3 s")
    assert agents_of(job) == ["pedagogist"]
    step = steps_of(job)[0]
    assert not step.parsed_ok and step.error_kind == "timeout" and step.output is None
    assert step.summary.startswith("Failed (timeout)")
    assert job.last_report is None and Capsule.objects.count() == 0


def test_a_timeout_while_healing_ends_the_job_and_keeps_the_last_report(fake, owner, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.3
    settings.LLM_MAX_RETRIES = 0
    fake.script(reply(IDEA), reply(WRONG_EXPECTED), delay(3, fix(GOOD)))

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.error_category == "timeout" and job.heals == 1
    assert job.error.startswith("The Debugger failed (timeout)")
    assert agents_of(job) == ["pedagogist", "coder", "judge", "debugger"]
    assert job.last_report["category"] == "wrong_output"
    assert Capsule.objects.count() == 0


def test_a_429_is_retried_and_the_job_succeeds(fake, owner):
    fake.script(http_error(429, retry_after=0.01), reply(IDEA), reply(GOOD))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded"
    pedagogist = steps_of(job)[0]
    assert pedagogist.parsed_ok and pedagogist.summary == "Idea: Add two numbers (2 requests)"
    assert [r.headers["x-stainless-retry-count"] for r in fake.chat_requests[:2]] == ["0", "1"]
    assert Capsule.objects.get().status == "validated"
    assert_script_used_up(fake)


def test_a_429_that_persists_fails_the_job_as_rate_limited(fake, owner, settings):
    settings.LLM_MAX_RETRIES = 1
    fake.script(http_error(429), http_error(429))

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.error_category == "rate_limited"
    step = steps_of(job)[0]
    assert step.error_kind == "rate_limited" and "(HTTP 429)" in step.error


def test_a_refusal_fails_the_job_with_the_refusal_category(fake, owner):
    fake.script(reply(IDEA), refusal("I'm sorry, I can't help with that."))

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.error_category == "refusal"
    assert job.error == "The Coder failed (refusal): I'm sorry, I can't help with that."
    assert agents_of(job) == ["pedagogist", "coder"]
    pedagogist, coder = steps_of(job)
    assert pedagogist.parsed_ok and not coder.parsed_ok
    assert coder.error_kind == "refusal" and coder.raw_response == "I'm sorry, I can't help with that."
    assert Capsule.objects.count() == 0
    assert_script_used_up(fake)


def test_a_missing_key_fails_the_job_as_not_configured(owner, settings):
    settings.LLM_PROVIDER = "openai"
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.error_category == "llm_not_configured"
    assert job.steps.count() == 0


# --- the judge's own failures -------------------------------------------------------------------------------------


def test_a_sandbox_outage_is_not_healed(fake, owner, monkeypatch):
    outage = ValidationReport(
        passed=False, category="sandbox_error", message="The capsule could not be judged: no sandbox is available.",
        capsule_type="CODE", language="python",
    )  # fmt: skip
    monkeypatch.setattr(judges, "validate", lambda draft: outage)
    fake.script(reply(IDEA), reply(GOOD))

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.error_category == "sandbox_error" and job.heals == 0
    assert agents_of(job) == ["pedagogist", "coder", "judge"]
    assert Capsule.objects.count() == 0
    assert_script_used_up(fake)


def test_a_second_judgement_that_disagrees_on_save_fails_the_job_as_flaky_and_keeps_no_capsule(fake, owner, monkeypatch):
    from capsules import services as capsule_services

    def disagreeing_judge(draft, *, new=True):
        return {"passed": False, "category": "flaky", "message": "Test 1 gave different results on two runs."}

    monkeypatch.setattr(capsule_services, "judge_capsule", disagreeing_judge)
    fake.script(reply(IDEA), reply(GOOD))

    job = generation_run(new_job(owner))

    assert job.status == "failed" and job.error_category == "flaky"
    assert agents_of(job) == ["pedagogist", "coder", "judge", "judge"]
    last = steps_of(job)[-1]
    assert not last.parsed_ok and last.summary.startswith("Judged again on save and it failed")
    assert job.last_report["message"] == "Test 1 gave different results on two runs."
    assert Capsule.objects.count() == 0 and job.result_capsule is None
