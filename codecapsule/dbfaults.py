"""The database is unreachable for a moment (a restart, a failover): answer 503 + Retry-After, not 500.

A lost database is not a bug in the request, so it must not look like one: clients and load balancers
treat 503 with Retry-After as "try again shortly", and a 500 page would say "something is broken here".
Only connection-level errors count (OperationalError, InterfaceError); an IntegrityError, DataError or
ProgrammingError is a real bug or a race the code must handle, and stays a 500.

Two ways such an error reaches us:

1. Raised by a view (DRF views included: codecapsule.errors.api_exception_handler leaves database errors
   to Django, so DRF re-raises them): `process_exception` answers 503.
2. Raised by another middleware (e.g. SessionMiddleware saving the session after the view): Django turns
   it into a 500 response before any outer middleware sees it. The `got_request_exception` receiver below
   notes the error on the request, and `__call__` swaps that 500 for the 503. This middleware therefore
   sits above SessionMiddleware in settings.MIDDLEWARE.

Recovery needs nothing from here: with CONN_MAX_AGE and conn_health_checks (settings.DATABASES) Django
drops a broken persistent connection at the start of the next request and connects afresh.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from codecapsule.errors import error_body

logger = logging.getLogger(__name__)

# A PostgreSQL restart takes a few seconds; asking clients to come back after 5 spreads their retries
# past it without making anyone wait long.
RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)
_MARK = "_codecapsule_database_error"

UNAVAILABLE_CODE = "database_unavailable"
UNAVAILABLE_MESSAGE = "CodeCapsule is briefly unavailable (its database did not answer). Try again in a few seconds."
UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Briefly unavailable · CodeCapsule</title></head>
<body><h1>CodeCapsule is briefly unavailable</h1><p>Try again in a few seconds.</p></body></html>
"""


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 in the API's error shape for /api/, a short HTML page elsewhere; never cached."""
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body(UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE), status=503)
    else:
        response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    # Our warning (_log) is the record of it: without this Django's request logger would add an ERROR line
    # per request ("Service Unavailable: /path"), flooding the error log for the length of the outage.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _log(request: HttpRequest, exc: BaseException) -> None:
    # A warning, not an error with a traceback: the cause is outside this process, and an outage would
    # otherwise flood the error log with one identical traceback per request.
    reason = (str(exc).strip().splitlines() or [""])[0]  # psycopg adds hint lines; the first says what failed
    logger.warning("database unavailable: %s %s answered 503 (%s: %s)", request.method, request.path, type(exc).__name__, reason)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        if exc is not None and response.status_code == 500:
            _log(request, exc)
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        _log(request, exception)
        return unavailable_response(request)


def _note_database_error(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django sends got_request_exception inside its `except` block, so sys.exc_info() is the error."""
    exc = sys.exc_info()[1]
    if request is not None and is_database_unavailable(exc):
        setattr(request, _MARK, exc)


got_request_exception.connect(_note_database_error, dispatch_uid="codecapsule.dbfaults.note_database_error")
