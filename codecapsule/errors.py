"""One error vocabulary for services and one JSON error shape for the whole API (DESIGN.md §4).

Services raise ApplicationError (or a subclass); views turn it into a form error or, through
api_exception_handler, into `{"error": {"code": ..., "message": ..., "fields": {...}}}`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A failure the user can act on. `fields` maps a field path to its message."""

    code = "invalid"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if code:
            self.code = code


class ValidationFailed(ApplicationError):
    code = "validation_error"


class Conflict(ApplicationError):
    code = "conflict"
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
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
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
        response.data = error_body("validation_error", message, fields)
    elif isinstance(exc, drf_exceptions.ParseError):
        response.data = error_body("parse_error", str(exc.detail))
    elif isinstance(exc, drf_exceptions.APIException):
        response.data = error_body(exc.default_code, str(exc.detail))
    return response
