"""POST /api/generate-and-validate: 202 with the job, ?wait= (200 finished / 202 still running / 400 over the
limit), field errors in the one error shape, per-creator limits as 429, authentication."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from capsules.models import Capsule
from generation.api import MAX_WAIT_SECONDS
from generation.models import GenerationJob, JobStatus

URL = "/api/generate-and-validate"
VALID = {"type": "CODE", "language": "python", "difficulty": "easy", "prompt": "count the words in a sentence"}


@pytest.mark.django_db
def test_it_queues_a_job_and_answers_202_with_its_id_and_status_url(owner_api, owner):
    response = owner_api.post(URL, VALID, format="json")

    job = GenerationJob.objects.get()
    body = response.json()
    assert response.status_code == 202
    assert body["job_id"] == str(job.pk)
    assert body["status_url"] == f"http://testserver/api/generation-jobs/{job.pk}"
    assert response["Location"] == body["status_url"]
    assert body["status"] == "queued"
    assert (body["type"], body["language"], body["difficulty"], body["prompt"]) == ("CODE", "python", "easy", VALID["prompt"])
    assert body["steps"] == [] and body["capsule"] is None and body["last_report"] is None
    assert (job.creator, job.capsule_type) == (owner, "CODE")


@pytest.mark.django_db
def test_a_trailing_slash_is_accepted(owner_api):
    assert owner_api.post(URL + "/", VALID, format="json").status_code == 202


@pytest.mark.django_db
def test_anonymous_callers_get_401_in_the_error_shape(api_client):
    response = api_client.post(URL, VALID, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert GenerationJob.objects.count() == 0


@pytest.mark.django_db
def test_a_token_authenticates_too(owner):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")

    assert client.post(URL, VALID, format="json").status_code == 202


@pytest.mark.django_db
def test_a_session_request_needs_its_csrf_token(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post(URL, VALID, format="json")

    assert response.status_code == 403
    assert GenerationJob.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**VALID, "language": "sql"}, {"language"}),
        ({**VALID, "type": "DATABASE"}, {"language"}),
        ({**VALID, "type": "VIDEO"}, {"type"}),
        ({**VALID, "difficulty": "extreme"}, {"difficulty"}),
        ({"prompt": "anything"}, {"type", "difficulty"}),
        ({**VALID, "prompt": "x" * 5000}, {"prompt"}),
        ({**VALID, "prompt": 42}, {"prompt"}),
        ({**VALID, "type": ["CODE"]}, {"type"}),
        (["CODE", "python"], {"__all__"}),
    ],
)
def test_invalid_requests_are_400_with_field_errors_and_nothing_is_saved(owner_api, body, fields):
    response = owner_api.post(URL, body, format="json")

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == fields
    assert error["message"].startswith("The generation request is not valid:")
    assert GenerationJob.objects.count() == 0


@pytest.mark.django_db
def test_malformed_json_is_a_parse_error(owner_api):
    response = owner_api.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.django_db
@pytest.mark.parametrize("wait", [str(MAX_WAIT_SECONDS + 1), "60.5", "-1", "soon"])
def test_a_wait_over_60_seconds_negative_or_not_a_number_is_400_and_starts_nothing(owner_api, wait):
    response = owner_api.post(f"{URL}?wait={wait}", VALID, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"wait"}
    assert GenerationJob.objects.count() == 0


@pytest.mark.django_db
def test_the_concurrent_job_cap_is_429(owner_api, owner, settings, make_job):
    settings.GENERATION_MAX_CONCURRENT_JOBS = 2
    make_job(owner, status=JobStatus.QUEUED)
    make_job(owner, status=JobStatus.RUNNING)

    response = owner_api.post(URL, VALID, format="json")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_jobs"
    assert GenerationJob.objects.count() == 2


@pytest.mark.django_db
def test_the_hourly_rate_limit_is_429(owner_api, owner, settings, make_job):
    settings.GENERATION_JOBS_PER_HOUR = 3
    for _ in range(3):
        make_job(owner, status=JobStatus.SUCCEEDED)

    response = owner_api.post(URL, VALID, format="json")

    assert response.status_code == 429
    assert "in the last hour; the limit is 3" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_the_limits_are_per_creator(owner_api, other_creator, settings, make_job):
    settings.GENERATION_MAX_CONCURRENT_JOBS = 1
    make_job(other_creator, status=JobStatus.RUNNING)

    assert owner_api.post(URL, VALID, format="json").status_code == 202


@pytest.mark.django_db
def test_a_wait_that_runs_out_answers_202_with_the_job_still_unfinished(owner_api):
    # On the `db` fixture the job's transaction never commits, so the task is never queued: the job stays queued.
    started = time.monotonic()
    response = owner_api.post(f"{URL}?wait=0.6", VALID, format="json")

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert 0.6 <= time.monotonic() - started < 5


@pytest.mark.django_db(transaction=True)
def test_with_wait_it_answers_200_with_the_finished_job_and_its_validated_capsule(owner, owner_api):
    response = owner_api.post(f"{URL}?wait={MAX_WAIT_SECONDS}", VALID, format="json")  # the limit itself is allowed

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "succeeded", body["error"]
    capsule = Capsule.objects.get()
    assert body["capsule"]["id"] == str(capsule.pk)
    assert body["capsule"]["status"] == "validated"
    assert "reference_solution" in body["capsule"]["config_data"]  # the creator's full view
    assert body["capsule"]["creator_id"] == str(owner.pk)
    assert [step["agent"] for step in body["steps"]][:3] == ["pedagogist", "coder", "judge"]
    assert 0 <= body["quality_score"] <= 1
    assert body["finished_at"] is not None and body["stage"] == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("capsule_type", "language"), [("DATABASE", "sql"), ("TERMINAL", "bash")])
def test_the_api_generates_database_and_terminal_capsules_offline(owner_api, capsule_type, language):
    response = owner_api.post(
        f"{URL}?wait=30", {"type": capsule_type, "language": language, "difficulty": "medium", "prompt": ""}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["capsule"]["capsule_type"] == capsule_type
