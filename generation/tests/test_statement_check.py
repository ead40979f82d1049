"""The statement check in the pipeline: after a draft passes the judge, the Solver (played by the fake server)
writes a solution from the learner's view and the real judge runs it on every test.

The exercise is `average(numbers)`; its hidden test expects 0.0 for an empty list, which the first statement does
not say: a solution written from that statement alone divides by zero there.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from generation.models import GenerationJob
from generation.services import generation_run
from tests.fake_openai import FakeOpenAI, malformed, reply

pytestmark = pytest.mark.django_db

IDEA = {
    "title": "Average of a list",
    "learning_objectives": ["Sum a list", "Handle an empty list"],
    "concepts": ["lists", "division"],
    "description": "Learners write average(numbers), the mean of a list of numbers.",
    "difficulty_rationale": "Easy: one function, one edge case.",
}
REFERENCE = "def average(numbers):\n    if not numbers:\n        return 0.0\n    return sum(numbers) / len(numbers)\n"
SILENT = "Write `average(numbers)` that returns the mean of a list of numbers.\n\n`average([2, 4])` is `3.0`."
CLEAR = SILENT + "\n\nThe average of an empty list is `0.0`."


def average_draft(statement: str = SILENT) -> dict[str, Any]:
    return {
        "title": "Average of a list",
        "problem_statement_md": statement,
        "boilerplate_code": "def average(numbers):\n    return 0\n",
        "reference_solution": REFERENCE,
        "hints": ["sum() adds a list.", "An empty list has no mean to divide."],
        "test_cases": [
            {"description": "two numbers", "test_call": "print(average([2, 4]))", "expected_output": "3.0\n", "is_hidden": False},
            {"description": "four numbers", "test_call": "print(average([1, 2, 3, 4]))", "expected_output": "2.5\n", "is_hidden": False},
            {"description": "empty list", "test_call": "print(average([]))", "expected_output": "0.0\n", "is_hidden": True},
            {"description": "one number", "test_call": "print(average([5]))", "expected_output": "5.0\n", "is_hidden": True},
        ],
    }  # fmt: skip


NAIVE = {"approach": "Divide the sum by the length.", "solution": "def average(numbers):\n    return sum(numbers) / len(numbers)\n"}
CAREFUL = {
    "approach": "0.0 for an empty list, else sum / len.",
    "solution": "def average(xs):\n    return sum(xs) / len(xs) if xs else 0.0\n",
}


def clarified() -> dict[str, Any]:
    return {"diagnosis": "The statement did not say what an empty list gives; it now does.", "draft": average_draft(CLEAR)}


@pytest.fixture
def fake(fake_openai: FakeOpenAI, settings) -> FakeOpenAI:
    settings.GENERATION_MAX_HEALS = 2
    settings.GENERATION_STATEMENT_CHECK = True
    settings.OPENAI_MODEL = "fake-model"
    settings.LLM_MODEL_SOLVER = "fake-solver"
    return fake_openai


def new_job(owner) -> GenerationJob:
    return GenerationJob.objects.create(
        creator=owner, capsule_type="CODE", language="python", difficulty="easy", prompt="the average of a list", provider="openai"
    )


def agents_of(job: GenerationJob) -> list[str]:
    return [step.agent for step in job.steps.order_by("position")]


def test_a_solution_from_the_statement_alone_that_passes_every_test_is_recorded_on_the_job_and_the_capsule(fake, owner):
    fake.script(reply(IDEA), reply(average_draft(CLEAR)), reply(CAREFUL))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded" and job.heals == 0
    assert agents_of(job) == ["pedagogist", "coder", "judge", "solver", "judge", "judge"]
    solver, check = list(job.steps.order_by("position"))[3:5]
    assert solver.model == "fake-solver" and solver.summary == "Solved from the statement: 0.0 for an empty list, else sum / len."
    assert check.summary == "Statement check: An independent solution written from the statement alone passes all 4 tests."
    expected = {
        "status": "agreed", "passed": 4, "total": 4, "solver_model": "fake-solver",
        "message": "An independent solution written from the statement alone passes all 4 tests.",
    }  # fmt: skip
    assert job.statement_check == expected
    capsule = Capsule.objects.get()
    assert capsule.status == "validated" and capsule.validation_report["passed"]
    assert capsule.validation_report["statement_check"] == expected
    assert fake.remaining == 0 and fake.unscripted == []


def test_the_solver_sees_only_what_a_learner_sees(fake, owner):
    fake.script(reply(IDEA), reply(average_draft(CLEAR)), reply(CAREFUL))

    generation_run(new_job(owner))

    solver_request = fake.chat_requests[2]
    assert solver_request.body["model"] == "fake-solver"
    text = "\n".join(message["content"] for message in solver_request.messages)
    assert CLEAR in text and "def average(numbers):\n    return 0\n" in text  # statement and starting code
    assert "print(average([2, 4]))" in text and '"3.0\\n"' in text and "print(average([1, 2, 3, 4]))" in text
    for secret in ("if not numbers", "average([])", "average([5])", "5.0", "empty list\n", "Average of a list\n\nLearners"):
        assert secret not in text, secret  # the reference, the hidden tests' calls and outputs, the idea


def test_a_disagreement_goes_to_the_debugger_with_both_programs_and_the_fix_is_checked_again(fake, owner):
    fake.script(reply(IDEA), reply(average_draft(SILENT)), reply(NAIVE), reply(clarified()), reply(CAREFUL))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded" and job.heals == 1
    assert agents_of(job) == ["pedagogist", "coder", "judge", "solver", "judge", "debugger", "judge", "solver", "judge", "judge"]
    disagreement = list(job.steps.order_by("position"))[4]
    assert not disagreement.parsed_ok and disagreement.error_kind == "statement_disagreement"
    debugger_prompt = fake.chat_requests[3].messages[-1]["content"]
    assert "Category: statement_disagreement" in debugger_prompt
    assert NAIVE["solution"] in debugger_prompt and json.dumps(REFERENCE) in debugger_prompt  # both programs
    assert "print(average([]))" in debugger_prompt and '"0.0\\n"' in debugger_prompt and "ZeroDivisionError" in debugger_prompt
    assert job.statement_check["status"] == "agreed"
    capsule = Capsule.objects.get()
    assert capsule.status == "validated" and capsule.problem_statement_md == CLEAR


def test_a_disagreement_that_outlasts_the_heals_is_saved_as_a_draft_with_the_disagreement_explained(fake, owner, settings):
    settings.GENERATION_MAX_HEALS = 1
    unhelpful = {"diagnosis": "The Solver erred; the statement is clear.", "draft": average_draft(SILENT)}
    fake.script(reply(IDEA), reply(average_draft(SILENT)), reply(NAIVE), reply(unhelpful), reply(NAIVE))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded" and job.heals == 1 and job.error_category == ""
    assert job.statement_check["status"] == "disagreed"
    assert (job.statement_check["passed"], job.statement_check["total"]) == (3, 4)
    capsule = Capsule.objects.get()
    assert job.result_capsule == capsule and capsule.status == "draft"
    report = capsule.validation_report
    assert not report["passed"] and report["category"] == "statement_disagreement"
    assert report["message"].startswith(
        "Saved as a draft: the capsule passes its own tests, but a solution written from the statement alone fails 1 of 4 tests"
    )
    assert "after 1 heal:" in report["message"]
    assert report["problems"][0]["category"] == "statement_disagreement"
    assert report["statement_check"]["status"] == "disagreed"


def test_a_solver_without_a_usable_answer_leaves_the_check_unmade_and_the_capsule_validated(fake, owner):
    fake.script(reply(IDEA), reply(average_draft(CLEAR)), malformed("not json"), malformed("still not json"))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded"
    assert job.statement_check["status"] == "failed"
    assert job.statement_check["message"] == "Not made: the Solver gave no usable answer (invalid_json)."
    capsule = Capsule.objects.get()
    assert capsule.status == "validated" and capsule.validation_report["statement_check"]["status"] == "failed"


def test_the_setting_turns_the_check_off_and_the_record_says_so(fake, owner, settings):
    settings.GENERATION_STATEMENT_CHECK = False
    fake.script(reply(IDEA), reply(average_draft(SILENT)))

    job = generation_run(new_job(owner))

    assert agents_of(job) == ["pedagogist", "coder", "judge", "judge"]
    assert job.statement_check["status"] == "skipped"
    assert job.statement_check["message"] == "The statement check is turned off (GENERATION_STATEMENT_CHECK=0)."
    assert Capsule.objects.get().validation_report["statement_check"]["status"] == "skipped"


def test_the_offline_catalog_has_no_solver_and_says_so(owner, settings, django_capture_on_commit_callbacks):
    settings.LLM_PROVIDER = "catalog"
    job = GenerationJob.objects.create(
        creator=owner, capsule_type="CODE", language="python", difficulty="easy", prompt="", provider="catalog"
    )

    job = generation_run(job)

    assert job.status == "succeeded" and "solver" not in agents_of(job)
    assert job.statement_check == {
        "status": "skipped", "passed": 0, "total": 0, "solver_model": "",
        "message": "No statement check: the offline catalog has no Solver: its exercises are written and reviewed by people.",
    }  # fmt: skip
    assert job.result_capsule.validation_report["statement_check"]["status"] == "skipped"


def test_a_pasted_answer_in_a_database_draft_is_caught_by_the_hidden_dataset(fake, owner, settings):
    """DATABASE: the Solver's query runs on the visible data and the hidden dataset, as a learner's Submit does."""
    settings.GENERATION_MAX_HEALS = 0
    sample = copy.deepcopy(capsule_data("DATABASE"))
    config = sample["config_data"]
    draft = {
        "title": sample["title"], "problem_statement_md": sample["problem_statement_md"],
        "boilerplate_code": config["boilerplate_code"], "reference_solution": config["reference_solution"],
        "hints": config["hints"], "schema_info": config["schema_info"], "seed_sql": config["seed_sql"],
        "hidden_seed_sql": config["hidden_seed_sql"],
    }  # fmt: skip
    pasted = {"approach": "The rows the sample shows.", "solution": "SELECT 'Ada' AS name UNION ALL SELECT 'Grace' ORDER BY name"}
    fake.script(reply(IDEA), reply(draft), reply(pasted))
    job = GenerationJob.objects.create(
        creator=owner, capsule_type="DATABASE", language="sql", difficulty="easy", prompt="customers in Berlin", provider="openai"
    )
    job = generation_run(job)

    assert job.statement_check["status"] == "disagreed" and (job.statement_check["passed"], job.statement_check["total"]) == (1, 2)
    solver_text = "\n".join(message["content"] for message in fake.chat_requests[2].messages)
    assert "'Ada'" in solver_text and "Ken" not in solver_text  # the visible sample, never the hidden dataset
    assert Capsule.objects.get().status == "draft"


def test_the_job_page_the_api_and_the_capsule_page_show_the_check_and_the_tokens(fake, owner, client):
    from django.urls import reverse

    fake.script(reply(IDEA, usage=(500, 80)), reply(average_draft(CLEAR), usage=(2000, 600)), reply(CAREFUL, usage=(900, 60)))
    job = generation_run(new_job(owner))
    client.force_login(owner)

    page = client.get(reverse("generation:job_detail", kwargs={"job_id": job.pk})).content.decode()
    assert 'data-statement-check="agreed"' in page
    assert "An independent solution written from the statement alone passes all 4 tests." in page
    assert "4,140 <span class=\"muted\">(3,400 prompt, 740 output)</span>" in page
    assert "Solved from the statement: 0.0 for an empty list, else sum / len." in page  # the Solver's step in the timeline
    api = client.get(reverse("api-generation-job", kwargs={"job_id": job.pk})).json()
    assert (api["prompt_tokens"], api["completion_tokens"]) == (3400, 740)
    assert api["statement_check"]["status"] == "agreed" and api["capsule"]["status"] == "validated"
    capsule_page = client.get(reverse("capsules:detail", kwargs={"capsule_id": job.result_capsule_id})).content.decode()
    assert 'data-statement-check="agreed"' in capsule_page and "Statement check at generation" in capsule_page


def test_the_job_page_of_a_disagreement_offers_the_draft_for_review(fake, owner, client, settings):
    from django.urls import reverse

    settings.GENERATION_MAX_HEALS = 0
    fake.script(reply(IDEA), reply(average_draft(SILENT)), reply(NAIVE))
    job = generation_run(new_job(owner))
    client.force_login(owner)

    page = client.get(reverse("generation:job_detail", kwargs={"job_id": job.pk})).content.decode()

    assert "Saved as a draft for you to review" in page and "Done: saved as a draft, the statement check disagrees" in page
    assert 'data-statement-check="disagreed"' in page and "after 0 heals" in page


def test_the_admin_shows_the_check_and_the_tokens(fake, owner, admin_client):
    from django.urls import reverse

    fake.script(reply(IDEA, usage=(500, 80)), reply(average_draft(CLEAR), usage=(2000, 600)), reply(CAREFUL, usage=(900, 60)))
    job = generation_run(new_job(owner))

    page = admin_client.get(reverse("admin:generation_generationjob_change", args=[job.pk])).content.decode()

    assert "agreed: An independent solution written from the statement alone passes all 4 tests." in page
    assert '<div class="readonly">3400</div>' in page and '<div class="readonly">740</div>' in page


def test_a_debugger_that_cannot_be_reached_after_a_disagreement_keeps_the_judged_draft_as_a_draft(fake, owner, settings):
    from tests.fake_openai import http_error

    settings.LLM_MAX_RETRIES = 0
    fake.script(reply(IDEA), reply(average_draft(SILENT)), reply(NAIVE), http_error(503))

    job = generation_run(new_job(owner))

    assert job.status == "succeeded" and job.statement_check["status"] == "disagreed"
    assert job.steps.order_by("-position").values_list("agent", flat=True)[1] == "debugger"  # then the save's judgement
    capsule = Capsule.objects.get()
    assert capsule.status == "draft" and capsule.problem_statement_md == SILENT
    assert capsule.validation_report["category"] == "statement_disagreement"
