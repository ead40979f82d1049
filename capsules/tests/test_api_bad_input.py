"""Bad input to the capsule API: one error shape, a clear reason, and nothing half-saved."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from capsules.models import Capsule
from capsules.selectors import capsule_base_dict
from capsules.tests.samples import capsule_data

LIST_URL = "/api/capsules/"


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def post_raw(client, path: str, raw: str, method: str = "post"):
    return getattr(client, method)(path, data=raw, content_type="application/json")


# --- malformed bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ['{"title": "unterminated', "{'single': 'quotes'}", "{,}", "not json at all"])
def test_a_malformed_json_body_is_a_400_parse_error(owner_api, raw):
    error = assert_error_shape(post_raw(owner_api, LIST_URL, raw), 400, "parse_error")

    assert "JSON" in error["message"]
    assert not Capsule.objects.exists()


def test_a_malformed_json_update_is_a_400_parse_error_and_changes_nothing(owner_api, owner, make_capsule):
    capsule = make_capsule(owner)
    before = capsule_base_dict(capsule)

    assert_error_shape(post_raw(owner_api, f"/api/capsules/{capsule.pk}", "{oops", method="put"), 400, "parse_error")
    assert_error_shape(post_raw(owner_api, f"/api/capsules/{capsule.pk}", "{oops", method="patch"), 400, "parse_error")

    assert capsule_base_dict(Capsule.objects.get(pk=capsule.pk)) == before


def test_an_empty_body_names_every_missing_field(owner_api):
    error = assert_error_shape(post_raw(owner_api, LIST_URL, ""), 400, "validation_error")

    assert set(error["fields"]) >= {"title", "capsule_type", "problem_statement_md", "runtime_config", "config_data"}


@pytest.mark.parametrize("raw", ["[]", '"a string"', "42", "null"])
def test_a_body_that_is_not_an_object_is_a_400(owner_api, raw):
    error = assert_error_shape(post_raw(owner_api, LIST_URL, raw), 400, "validation_error")

    assert error["fields"] == {"__all__": "expected a JSON object"}


def test_a_form_encoded_body_is_refused_as_an_unsupported_media_type(owner_api):
    response = owner_api.post(LIST_URL, {"title": "x"}, format="multipart")

    assert_error_shape(response, 415, "unsupported_media_type")


# --- validation with field paths -----------------------------------------------------------------------


def with_tolerance(literal: str, **overrides) -> str:
    """A capsule body whose first test case's tolerance is `literal` as written (json.dumps cannot write 1e400)."""
    body = capsule_data("CODE", **overrides)
    body["config_data"]["test_cases"][0].update(compare="numeric", tolerance="LITERAL")
    return json.dumps(body).replace('"LITERAL"', literal)


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "NaN", "Infinity"])
def test_a_non_finite_tolerance_is_a_400_parse_error_naming_the_test_case(owner_api, literal):
    error = assert_error_shape(post_raw(owner_api, LIST_URL, with_tolerance(literal)), 400, "parse_error")

    assert list(error["fields"]) == ["config_data.test_cases[0].tolerance"]
    assert not Capsule.objects.exists()


def test_a_non_finite_tolerance_in_an_update_changes_nothing(owner_api, owner, make_capsule):
    capsule = make_capsule(owner)
    before = capsule_base_dict(capsule)

    for method in ("put", "patch"):
        raw = with_tolerance("1e400", title="Changed")
        assert_error_shape(post_raw(owner_api, f"/api/capsules/{capsule.pk}", raw, method=method), 400, "parse_error")

    assert capsule_base_dict(Capsule.objects.get(pk=capsule.pk)) == before


def test_a_body_nested_a_thousand_deep_is_a_400_parse_error_not_a_crash(owner_api):
    error = assert_error_shape(post_raw(owner_api, LIST_URL, "[" * 1000), 400, "parse_error")

    assert "nested deeper than" in error["message"]


def test_a_missing_nested_field_is_reported_by_its_path(owner_api):
    body = capsule_data("CODE")
    del body["config_data"]["test_cases"][1]["expected_output"]

    error = assert_error_shape(owner_api.post(LIST_URL, body, format="json"), 400, "validation_error")

    assert error["fields"] == {"config_data.test_cases[1].expected_output": "Field required"}


def test_an_unknown_config_key_is_refused_rather_than_dropped(owner_api):
    body = capsule_data("CODE")
    body["config_data"]["test_cases"][0]["expected_ouput"] = "typo"

    error = assert_error_shape(owner_api.post(LIST_URL, body, format="json"), 400, "validation_error")

    assert "config_data.test_cases[0].expected_ouput" in error["fields"]


