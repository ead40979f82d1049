"""Offline, a request no catalog exercise fits: the job ends as no_match (nothing saved) and offers the closest
exercises; taking one starts a job for exactly that exercise. The pipeline, the job page, its POST and the API."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

import judges
from capsules.models import Capsule
from generation.models import GenerationJob, JobStatus
from generation.services import generation_run
from generation.tests.test_pipeline_catalog import new_job, offline  # noqa: F401 (offline: an autouse fixture)
from judges.reports import ValidationReport

pytestmark = pytest.mark.django_db

NO_MATCH_MESSAGE = "The offline catalog has no exercise about “second largest value” in Python."
SUGGESTIONS = [
    {"title": "Sum of the even numbers", "summary": "Learners write sum_even(numbers).", "difficulty": "easy",
     "why": "Nothing in common with the topic; same kind of exercise, same difficulty (easy)."},
    {"title": "Is it a prime number?", "summary": "Learners write is_prime(n) by trial division.", "difficulty": "easy",
     "why": "Nothing in common with the topic; same kind of exercise, same difficulty (easy)."},
]  # fmt: skip


@pytest.fixture
def no_match_job(make_job, owner):
    return make_job(owner, status=JobStatus.NO_MATCH, prompt="second largest value", error=NO_MATCH_MESSAGE,
                    error_category="no_catalog_match", suggestions=SUGGESTIONS)  # fmt: skip


def page_url(job: GenerationJob) -> str:
    return reverse("generation:job_detail", kwargs={"job_id": job.pk})


def take_url(job: GenerationJob) -> str:
    return reverse("generation:job_take_suggestion", kwargs={"job_id": job.pk})


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- The pipeline -----------------------------------------------------------------------------------------


def test_a_request_the_catalog_has_nothing_for_ends_as_no_match_and_saves_nothing(owner, monkeypatch):
    monkeypatch.setattr(judges, "validate", lambda draft: pytest.fail("nothing should reach the judge"))

    job = generation_run(new_job(owner, prompt="second largest value"))

    assert job.status == JobStatus.NO_MATCH and job.is_finished and job.result_capsule is None
    assert job.error_category == "no_catalog_match" and job.error == NO_MATCH_MESSAGE
    assert job.stage == "" and job.finished_at is not None and job.quality_score is None
    assert len(job.suggestions) == 3 and {item["difficulty"] for item in job.suggestions} <= {"easy", "medium", "hard"}
    assert {item["title"] for item in job.suggestions} <= {"Sum of the even numbers", "Is it a prime number?",
                                                           "Count the words in a sentence"}  # fmt: skip
    (step,) = job.steps.all()
    assert (step.agent, step.parsed_ok, step.error_kind) == ("pedagogist", False, "no_catalog_match")
    assert Capsule.objects.count() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.NO_MATCH and job.suggestions[0]["why"]


def test_taking_a_suggestion_runs_a_job_for_exactly_that_exercise_to_a_validated_capsule(client, owner, django_capture_on_commit_callbacks):
    asked = generation_run(new_job(owner, "DATABASE", "sql", "hard", prompt="second highest salary"))
    assert asked.status == JobStatus.NO_MATCH and Capsule.objects.count() == 0
    chosen = asked.suggestions[0]
    assert chosen["title"] == "Top earners in every department"
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(take_url(asked), {"title": chosen["title"]})

    taken = GenerationJob.objects.exclude(pk=asked.pk).get()
    assert response.status_code == 302 and response["Location"] == page_url(taken)
    assert taken.status == JobStatus.SUCCEEDED, taken.error
    assert (taken.catalog_pick, taken.provider, taken.prompt) == (chosen["title"], "catalog", chosen["title"])
    assert (taken.capsule_type, taken.language, taken.difficulty) == ("DATABASE", "sql", "hard")
    capsule = taken.result_capsule
    assert capsule.title == chosen["title"] and capsule.status == "validated" and capsule.creator == owner
    assert "you chose it" in taken.steps.get(position=1).summary


def test_a_chosen_exercise_that_fails_the_judge_is_not_replaced_by_another(owner, monkeypatch):
    failing = ValidationReport(passed=False, category="wrong_output", message="nope", capsule_type="CODE", language="python")
    monkeypatch.setattr(judges, "validate", lambda draft: failing)
    job = GenerationJob.objects.create(creator=owner, capsule_type="CODE", language="python", difficulty="easy",
                                       prompt="Sum of the even numbers", provider="catalog",
                                       catalog_pick="Sum of the even numbers")  # fmt: skip

    job = generation_run(job)

    assert job.status == JobStatus.FAILED and job.error_category == "catalog_exhausted"
    titles = {step.output["title"] for step in job.steps.filter(agent__in=("pedagogist", "coder"), parsed_ok=True)}
    assert titles == {"Sum of the even numbers"} and Capsule.objects.count() == 0


# --- The job page ------------------------------------------------------------------------------------------


def test_the_page_says_there_is_no_match_and_offers_each_suggestion_with_a_button(client, owner, no_match_job):
    client.force_login(owner)

    response = client.get(page_url(no_match_job))

    html = response.content.decode()
    page = text(html)
    assert response.status_code == 200
    assert "No catalog match" in page and "No catalog exercise fits this request" in page
    assert f"{NO_MATCH_MESSAGE} Nothing was saved." in page
    assert "Succeeded" not in page and "Retry" not in page
    for suggestion in SUGGESTIONS:
        assert suggestion["title"] in page and suggestion["summary"] in page
        assert f"Why it is close: {suggestion['why']}" in page
        assert f'<input type="hidden" name="title" value="{suggestion["title"]}">' in html
    forms = re.findall(r'<form method="post" action="([^"]+)">\s*<input type="hidden" name="csrfmiddlewaretoken"', html)
    assert forms == [take_url(no_match_job)] * len(SUGGESTIONS)
    refine = "/create/?type=CODE&amp;language=python&amp;difficulty=easy&amp;prompt=second+largest+value"
    assert f'href="{refine}"' in html and "Change the request" in page
    assert "Offline mode: exercises come from the built-in catalog" in page


def test_the_refine_link_prefills_the_form(client, owner):
    client.force_login(owner)

    html = client.get("/create/?type=DATABASE&language=sql&difficulty=hard&prompt=second+highest+salary").content.decode()

    assert re.search(r'<option value="DATABASE" selected>', html)
    assert re.search(r'<option value="hard" selected>', html)
    assert re.search(r"<textarea[^>]*>\s*second highest salary</textarea>", html)


def test_the_job_list_points_to_the_suggestions(client, owner, no_match_job):
    client.force_login(owner)

    page = text(client.get(reverse("generation:job_list")).content.decode())

    assert "No catalog match" in page and "2 closest exercises to choose from" in page


def test_another_creator_can_neither_see_the_job_nor_take_its_suggestions(client, other_creator, no_match_job):
    client.force_login(other_creator)

    assert client.get(page_url(no_match_job)).status_code == 404
    assert client.post(take_url(no_match_job), {"title": SUGGESTIONS[0]["title"]}).status_code == 404
    assert GenerationJob.objects.count() == 1


def test_taking_needs_a_login_and_a_post(client, owner, no_match_job):
    response = client.post(take_url(no_match_job), {"title": SUGGESTIONS[0]["title"]})
    assert response.status_code == 302 and "/login" in response["Location"]

    client.force_login(owner)
    assert client.get(take_url(no_match_job)).status_code == 405
    assert GenerationJob.objects.count() == 1


@pytest.mark.parametrize("title", ["", "Shortest path through a maze", "No such exercise"])
def test_a_title_the_job_did_not_offer_starts_nothing_and_says_why(client, owner, no_match_job, title):
    client.force_login(owner)

    response = client.post(take_url(no_match_job), {"title": title}, follow=True)

    assert response.status_code == 200 and GenerationJob.objects.count() == 1
    assert "is not one of the exercises this job offered" in text(response.content.decode())


def test_only_a_no_match_job_offers_suggestions(client, owner, make_job):
    failed = make_job(owner, status=JobStatus.FAILED, suggestions=SUGGESTIONS)
    client.force_login(owner)

    response = client.post(take_url(failed), {"title": SUGGESTIONS[0]["title"]}, follow=True)

    assert GenerationJob.objects.count() == 1
    assert "Only a job the catalog had no exercise for offers suggestions." in text(response.content.decode())


# --- The API -----------------------------------------------------------------------------------------------


def test_the_api_exposes_the_category_message_and_suggestions(owner_api, no_match_job):
    body = owner_api.get(f"/api/generation-jobs/{no_match_job.pk}").json()

    assert (body["status"], body["error_category"], body["error"]) == ("no_match", "no_catalog_match", NO_MATCH_MESSAGE)
    assert body["suggestions"] == SUGGESTIONS
    assert body["capsule"] is None and body["last_report"] is None and body["catalog_pick"] == ""


def test_other_jobs_have_no_suggestions_in_the_api(owner_api, owner, make_job):
    job = make_job(owner, status=JobStatus.FAILED, suggestions=SUGGESTIONS)

    assert owner_api.get(f"/api/generation-jobs/{job.pk}").json()["suggestions"] == []


def test_the_api_takes_a_suggestion(owner_api, no_match_job):
    response = owner_api.post(f"/api/generation-jobs/{no_match_job.pk}/take", {"title": "Sum of the even numbers"}, format="json")

    body = response.json()
    assert response.status_code == 202 and body["catalog_pick"] == "Sum of the even numbers"
    assert (body["type"], body["language"], body["difficulty"], body["provider"]) == ("CODE", "python", "easy", "catalog")
    assert response["Location"] == body["status_url"]


@pytest.mark.parametrize("payload", [{}, {"title": "Shortest path through a maze"}, ["not", "an", "object"]])
def test_the_api_refuses_a_title_the_job_did_not_offer_with_400(owner_api, no_match_job, payload):
    response = owner_api.post(f"/api/generation-jobs/{no_match_job.pk}/take", payload, format="json")

    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    assert GenerationJob.objects.count() == 1


def test_the_api_hides_another_creators_job(other_creator, no_match_job):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(other_creator)

    assert api.get(f"/api/generation-jobs/{no_match_job.pk}").status_code == 404
    assert api.post(f"/api/generation-jobs/{no_match_job.pk}/take", {"title": "FizzBuzz"}, format="json").status_code == 404
    assert GenerationJob.objects.count() == 1


def test_the_job_page_drops_the_offline_banner_once_a_model_is_connected(client, owner, no_match_job, settings):
    settings.LLM_PROVIDER = "openai"
    client.force_login(owner)

    page = text(client.get(page_url(no_match_job)).content.decode())

    assert "Offline mode" not in page and "No catalog exercise fits this request" in page
