"""POST /api/feedback/edit: the seed's EditEvent, for clients that track edits themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from feedback.models import CreatorEdit, EditType
from generation.models import AgentStep, GenerationJob, JobStatus

pytestmark = pytest.mark.django_db

URL = "/api/feedback/edit"
DROP = object()  # event(..., key=DROP) leaves the key out


@pytest.fixture
def capsule(owner, make_capsule) -> Capsule:
    return make_capsule(owner, "CODE")


def event(capsule: Capsule, **changes: Any) -> dict[str, Any]:
    """An EditEvent as the seed's dashboard sends it; `changes` replace keys (DROP removes one)."""
    body = {
        "capsuleId": str(capsule.pk),
        "fieldPath": "config_data.test_cases[0].expected_output",
        "originalValue": "5\n",
        "correctedValue": "5",
        "editType": "expected_output_fix",
        "timestamp": "2025-01-31T12:00:00Z",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not DROP}


def error_fields(response) -> dict[str, str]:
    return response.json()["error"]["fields"]


# --- Recording ------------------------------------------------------------------------------------------


def test_it_records_the_edit_for_the_authenticated_creator_and_answers_201(owner_api, owner, capsule):
    response = owner_api.post(URL, event(capsule), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["recorded"] is True
    edit = CreatorEdit.objects.get()
    assert body["edit"]["id"] == str(edit.pk)
    assert (edit.capsule, edit.creator, edit.source) == (capsule, owner, "client")
    assert (edit.field_path, edit.original_value, edit.corrected_value) == ("config_data.test_cases[0].expected_output", "5\n", "5")
    assert edit.edit_type == EditType.EXPECTED_OUTPUT_FIX
    assert edit.reported_at == datetime(2025, 1, 31, 12, 0, tzinfo=UTC)
    assert (edit.capsule_type, edit.language) == ("CODE", "python")


def test_the_answer_shows_the_edit_in_the_apis_snake_case(owner_api, owner, capsule):
    body = owner_api.post(URL, event(capsule), format="json").json()["edit"]

    assert body["capsule_id"] == str(capsule.pk)
    assert body["creator_id"] == str(owner.pk)
    assert body["original_value"] == "5\n" and body["corrected_value"] == "5"
    assert (body["source"], body["agent"], body["generation_job_id"]) == ("client", None, None)
    assert body["reported_at"] == "2025-01-31T12:00:00Z"


def test_a_creator_id_in_the_body_is_ignored(owner_api, owner, other_creator, capsule):
    owner_api.post(URL, event(capsule, creatorId=str(other_creator.pk)), format="json")

    assert CreatorEdit.objects.get().creator == owner


def test_snake_case_keys_are_accepted_too(owner_api, capsule):
    body = {
        "capsule_id": str(capsule.pk),
        "field_path": "title",
        "original_value": "Find the largest number",
        "corrected_value": "Find the maximum",
        "edit_type": "statement_rewrite",
    }

    assert owner_api.post(URL, body, format="json").status_code == 201
    assert CreatorEdit.objects.get().field_path == "title"


def test_the_edit_type_is_inferred_when_absent(owner_api, capsule):
    body = event(capsule, fieldPath="config_data.hints[2]", originalValue=None, correctedValue="Think of max().", editType=DROP)

    assert owner_api.post(URL, body, format="json").status_code == 201
    assert CreatorEdit.objects.get().edit_type == EditType.HINT_ADDED


def test_a_given_edit_type_is_kept_as_the_client_said(owner_api, capsule):
    assert owner_api.post(URL, event(capsule, editType="logic_fix"), format="json").status_code == 201
    assert CreatorEdit.objects.get().edit_type == EditType.LOGIC_FIX


def test_the_timestamp_is_optional(owner_api, capsule):
    assert owner_api.post(URL, event(capsule, timestamp=DROP), format="json").status_code == 201
    assert CreatorEdit.objects.get().reported_at is None


def test_a_value_may_be_any_json_so_a_removed_test_keeps_its_object(owner_api, capsule):
    removed = capsule.config_data["test_cases"][1]
    body = event(capsule, fieldPath="config_data.test_cases[1]", originalValue=removed, correctedValue=None, editType=DROP)

    assert owner_api.post(URL, body, format="json").status_code == 201
    edit = CreatorEdit.objects.get()
    assert (edit.original_value, edit.corrected_value, edit.edit_type) == (removed, None, EditType.TEST_REMOVED)


def test_an_edit_of_a_generated_capsule_names_its_job_and_agent(owner_api, owner, capsule):
    job = GenerationJob.objects.create(
        creator=owner, capsule_type="CODE", language="python", difficulty="easy", provider="catalog",
        status=JobStatus.SUCCEEDED, result_capsule=capsule,
    )  # fmt: skip
    AgentStep.objects.create(job=job, position=0, agent="coder", parsed_ok=True, output=capsule_data("CODE"))

    body = owner_api.post(URL, event(capsule), format="json").json()["edit"]

    assert (body["generation_job_id"], body["agent"]) == (str(job.pk), "coder")


# --- Duplicates -----------------------------------------------------------------------------------------


def test_the_same_edit_again_within_the_window_is_ignored_with_200(owner_api, capsule):
    owner_api.post(URL, event(capsule), format="json")

    response = owner_api.post(URL, event(capsule, timestamp="2025-01-31T12:00:05Z"), format="json")

    assert response.status_code == 200
    assert response.json() == {"recorded": False, "duplicate": True}
    assert CreatorEdit.objects.count() == 1


def test_the_same_edit_after_the_window_is_recorded_again(owner_api, capsule, settings):
    owner_api.post(URL, event(capsule), format="json")
    window = timedelta(seconds=settings.FEEDBACK_DUPLICATE_WINDOW_SECONDS)
    CreatorEdit.objects.update(created_at=timezone.now() - window - timedelta(seconds=1))

    assert owner_api.post(URL, event(capsule), format="json").status_code == 201
    assert CreatorEdit.objects.count() == 2


def test_the_window_is_a_setting(owner_api, capsule, settings):
    settings.FEEDBACK_DUPLICATE_WINDOW_SECONDS = 600
    owner_api.post(URL, event(capsule), format="json")
    CreatorEdit.objects.update(created_at=timezone.now() - timedelta(seconds=300))

    assert owner_api.post(URL, event(capsule), format="json").status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"fieldPath": "config_data.test_cases[1].expected_output"},
        {"originalValue": "6\n"},
        {"correctedValue": "5 "},
    ],
)
def test_an_edit_of_another_field_or_with_other_values_is_not_a_duplicate(owner_api, capsule, changes):
    owner_api.post(URL, event(capsule), format="json")

    assert owner_api.post(URL, event(capsule, **changes), format="json").status_code == 201


