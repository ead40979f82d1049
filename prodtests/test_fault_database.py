"""PostgreSQL restarted during traffic. Requests fail cleanly while it is down, then recover.

The run's own PostgreSQL (scripts/with_postgres.py) serves every other test, so this one starts a second,
throwaway cluster, migrates and seeds a database there, and serves it with its own gunicorn (production
settings: persistent connections with health checks, gthread workers). Then:

1. a few client threads keep sending a mix of database-backed requests (token-authenticated API reads,
   anonymous public pages) and /healthz;
2. PostgreSQL stops (fast shutdown: every connection is cut), stays down OUTAGE_SECONDS, starts again;
3. the traffic goes on for AFTER_SECONDS more.

Every request gets an answer within REQUEST_BOUND_SECONDS (no reset connection, no hang, no 500). While the
database is down the API answers 503 in the error shape with Retry-After, pages a short 503 page with
Retry-After, /healthz 503 with the database check failed (codecapsule/dbfaults.py, codecapsule/health.py).
Within RECOVERY_BOUND_SECONDS of the restart every request is 200 again, served by the same gunicorn
workers (no worker restarts: Django's connection health checks replace the broken connections).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from prodtests.stack import ROOT, WebServer, production_environment
from scripts.with_postgres import Cluster, throwaway_cluster

CLIENT_THREADS = 4
OUTAGE_SECONDS = 3.0
AFTER_SECONDS = 5.0
REQUEST_BOUND_SECONDS = 10.0  # "no hangs": far above a healthy answer (~10-100 ms), far below a client's patience
RECOVERY_BOUND_SECONDS = 3.0  # from "PostgreSQL accepts connections again" to "every request is 200"
SETUP_SECONDS = 300  # migrate on 2 shared cores

SEED = """
import json
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from playlists.services import playlist_create

user = User.objects.create_user("fault-owner", "fault-owner@example.com", "fault-owner-pass-123")
data = capsule_data("CODE")
capsules = Capsule.objects.bulk_create(
    Capsule(creator=user, title=f"Step {n}", capsule_type="CODE", problem_statement_md=data["problem_statement_md"],
            language="python", runtime_tier="sandbox-python", difficulty="easy", config_data=data["config_data"],
            status="published", is_public=True)
    for n in range(1, 4)
)
playlist = playlist_create(creator=user, title="Survives restarts", is_public=True,
                           items=[{"capsule_id": str(c.pk)} for c in capsules])
