"""One error vocabulary for services and one JSON error shape for the whole API.

Services raise ApplicationError (or a subclass); views turn it into a form error or, through
api_exception_handler, into `{"error": {"code": ..., "message": ..., "fields": {...}}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from codecapsule.parsers import BodyParseError


class ErrorCode(StrEnum):
    """Every `error.code` the API answers with: the one list (README, "The API", documents each). Clients
    branch on these; the message is for people and may change."""

    # Input
    INVALID = "invalid"  # an ApplicationError that names no more precise code
    VALIDATION_ERROR = "validation_error"  # `fields` says which field paths and why
    PARSE_ERROR = "parse_error"  # the body is not JSON we accept (too deep, NaN, malformed)
    REQUEST_TOO_LARGE = "request_too_large"
    # Who may do what
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    INVALID_CREDENTIALS = "invalid_credentials"  # the token endpoint's wrong username or password
    PERMISSION_DENIED = "permission_denied"
    FORBIDDEN = "forbidden"  # not the owner of what the action is about
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    # State
    CONFLICT = "conflict"
    STALE_PLAYLIST = "stale_playlist"  # the playlist changed since the client read its `version`
    NOT_VALIDATED = "not_validated"  # publishing a capsule the judge has not passed
    PRIVATE = "private"  # publishing a private capsule
    NOT_FAILED = "not_failed"  # retrying a generation job that did not fail
    NO_SUGGESTIONS = "no_suggestions"  # taking a suggestion of a job that offers none
    NOT_ENOUGH_EXAMPLES = "not_enough_examples"  # fine-tuning with too small a training set
    # Come back later (429/503, with Retry-After)
    THROTTLED = "throttled"
    ATTEMPT_IN_FLIGHT = "attempt_in_flight"  # the caller's or their address's judge work is still running
    TOO_MANY_JOBS = "too_many_jobs"  # the creator's concurrent or hourly generation limit
    JUDGE_UNAVAILABLE = "judge_unavailable"
    FINE_TUNING_UNAVAILABLE = "fine_tuning_unavailable"
    WORKSPACE_BUSY = "workspace_busy"
    WORKSPACE_EXPIRED = "workspace_expired"
    WORKSPACE_BROKEN = "workspace_broken"


class ApplicationError(Exception):
    """A failure the user can act on. `fields` maps a field path to its message."""

    code: str = ErrorCode.INVALID
    http_status: int = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if code:
            self.code = code


class ValidationFailed(ApplicationError):
    code = ErrorCode.VALIDATION_ERROR

    @classmethod
    def for_fields(cls, fields: dict[str, str], *, subject: str = "The capsule") -> ValidationFailed:
        """A message that names what is wrong, e.g. `The capsule is not valid: title: Field required`."""
        details = "; ".join(f"{path}: {message}" for path, message in fields.items())
        return cls(f"{subject} is not valid: {details}", fields=fields)


class RetryLater(ApplicationError):
    """A refusal that passes: the judge is busy (503) or the caller's judge work is still in flight (429). The API
    answers it with Retry-After, about the time one judge attempt takes."""

    @property
    def retry_after(self) -> int:
        return settings.JUDGE_BUSY_RETRY_AFTER_SECONDS


class Conflict(ApplicationError):
    code = ErrorCode.CONFLICT
    http_status = status.HTTP_409_CONFLICT


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten_drf_detail(detail: Any, prefix: str = "") -> dict[str, str]:
    """DRF nests errors as dicts/lists; flatten them into `a.b[1].c: message` paths."""
    if isinstance(detail, dict):
        flat: dict[str, str] = {}
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten_drf_detail(value, path))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": " ".join(str(item) for item in detail)}
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(_flatten_drf_detail(value, f"{prefix}[{index}]"))
        return flat
    return {prefix or "non_field_errors": str(detail)}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        answer = Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
        if isinstance(exc, RetryLater):
            answer["Retry-After"] = str(exc.retry_after)
        return answer
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body(ErrorCode.REQUEST_TOO_LARGE, "The request body is larger than this server accepts."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling and logging take over
    if isinstance(exc, drf_exceptions.ValidationError):
        fields = _flatten_drf_detail(exc.detail)
        message = "; ".join(f"{path}: {msg}" for path, msg in fields.items()) or "Invalid input."
        response.data = error_body(ErrorCode.VALIDATION_ERROR, message, fields)
    elif isinstance(exc, drf_exceptions.ParseError):
        parse_fields = exc.fields if isinstance(exc, BodyParseError) else None
        response.data = error_body(ErrorCode.PARSE_ERROR, str(exc.detail), parse_fields)
    elif isinstance(exc, drf_exceptions.APIException):
        response.data = error_body(exc.default_code, str(exc.detail))
    return response


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """The last /api/ route: an unknown API path answers in the error shape, not with an HTML page."""
    return JsonResponse(error_body(ErrorCode.NOT_FOUND, "No API endpoint at this path."), status=404)


# --- The error shape (documentation of codecapsule.errors.error_body) ----------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable (codecapsule.errors.ErrorCode): validation_error, parse_error, not_found, ...")
    message = serializers.CharField(help_text="A sentence for people.")
    # DRF's serializer metaclass takes declared fields out of the class, so this does not shadow Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.CharField(),
        help_text="Field path → message, e.g. `config_data.test_cases[1].expected_output: Field required`.",
    )


class ErrorSerializer(serializers.Serializer):
    """`{"error": {"code", "message", "fields"}}`: the one error shape of the whole API."""

    error = ErrorDetailSerializer()


_ERROR_DESCRIPTIONS = {
    400: (
        "Invalid input: JSON that is malformed, nested too deeply or holds a non-finite number (parse_error, with the"
        " value's field path when there is one) or a failed validation (validation_error, with field paths)."
    ),
    401: "No credentials, or invalid ones (not_authenticated, authentication_failed).",
    403: "Authenticated, but not allowed: not the capsule's creator, or a session request without its CSRF token.",
    404: "No such capsule, or one the caller may not read.",
    429: (
        "Too many requests (throttled), or judge work of the caller or its address is still in flight (attempt_in_flight);"
        " Retry-After says when to try again."
    ),
}


def error_responses(*codes: int, descriptions: Mapping[int, str] | None = None) -> dict[int, OpenApiResponse]:
    """Schema entries for error statuses, all in the one error shape; `descriptions` overrides the defaults."""
    texts = {**_ERROR_DESCRIPTIONS, **(descriptions or {})}
    return {code: OpenApiResponse(ErrorSerializer, description=texts.get(code, "")) for code in codes}