def test_an_edit_another_capsule_had_is_not_a_duplicate(owner_api, owner, capsule, make_capsule):
    owner_api.post(URL, event(capsule), format="json")

    assert owner_api.post(URL, event(make_capsule(owner, "CODE")), format="json").status_code == 201


def test_an_edit_the_save_already_captured_is_a_duplicate(owner_api, capsule):
    # The client saves through the API (captured) and then reports the same edit: it counts once.
    owner_api.patch(f"/api/capsules/{capsule.pk}", {"title": "Find the maximum"}, format="json")
    body = event(capsule, fieldPath="title", originalValue="Find the largest number", correctedValue="Find the maximum")

    assert owner_api.post(URL, body, format="json").json() == {"recorded": False, "duplicate": True}
    assert CreatorEdit.objects.count() == 1


def test_values_that_differ_only_in_key_order_are_the_same(owner_api, capsule):
    original = {"description": "a", "test_call": "f()", "expected_output": "1", "is_hidden": False}
    reordered = dict(reversed(list(original.items())))
    path = "config_data.test_cases[2]"
    owner_api.post(URL, event(capsule, fieldPath=path, originalValue=original, correctedValue=None), format="json")

    response = owner_api.post(URL, event(capsule, fieldPath=path, originalValue=reordered, correctedValue=None), format="json")

    assert response.status_code == 200


# --- Access ---------------------------------------------------------------------------------------------


