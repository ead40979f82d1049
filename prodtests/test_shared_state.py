"""Web processes keep no state, and background work scales out on Redis.

- django-q2 on Redis with several workers: tasks queued from this process run in parallel in a real cluster.
- Django's cache on Redis: a rate limit counts every request, whichever gunicorn worker (or machine) took it.
- Sessions live in the database: a login made on one web server is valid on another one.
"""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.test import Client
from django_q.tasks import async_task, result

from prodtests.stack import WebServer


def results_within(task_ids: list[str], *, seconds: float) -> list:
    deadline = time.monotonic() + seconds
    results = [None] * len(task_ids)
    while None in results and time.monotonic() < deadline:
        results = [result(task_id) for task_id in task_ids]
        time.sleep(0.1)
    return results


def test_a_cluster_of_several_workers_on_redis_runs_tasks_in_parallel(start_qcluster):
    cluster = start_qcluster(Q_WORKERS="3")
    assert settings.Q_CLUSTER["redis"] == settings.REDIS_URL and "orm" not in settings.Q_CLUSTER

    started = time.monotonic()
    task_ids = [async_task("prodtests.tasks.pid_after", 1.5) for _ in range(6)]
    pids = results_within(task_ids, seconds=60)
    elapsed = time.monotonic() - started

    assert None not in pids, cluster.log_tail()
    assert set(pids) <= set(cluster.worker_pids())
    assert len(set(pids)) == 3  # every worker took a share
    assert elapsed < 6 * 1.5  # faster than one worker running them one after another


def test_the_token_throttle_counts_across_gunicorn_workers(web_server, api_user):
    """API_TOKEN_THROTTLE_RATE is 20/minute per address: exactly 20 attempts are answered, whichever of the
    server's two worker processes takes each (a new connection per request lets the kernel spread them)."""
    body = json.dumps({"username": "prod-owner", "password": "wrong"}).encode()
    statuses = [
        web_server.request("POST", "/api/auth/token/", body=body, headers={"Content-Type": "application/json"})[0]
        for _ in range(30)
    ]

    assert statuses[:20] == [400] * 20
    assert statuses[20:] == [429] * 10


def test_a_login_made_on_one_web_server_works_on_another(web_server, production_env, api_user):
    user, _ = api_user
    client = Client()
    client.force_login(user)  # a database session, as the login form makes
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}
    second = WebServer(production_env).start()
    try:
        for server in (web_server, second):
            status, _, body = server.get("/capsules/", headers=cookie)
            assert status == 200
            assert b"prod-owner" in body
    finally:
        second.stop()