print("SEEDED " + json.dumps({"token": Token.objects.create(user=user).key, "playlist_id": str(playlist.pk)}))
"""


@dataclass
class Answer:
    kind: str
    sent: float
    done: float
    status: int | None = None
    headers: dict[str, str] | None = None
    body: bytes = b""
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.done - self.sent


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=SETUP_SECONDS, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def restartable_site(production_env) -> Iterator[tuple[Cluster, WebServer, dict[str, str]]]:
    """(cluster, gunicorn on it, {token, playlist_id}): a seeded database on a cluster of its own."""
    with throwaway_cluster() as cluster:
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE codecapsule_fault")
        env = production_environment(database_url=cluster.url("codecapsule_fault"), static_root=production_env["DJANGO_STATIC_ROOT"])
        manage(env, "migrate", "--noinput", "-v", "0")
        seeded = manage(env, "shell", "-c", SEED)
        site = json.loads(seeded.split("SEEDED ", 1)[1])
        server = WebServer(env).start()
        try:
            yield cluster, server, site
        finally:
            server.stop()  # before the cluster's smart shutdown, which waits for gunicorn's connections


def gunicorn_workers(server: WebServer) -> set[int]:
    children: set[int] = set()
    for task in Path(f"/proc/{server.pid}/task").iterdir():
        children.update(int(pid) for pid in (task / "children").read_text().split())
    return children


class Traffic:
    """CLIENT_THREADS threads, each cycling through the request kinds until stopped."""

    def __init__(self, server: WebServer, site: dict[str, str]) -> None:
        api = {"Authorization": f"Token {site['token']}", "Accept": "application/json"}
        self.requests = {
            "api-capsules": ("/api/capsules/", api),
            "api-playlist": (f"/api/playlists/{site['playlist_id']}", api),
            "page-gallery": ("/gallery/", {}),
            "page-playlist": (f"/gallery/{site['playlist_id']}/", {}),
            "healthz": ("/healthz", {}),
        }
        self.server = server
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(CLIENT_THREADS)]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_BOUND_SECONDS + 5)
        assert not any(thread.is_alive() for thread in self._threads), "a client thread never got an answer"

    def _run(self, offset: int) -> None:
        kinds = list(self.requests)
        n = offset
        while not self._stop.is_set():
            kind = kinds[n % len(kinds)]
            n += 1
            path, headers = self.requests[kind]
            answer = Answer(kind=kind, sent=time.monotonic(), done=0.0)
            try:
                answer.status, answer.headers, answer.body = self.server.get(path, headers=headers, timeout=REQUEST_BOUND_SECONDS)
            except Exception as exc:  # noqa: BLE001 - a reset or a timeout is what the test looks for
                answer.error = f"{type(exc).__name__}: {exc}"
            answer.done = time.monotonic()
            with self._lock:
                self.answers.append(answer)
            time.sleep(0.01)

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def wait_for(self, condition: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.snapshot()):
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def assert_clean_503(answer: Answer) -> None:
    """The failure a client can act on: 503 and when to come back, in the shape of the path it asked."""
    assert answer.status == 503, answer
    assert answer.headers is not None
    if answer.kind == "healthz":
        report = json.loads(answer.body)
        assert report["status"] == "down"
        assert report["checks"]["database"]["ok"] is False
        return
    assert answer.headers.get("retry-after") == "5", answer
    if answer.kind.startswith("api-"):
        assert answer.headers["content-type"] == "application/json"
        error = json.loads(answer.body)["error"]
        assert error["code"] == "database_unavailable" and error["message"] and error["fields"] == {}
    else:
        assert answer.headers["content-type"].startswith("text/html")
        assert b"CodeCapsule is briefly unavailable" in answer.body


def test_requests_fail_cleanly_while_postgresql_restarts_and_then_recover(restartable_site):
    cluster, server, site = restartable_site
    workers_before = gunicorn_workers(server)
    assert workers_before

    with Traffic(server, site) as traffic:
        kinds = set(traffic.requests)
        traffic.wait_for(lambda answers: {a.kind for a in answers if a.status == 200} == kinds, 60, "every kind of request to answer 200")
        down_from = time.monotonic()
        cluster.stop(mode="fast")
        down_since = time.monotonic()  # from here on, nothing can reach the database
        time.sleep(OUTAGE_SECONDS)  # the scenario's outage, not a wait for a result
        up_from = time.monotonic()
        cluster.start()
        up_since = time.monotonic()  # PostgreSQL accepts connections again
        traffic.wait_for(
            lambda answers: (
                sum(a.sent > up_since + RECOVERY_BOUND_SECONDS for a in answers) >= 5 * len(kinds)
                and time.monotonic() > up_since + AFTER_SECONDS
            ),
            60,
            "traffic after the restart",
        )

    answers = traffic.answers
    failures = [a for a in answers if a.error is not None]
    assert not failures, f"connection errors: {failures[:5]}\n{server.log_tail()}"
    slow = [a for a in answers if a.seconds > REQUEST_BOUND_SECONDS]
    assert not slow, slow[:5]
    unexpected = [a for a in answers if a.status not in (200, 503)]
    assert not unexpected, f"{unexpected[:3]}\n{server.log_tail()}"

    # While it was down (sent after the stop completed, answered before the start began): only clean 503s.
    during = [a for a in answers if a.sent >= down_since and a.done <= up_from]
    assert {a.kind for a in during} == kinds, Counter(a.kind for a in during)
    for answer in during:
        assert_clean_503(answer)
    # Around the edges an answer may be either, but a failure is still a clean one.
    for answer in answers:
        if answer.status == 503:
            assert_clean_503(answer)
            assert answer.done >= down_from, f"a 503 before the database stopped: {answer}"

    # Recovery: the last failure answered soon after the restart; everything sent later is 200.
    after = [a for a in answers if a.sent >= up_since]
    late_failures = [a for a in after if a.status != 200]
    recovered_in = max((a.done - up_since for a in late_failures), default=0.0)
    first_success = min(a.done - up_since for a in after if a.status == 200)
    assert recovered_in <= RECOVERY_BOUND_SECONDS, late_failures[-3:]
    settled = [a for a in after if a.sent > up_since + RECOVERY_BOUND_SECONDS]
    assert {a.kind for a in settled} == kinds
    assert all(a.status == 200 for a in settled)

    # The same workers served it all: recovery needed no restart.
    assert server.alive()
    assert gunicorn_workers(server) == workers_before

    statuses = Counter((a.kind, a.status) for a in during)
    print(
        f"\n{len(answers)} requests; down {up_from - down_since:.1f} s: {len(during)} answered in the outage, "
        f"all 503 ({dict(statuses)}), slowest {max((a.seconds for a in during), default=0) * 1000:.0f} ms; "
        f"first 200 {first_success * 1000:.0f} ms after PostgreSQL was back, last 503 at {recovered_in:.2f} s "
        f"({len(late_failures)} 503s after it), "
        f"{len(settled)} requests 200 since; stop took {(down_since - down_from) * 1000:.0f} ms, "
        f"start {(up_since - up_from) * 1000:.0f} ms; workers {sorted(workers_before)} unchanged"
    )
    assert os.path.isdir(cluster.root)
