"""A database that does not answer makes a 503 with Retry-After (codecapsule/dbfaults.py), never a 500;
real bugs (IntegrityError, ProgrammingError, anything else) stay 500s."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, ProgrammingError
from django.db.backends.utils import CursorWrapper
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from codecapsule import dbfaults

pytestmark = pytest.mark.django_db

ERRORS: dict[str, Callable[[], Exception]] = {
    "operational": lambda: OperationalError("connection refused"),
    "interface": lambda: InterfaceError("connection already closed"),
    "integrity": lambda: IntegrityError("duplicate key value violates unique constraint"),
    "data": lambda: DataError("value too long"),
    "programming": lambda: ProgrammingError("relation does not exist"),
    "value": lambda: ValueError("a plain bug"),
}


# --- A small URLconf of failing views (used by the tests that set ROOT_URLCONF to this module) ----------


def failing_page(request: HttpRequest, kind: str) -> HttpResponse:
    raise ERRORS[kind]()


class FailingApiView(APIView):
    def get(self, request: Request, kind: str) -> Response:
        raise ERRORS[kind]()


def session_writing_page(request: HttpRequest) -> HttpResponse:
    request.session["seen"] = True  # SessionMiddleware saves it after the view returns
    return HttpResponse("ok")


urlpatterns = [
    path("boom/<str:kind>", failing_page),
    path("api/boom/<str:kind>", FailingApiView.as_view()),
    path("session-write", session_writing_page),
]


@pytest.fixture
def failing_urls(settings) -> None:
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def quiet_client() -> Client:
    """A client that returns Django's 500 response instead of re-raising the view's exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def database_down(monkeypatch) -> None:
    """Every query fails the way it does while PostgreSQL restarts."""

    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)


def assert_api_503(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(dbfaults.RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "database_unavailable", "message": dbfaults.UNAVAILABLE_MESSAGE, "fields": {}}}
    assert "no-cache" in response["Cache-Control"]


def assert_page_503(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(dbfaults.RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    assert "CodeCapsule is briefly unavailable" in response.content.decode()
    assert "Try again in a few seconds" in response.content.decode()


# --- Real routes with the database gone ---------------------------------------------------------------------


def test_the_api_answers_503_in_the_error_shape_when_the_database_is_down(client, database_down):
    assert_api_503(client.get("/api/capsules/"))


def test_token_authentication_failing_on_the_database_is_a_503_too(client, owner, monkeypatch):
    key = Token.objects.create(user=owner).key
    monkeypatch.setattr(CursorWrapper, "execute", lambda *a, **k: (_ for _ in ()).throw(OperationalError("gone")))
    assert_api_503(client.get("/api/capsules/", HTTP_AUTHORIZATION=f"Token {key}"))


def test_a_page_answers_a_short_503_page_when_the_database_is_down(client, database_down):
    assert_page_503(client.get("/gallery/"))


def test_a_signed_in_page_whose_session_cannot_load_is_a_503(client, owner, monkeypatch):
    client.force_login(owner)
    monkeypatch.setattr(CursorWrapper, "execute", lambda *a, **k: (_ for _ in ()).throw(OperationalError("gone")))
    assert_page_503(client.get("/playlists/"))


def test_healthz_still_reports_the_database_down_in_its_own_shape(client, database_down, monkeypatch):
    monkeypatch.setattr("judges.sandbox.sandbox_status", lambda: None)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


def test_the_outage_is_logged_as_a_warning_without_a_traceback(client, database_down, caplog):
    with caplog.at_level(logging.WARNING, logger="codecapsule.dbfaults"):
        client.get("/api/capsules/")
    [record] = [r for r in caplog.records if r.name == "codecapsule.dbfaults"]
    assert record.levelno == logging.WARNING
    assert "GET /api/capsules/ answered 503 (OperationalError: server closed the connection unexpectedly)" in record.getMessage()
    assert record.exc_info is None
    assert not [r for r in caplog.records if r.name == "django.request"]  # one line per request, not two


# --- Which errors count --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["operational", "interface"])
def test_connection_errors_in_an_api_view_are_503s(client, failing_urls, kind):
    assert_api_503(client.get(f"/api/boom/{kind}"))


@pytest.mark.parametrize("kind", ["operational", "interface"])
def test_connection_errors_in_a_page_are_503s(client, failing_urls, kind):
    assert_page_503(client.get(f"/boom/{kind}"))


@pytest.mark.parametrize("kind", ["integrity", "data", "programming", "value"])
def test_other_errors_in_an_api_view_stay_500s(quiet_client, failing_urls, kind):
    response = quiet_client.get(f"/api/boom/{kind}")
    assert response.status_code == 500
    assert "Retry-After" not in response


@pytest.mark.parametrize("kind", ["integrity", "data", "programming", "value"])
def test_other_errors_in_a_page_stay_500s(quiet_client, failing_urls, kind):
    response = quiet_client.get(f"/boom/{kind}")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_an_integrity_error_still_reaches_the_test_client_as_before(client, failing_urls):
    with pytest.raises(IntegrityError):
        client.get("/boom/integrity")


# --- Errors raised by other middleware, after the view ------------------------------------------------------


def test_a_session_that_cannot_be_saved_is_a_503(quiet_client, failing_urls, monkeypatch):
    def refuse(self: Any, must_create: bool = False) -> None:
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", refuse)
    assert_page_503(quiet_client.get("/session-write"))


def test_a_session_save_failing_for_another_reason_stays_a_500(quiet_client, failing_urls, monkeypatch):
    def refuse(self: Any, must_create: bool = False) -> None:
        raise IntegrityError("duplicate key")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", refuse)
    assert quiet_client.get("/session-write").status_code == 500


def test_a_working_database_changes_nothing(client, failing_urls):
    response = client.get("/session-write")
    assert (response.status_code, response.content) == (200, b"ok")
