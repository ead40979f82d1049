"""GET /api/generation-jobs/<id>: the owner's view of a job (status, steps, the capsule or the last report);
everyone else gets 404, anonymous callers 401."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from generation.models import JobStatus
from generation.tests.conftest import WRONG_OUTPUT_REPORT

pytestmark = pytest.mark.django_db

STEP_KEYS = {"position", "agent", "model", "parsed_ok", "latency_ms", "tokens", "error", "error_kind", "summary"}
JOB_KEYS = {
    "job_id", "status_url", "status", "stage", "type", "language", "difficulty", "prompt", "provider", "heals",
    "quality_score", "prompt_tokens", "completion_tokens", "statement_check", "error", "error_category", "created_at",
    "started_at", "finished_at", "steps", "capsule", "last_report", "catalog_pick", "suggestions",
}  # fmt: skip


def url(job) -> str:
    return f"/api/generation-jobs/{job.pk}"


def test_the_owner_reads_a_running_job_with_its_steps(owner_api, owner, make_job):
    job = make_job(owner, status=JobStatus.RUNNING, stage="judge", steps=[
        {"agent": "pedagogist", "model": "gpt-test", "parsed_ok": True, "latency_ms": 812.5, "prompt_tokens": 300,
         "completion_tokens": 120, "summary": "Idea: word counter"},
        {"agent": "coder", "model": "gpt-test", "parsed_ok": False, "latency_ms": 30000, "error": "timed out",
         "error_kind": "timeout"},
    ])  # fmt: skip

    response = owner_api.get(url(job))

    body = response.json()
    assert response.status_code == 200
    assert set(body) == JOB_KEYS
    assert (body["job_id"], body["status"], body["stage"]) == (str(job.pk), "running", "judge")
    assert body["status_url"] == f"http://testserver/api/generation-jobs/{job.pk}"
    assert [set(step) for step in body["steps"]] == [STEP_KEYS, STEP_KEYS]
    assert body["steps"][0] == {
        "position": 1, "agent": "pedagogist", "model": "gpt-test", "parsed_ok": True, "latency_ms": 812.5,
        "tokens": 420, "error": "", "error_kind": "", "summary": "Idea: word counter",
    }  # fmt: skip
    assert body["steps"][1]["tokens"] is None
    assert (body["steps"][1]["error"], body["steps"][1]["error_kind"]) == ("timed out", "timeout")
    assert body["capsule"] is None and body["last_report"] is None


def test_a_succeeded_job_carries_the_full_capsule(owner_api, owner, make_job, make_capsule):
    capsule = make_capsule(owner, "CODE", title="Word counter")
    job = make_job(owner, status=JobStatus.SUCCEEDED, result_capsule=capsule, quality_score=0.91)

    body = owner_api.get(url(job)).json()

    assert body["capsule"]["id"] == str(capsule.pk)
    assert body["capsule"]["title"] == "Word counter"
    assert "reference_solution" in body["capsule"]["config_data"]
    assert body["quality_score"] == 0.91
    assert body["last_report"] is None


def test_a_failed_job_carries_the_last_report_and_no_capsule(owner_api, owner, make_job):
    job = make_job(owner, status=JobStatus.FAILED, error="Still failing.", error_category="wrong_output",
                   last_report=WRONG_OUTPUT_REPORT, heals=3)  # fmt: skip

    body = owner_api.get(url(job)).json()

    assert body["last_report"] == WRONG_OUTPUT_REPORT
    assert (body["error"], body["error_category"], body["heals"]) == ("Still failing.", "wrong_output", 3)
    assert body["capsule"] is None


def test_another_creator_gets_404_in_the_error_shape(owner, other_creator, make_job):
    job = make_job(owner)
    client = APIClient()
    client.force_authenticate(other_creator)

    response = client.get(url(job))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_staff_do_not_read_other_creators_jobs_through_the_api_either(owner, staff, make_job):
    job = make_job(owner)
    client = APIClient()
    client.force_authenticate(staff)

    assert client.get(url(job)).status_code == 404


def test_an_anonymous_caller_gets_401(api_client, owner, make_job):
    job = make_job(owner)

    response = api_client.get(url(job))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("job_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_an_unknown_or_malformed_id_is_404(owner_api, job_id):
    response = owner_api.get(f"/api/generation-jobs/{job_id}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_trailing_slash_is_accepted(owner_api, owner, make_job):
    job = make_job(owner)

    assert owner_api.get(url(job) + "/").status_code == 200


def test_the_status_url_of_a_new_job_reads_it_back(owner_api):
    created = owner_api.post(
        "/api/generate-and-validate", {"type": "TERMINAL", "language": "bash", "difficulty": "easy"}, format="json"
    ).json()

    read = owner_api.get(created["status_url"]).json()

    assert read["job_id"] == created["job_id"]
    assert (read["type"], read["language"], read["prompt"]) == ("TERMINAL", "bash", "")


def test_the_generation_endpoints_are_in_the_api_schema(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    create = schema["paths"]["/api/generate-and-validate/"]["post"]
    assert set(create["responses"]) == {"200", "202", "400", "401", "403", "429"}
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/GenerationRequest"}
    assert {p["name"] for p in create["parameters"]} == {"wait"}
    read = schema["paths"]["/api/generation-jobs/{job_id}/"]["get"]
    assert read["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/GenerationJob"}
    assert set(schema["components"]["schemas"]["GenerationJob"]["properties"]) == JOB_KEYS
