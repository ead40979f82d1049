"""codecapsule.errors.api_exception_handler: every failure the API reports has the one shape."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions

from codecapsule.errors import ApplicationError, Conflict, ValidationFailed, api_exception_handler, error_body
from codecapsule.parsers import BodyParseError


def handle(exc: Exception):
    return api_exception_handler(exc, {})


def test_error_body_always_carries_code_message_and_fields():
    assert error_body("not_found", "Not found.") == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_a_validation_failure_keeps_its_field_paths():
    response = handle(
        ValidationFailed("The capsule is not valid.", fields={"config_data.test_cases[1].expected_output": "Field required"})
    )

    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "validation_error",
            "message": "The capsule is not valid.",
            "fields": {"config_data.test_cases[1].expected_output": "Field required"},
        }
    }


def test_an_application_error_can_name_its_own_code():
    response = handle(ApplicationError("Wrong password.", code="invalid_credentials"))

    assert (response.status_code, response.data["error"]["code"]) == (400, "invalid_credentials")


def test_a_conflict_is_a_409():
    response = handle(Conflict("That order is taken."))

    assert (response.status_code, response.data["error"]["code"]) == (409, "conflict")


def test_djangos_http404_becomes_a_not_found_error():
    response = handle(Http404("Capsule not found"))

    assert response.status_code == 404
    assert response.data["error"]["code"] == "not_found"


def test_djangos_permission_denied_becomes_a_403_error():
    response = handle(PermissionDenied("Only the capsule's creator can change it."))

    assert response.status_code == 403
    assert response.data["error"]["code"] == "permission_denied"


def test_a_malformed_body_is_a_parse_error():
    response = handle(exceptions.ParseError("JSON parse error - Expecting value"))

    assert response.status_code == 400
    assert response.data == error_body("parse_error", "JSON parse error - Expecting value")


def test_a_refused_body_names_the_offending_value_in_fields():
    exc = BodyParseError("Invalid JSON: a[1]: NaN is not allowed", fields={"a[1]": "NaN is not allowed"})

    response = handle(exc)

    assert response.status_code == 400
    assert response.data == error_body("parse_error", "Invalid JSON: a[1]: NaN is not allowed", {"a[1]": "NaN is not allowed"})


def test_nested_drf_validation_errors_are_flattened_to_field_paths():
    detail = {"items": [{}, {"order": ["A valid integer is required."]}], "title": ["This field is required."]}

    response = handle(exceptions.ValidationError(detail))

    assert response.status_code == 400
    error = response.data["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"items[1].order": "A valid integer is required.", "title": "This field is required."}
    assert "items[1].order: A valid integer is required." in error["message"]


def test_a_validation_error_without_a_field_goes_under_non_field_errors():
    response = handle(exceptions.ValidationError("Something is off."))

    assert response.data["error"]["fields"] == {"non_field_errors": "Something is off."}


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.AuthenticationFailed(), 401, "authentication_failed"),
        (exceptions.MethodNotAllowed("DELETE"), 405, "method_not_allowed"),
        (exceptions.UnsupportedMediaType("text/plain"), 415, "unsupported_media_type"),
        (exceptions.Throttled(wait=30), 429, "throttled"),
    ],
)
def test_drfs_own_exceptions_use_the_shape(exc, status, code):
    response = handle(exc)

    assert response.status_code == status
    assert set(response.data) == {"error"}
    assert response.data["error"]["code"] == code
    assert response.data["error"]["message"]


def test_an_unexpected_error_is_left_to_djangos_500_handling():
    assert handle(RuntimeError("bug")) is None
