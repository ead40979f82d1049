"""GET /api/feedback/training-data: the training set as JSONL (or its summary), for authenticated callers, scoped
like the export (staff everyone's, a creator their own), documented in the OpenAPI schema."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from feedback.tests.training_samples import corrected_capsule

pytestmark = pytest.mark.django_db

URL = "/api/feedback/training-data"


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def titles_in(response) -> list[str]:
    lines = response.content.decode().splitlines()
    return [json.loads(json.loads(line)["messages"][2]["content"])["title"] for line in lines]


def test_anonymous_callers_get_401_in_the_error_shape(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_creator_downloads_their_own_examples_as_jsonl(owner, other_creator):
    corrected_capsule(owner, "Owner's capsule")
    corrected_capsule(other_creator, "Other's capsule")

    response = api_as(owner).get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert 'filename="codecapsule-training-data.jsonl"' in response["Content-Disposition"]
    assert titles_in(response) == ["Owner's capsule"]


def test_staff_download_everyones_examples(staff, owner, other_creator):
    corrected_capsule(owner, "Owner's capsule")
    corrected_capsule(other_creator, "Other's capsule")

    response = api_as(staff).get(f"{URL}/")

    assert titles_in(response) == ["Owner's capsule", "Other's capsule"]
    assert response["X-Training-Examples"] == "2"


def test_a_creator_without_examples_gets_an_empty_file(owner):
    response = api_as(owner).get(URL)

    assert response.status_code == 200
    assert response.content == b""


def test_summary_1_answers_the_counts_as_json(owner, other_creator):
    corrected_capsule(owner, "One")
    corrected_capsule(owner, "One")  # the same example again
    corrected_capsule(other_creator, "Not mine")

    response = api_as(owner).get(URL, {"summary": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["examples"], body["capsules_considered"], body["duplicates"]) == (1, 2, 1)
    assert body["by_capsule_type"] == {"CODE": 1, "DATABASE": 0, "TERMINAL": 0}


def test_the_schema_documents_the_jsonl_and_the_summary(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/feedback/training-data/"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"application/jsonl", "application/json"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TrainingSummary"
    }
    assert [parameter["name"] for parameter in operation["parameters"]] == ["summary"]
    assert "401" in operation["responses"]
