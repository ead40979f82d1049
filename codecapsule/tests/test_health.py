"""/healthz tells a load balancer whether this web process can take traffic."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError

from codecapsule import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox_available(monkeypatch):
    """The sandbox answers "available" unless a test says otherwise; the probe cache starts empty."""
    monkeypatch.setattr("judges.sandbox.sandbox_status", lambda: None)
    health.reset_sandbox_cache()
    yield
    health.reset_sandbox_cache()


def test_it_reports_ok_with_every_check_when_everything_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "sandbox"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["latency_ms"] >= 0
    assert body["checks"]["broker"] == {**body["checks"]["broker"], "ok": True, "kind": "orm", "queued": 0}
    assert body["checks"]["sandbox"]["ok"] is True


def test_it_is_never_cached_and_needs_no_login_session_or_csrf(client):
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies
    assert client.head("/healthz").status_code == 200


def test_it_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_an_unavailable_sandbox_degrades_but_keeps_the_machine_in_rotation(client, monkeypatch):
    monkeypatch.setattr("judges.sandbox.sandbox_status", lambda: "bubblewrap was not found")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["sandbox"]["error"] == "bubblewrap was not found"


def test_a_failing_database_answers_503_down(client, monkeypatch):
    def refuse() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_query_database", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["database"] == {**response.json()["checks"]["database"], "ok": False, "error": "OperationalError"}
    assert "connection refused" not in response.content.decode()  # reasons go to the log, not to anonymous callers


def test_an_unreachable_broker_degrades(client, monkeypatch):
    class DeadBroker:
        def ping(self) -> bool:
            raise ConnectionError("Error 111 connecting to localhost:6379")

    monkeypatch.setattr("django_q.brokers.get_broker", lambda: DeadBroker())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["broker"]["ok"] is False


def test_the_sandbox_probe_is_cached_between_requests(client, monkeypatch):
    calls = []
    monkeypatch.setattr("judges.sandbox.sandbox_status", lambda: calls.append(1))
    client.get("/healthz")
    client.get("/healthz")
    assert len(calls) == 1


def test_the_sandbox_is_probed_again_once_the_cache_expires(client, monkeypatch):
    calls = []
    monkeypatch.setattr("judges.sandbox.sandbox_status", lambda: calls.append(1))
    monkeypatch.setattr(health, "SANDBOX_CACHE_SECONDS", 0.0)
    client.get("/healthz")
    client.get("/healthz")
    assert len(calls) == 2


def test_a_slow_sandbox_probe_does_not_hold_the_answer(client, monkeypatch):
    release = threading.Event()
    monkeypatch.setattr("judges.sandbox.sandbox_status", lambda: release.wait(5) and None)
    monkeypatch.setattr(health, "SANDBOX_WAIT_SECONDS", 0.05)
    try:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["status"] == "degraded"
        assert "did not finish" in response.json()["checks"]["sandbox"]["error"]
    finally:
        release.set()
        health._sandbox_executor.submit(lambda: None).result(timeout=5)  # the probe has ended (one worker)


def test_it_answers_plain_http_probes_when_https_redirects_are_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