def test_anonymous_callers_get_401(api_client, capsule):
    response = api_client.post(URL, event(capsule), format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not CreatorEdit.objects.exists()


def test_a_bad_token_gets_401(capsule):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    assert client.post(URL, event(capsule), format="json").status_code == 401


def test_another_creators_private_capsule_is_not_found(other_creator, capsule):
    client = APIClient()
    client.force_authenticate(other_creator)

    response = client.post(URL, event(capsule), format="json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not CreatorEdit.objects.exists()


def test_another_creators_published_capsule_is_forbidden(other_creator, owner, make_capsule):
    capsule = make_capsule(owner, "CODE", status="published", is_public=True)
    client = APIClient()
    client.force_authenticate(other_creator)

    assert client.post(URL, event(capsule), format="json").status_code == 403
    assert not CreatorEdit.objects.exists()


def test_an_unknown_capsule_is_not_found(owner_api):
    body = event(Capsule(pk="0b0c6f3e-5a4e-4c38-9d59-2f1f4d1d6a01"))

    assert owner_api.post(URL, body, format="json").status_code == 404


def test_the_path_works_with_a_trailing_slash(owner_api, capsule):
    assert owner_api.post(URL + "/", event(capsule), format="json").status_code == 201


# --- Validation -----------------------------------------------------------------------------------------


def test_missing_keys_are_named_in_the_seeds_spelling(owner_api, capsule):
    response = owner_api.post(URL, {"capsuleId": str(capsule.pk)}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(error_fields(response)) == {"fieldPath", "originalValue", "correctedValue"}


def test_errors_of_a_snake_case_body_are_named_in_snake_case(owner_api, capsule):
    response = owner_api.post(URL, {"capsule_id": "not-a-uuid", "field_path": "title"}, format="json")

    assert response.status_code == 400
    assert set(error_fields(response)) == {"capsule_id", "original_value", "corrected_value"}
    assert "valid UUID" in error_fields(response)["capsule_id"]


def test_a_body_that_is_not_an_object_is_refused(owner_api):
    response = owner_api.post(URL, ["not", "an", "object"], format="json")

    assert response.status_code == 400
    assert error_fields(response) == {"__all__": "expected a JSON object"}


def test_a_key_given_in_both_spellings_is_refused(owner_api, capsule):
    response = owner_api.post(URL, {**event(capsule), "field_path": "title"}, format="json")

    assert response.status_code == 400
    assert error_fields(response) == {"fieldPath": "is given twice, as fieldPath and field_path"}


def test_an_edit_type_that_is_not_a_choice_is_refused(owner_api, capsule):
    response = owner_api.post(URL, event(capsule, editType="typo_fix"), format="json")

    assert response.status_code == 400
    assert list(error_fields(response)) == ["editType"]


def test_a_timestamp_that_is_not_a_date_is_refused(owner_api, capsule):
    response = owner_api.post(URL, event(capsule, timestamp="yesterday"), format="json")

    assert response.status_code == 400
    assert list(error_fields(response)) == ["timestamp"]


@pytest.mark.parametrize("path", ["config_data..hints", "config_data.hints[x]", "", "x" * 256])
def test_a_malformed_field_path_is_refused(owner_api, capsule, path):
    response = owner_api.post(URL, event(capsule, fieldPath=path), format="json")

    assert response.status_code == 400
    assert list(error_fields(response)) == ["fieldPath"]


@pytest.mark.parametrize("path", ["status", "id", "creator_id", "is_public", "validation_report"])
def test_a_path_that_is_not_capsule_content_is_refused(owner_api, capsule, path):
    response = owner_api.post(URL, event(capsule, fieldPath=path), format="json")

    assert response.status_code == 400
    assert "does not name capsule content" in error_fields(response)["fieldPath"]


def test_a_snake_case_body_gets_service_errors_in_snake_case(owner_api, capsule):
    body = {"capsule_id": str(capsule.pk), "field_path": "status", "original_value": "draft", "corrected_value": "draft"}

    response = owner_api.post(URL, body, format="json")

    assert set(error_fields(response)) == {"field_path", "corrected_value"}


def test_an_edit_that_changes_nothing_is_refused(owner_api, capsule):
    response = owner_api.post(URL, event(capsule, correctedValue="5\n"), format="json")

    assert response.status_code == 400
    assert error_fields(response) == {"correctedValue": "is the same as the original value: nothing was corrected"}


def test_a_value_larger_than_a_capsule_config_may_be_is_refused(owner_api, capsule, settings):
    settings.CAPSULE_CONFIG_MAX_BYTES = 100

    response = owner_api.post(URL, event(capsule, correctedValue="x" * 200), format="json")

    assert response.status_code == 400
    assert list(error_fields(response)) == ["correctedValue"]
    assert not CreatorEdit.objects.exists()


def test_the_endpoint_is_documented_in_the_schema(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/feedback/edit/"]["post"]
    assert set(operation["responses"]) >= {"200", "201", "400", "401", "403", "404"}
    request = schema["components"]["schemas"]["EditEvent"]
    assert set(request["required"]) == {"capsuleId", "fieldPath", "originalValue", "correctedValue"}