def test_an_unknown_capsule_type_is_a_400_naming_the_allowed_types(owner_api):
    body = capsule_data("CODE")
    body["capsule_type"] = "QUIZ"

    error = assert_error_shape(owner_api.post(LIST_URL, body, format="json"), 400, "validation_error")

    message = error["fields"]["capsule_type"]
    assert all(allowed in message for allowed in ("CODE", "DATABASE", "TERMINAL"))


@pytest.mark.parametrize(
    ("capsule_type", "language", "allowed"),
    [
        ("CODE", "cobol", "python, javascript, java, csharp, go"),
        ("CODE", "sql", "python"),
        ("DATABASE", "python", "sql"),
        ("TERMINAL", "zsh", "bash"),
    ],
)
def test_a_language_outside_the_type_is_a_400_naming_the_allowed_languages(owner_api, capsule_type, language, allowed):
    body = capsule_data(capsule_type, runtime_config={"language": language})

    error = assert_error_shape(owner_api.post(LIST_URL, body, format="json"), 400, "validation_error")

    assert allowed in error["fields"]["runtime_config.language"]


def test_an_unknown_runtime_tier_is_a_400_naming_the_allowed_tiers(owner_api):
    body = capsule_data("CODE", runtime_config={"language": "python", "runtime_tier": "gpu-cluster"})

    error = assert_error_shape(owner_api.post(LIST_URL, body, format="json"), 400, "validation_error")

    assert "sandbox-python, sandbox-python-extended" in error["fields"]["runtime_config.runtime_tier"]


def test_config_data_over_the_size_limit_is_a_400(owner_api):
    limit = settings.CAPSULE_CONFIG_MAX_BYTES
    assert limit == 256 * 1024
    body = capsule_data("CODE")
    body["config_data"]["hints"] = ["x" * (limit + 1)]

    error = assert_error_shape(owner_api.post(LIST_URL, body, format="json"), 400, "validation_error")

    assert "limit" in error["fields"]["config_data"]
    assert not Capsule.objects.exists()


def test_config_data_just_under_the_size_limit_is_accepted(owner_api):
    body = capsule_data("CODE")
    body["config_data"]["hints"] = []
    room = settings.CAPSULE_CONFIG_MAX_BYTES - len(json.dumps(body["config_data"], separators=(",", ":")).encode())
    body["config_data"]["hints"] = ["x" * (room - len('""'))]

    assert owner_api.post(LIST_URL, body, format="json").status_code == 201


# --- nothing half-saved --------------------------------------------------------------------------------


def test_a_rejected_update_leaves_the_row_unchanged(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE", status="published", is_public=True)
    before = capsule_base_dict(Capsule.objects.get(pk=capsule.pk))
    body = capsule_data("CODE", title="A new title", is_public=False)
    del body["config_data"]["reference_solution"]

    assert_error_shape(owner_api.put(f"/api/capsules/{capsule.pk}", body, format="json"), 400, "validation_error")

    assert capsule_base_dict(Capsule.objects.get(pk=capsule.pk)) == before


def test_a_rejected_create_saves_nothing(owner_api):
    body = capsule_data("DATABASE")
    body["config_data"]["schema_info"] = []

    assert_error_shape(owner_api.post(LIST_URL, body, format="json"), 400, "validation_error")

    assert not Capsule.objects.exists()


# --- the other statuses share the shape ----------------------------------------------------------------


def test_not_found_forbidden_unauthenticated_and_method_not_allowed_share_the_shape(
    api_client, owner_api, other_creator, make_capsule, owner
):
    capsule = make_capsule(owner, status="published", is_public=True)
    api_client.force_authenticate(other_creator)

    assert_error_shape(owner_api.get("/api/capsules/00000000-0000-0000-0000-000000000000"), 404, "not_found")
    assert_error_shape(api_client.delete(f"/api/capsules/{capsule.pk}"), 403, "permission_denied")
    api_client.force_authenticate(None)
    assert_error_shape(api_client.delete(f"/api/capsules/{capsule.pk}"), 401, "not_authenticated")
    assert_error_shape(owner_api.delete(LIST_URL), 405, "method_not_allowed")


def test_a_body_over_djangos_upload_limit_is_refused_in_the_error_shape(owner_api):
    body = capsule_data("CODE")
    body["config_data"]["hints"] = ["x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)]

    response = post_raw(owner_api, LIST_URL, json.dumps(body))

    assert response.status_code in (400, 413)
    assert response.json()["error"]["code"]
    assert not Capsule.objects.exists()


def test_an_unknown_api_path_is_a_404_in_the_error_shape(owner_api):
    assert_error_shape(owner_api.get("/api/no-such-thing/"), 404, "not_found")
