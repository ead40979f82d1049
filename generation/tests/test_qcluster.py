"""A real django-q2 cluster (`manage.py qcluster`, as `make run` starts it) runs a generation job end to end.

The ORM broker is a table: the worker must see the database the test writes to. pytest-django's SQLite test
database lives in memory, which no other process can open, so on SQLite the test
1. migrates a temporary SQLite FILE in a subprocess (`manage.py migrate`, DATABASE_URL pointing at it),
2. points this process's default connection at the same file for the duration of the test,
3. creates the creator and the job through the service: its commit enqueues the task into that file's
   queue table, and the cluster, started with the same DATABASE_URL, picks it up.
On PostgreSQL (make test-postgres) or a file-based SQLite test database, the cluster is pointed at the live
test database instead (the test is transactional, so the job is really committed there).
The cluster is stopped with SIGTERM and a bounded wait; the test fails if any of its processes survive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, connections

from capsules.models import Capsule
from generation.models import GenerationJob, JobStatus
from generation.services import generation_job_create
from tests.databases import database_url

MIGRATE_TIMEOUT = 180  # seconds: a cold migrate of every app on a slow machine
JOB_TIMEOUT = 90  # seconds for the cluster to start and finish a catalog job (about a second of work)
STOP_TIMEOUT = 30  # seconds for the cluster to shut down after SIGTERM (its workers finish their task first)


@contextmanager
def default_database(name: str) -> Iterator[None]:
    """Point this process's default connection at another SQLite database file, then restore the original
    (whose in-memory test database stays open and untouched meanwhile)."""
    original = connections["default"]
    replacement = original.__class__({**original.settings_dict, "NAME": name}, alias="default")
    connections["default"] = replacement
    try:
        yield
    finally:
        replacement.close()
        connections["default"] = original


def cluster_environment(url: str, tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}  # the ORM broker, as in `make run`
    env.update(
        DJANGO_SETTINGS_MODULE="codecapsule.settings",
        DATABASE_URL=url,
        CODECAPSULE_VAR_DIR=str(tmp_path / "var"),  # media (seed SQL files) of the worker
        LLM_PROVIDER="catalog",
        Q_SYNC="0",
        Q_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_manage(env: dict[str, str], *args: str, timeout: float) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_cluster(process: subprocess.Popen, log: Path) -> None:
    """SIGTERM to the cluster, a bounded wait for it and every process of its session; SIGKILL and fail otherwise."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while (process.poll() is None or group_alive(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if process.poll() is None or group_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        pytest.fail(f"the cluster did not stop within {STOP_TIMEOUT} s of SIGTERM:\n{log.read_text()[-4000:]}")


def wait_for(job: GenerationJob, process: subprocess.Popen, log: Path) -> GenerationJob:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if process.poll() is not None:
            pytest.fail(f"the cluster exited ({process.returncode}) before the job finished:\n{log.read_text()[-4000:]}")
        time.sleep(0.25)
    pytest.fail(f"job still {job.status} after {JOB_TIMEOUT} s:\n{log.read_text()[-4000:]}")


@pytest.fixture
def cluster_database(tmp_path, monkeypatch) -> Iterator[str]:
    """The DATABASE_URL the cluster uses; while the test runs, this process's default database is the same."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # undo conftest's sync mode: the real cluster runs the task
    monkeypatch.setattr(Conf, "ORM", "default")
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]  # SQLite's only
        db_file = tmp_path / "qcluster.sqlite3"
        url = f"sqlite:///{db_file}"
        run_manage(cluster_environment(url, tmp_path), "migrate", "--noinput", timeout=MIGRATE_TIMEOUT)
        with default_database(str(db_file)):
            yield url
    else:
        yield database_url(connection.settings_dict)


@pytest.mark.django_db(transaction=True)
def test_a_real_qcluster_runs_a_queued_job_to_a_validated_capsule(cluster_database, tmp_path, settings):
    settings.LLM_PROVIDER = "catalog"
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    creator = User.objects.create_user("cluster-creator", "cluster@example.com", "cluster-pass-123")
    log = tmp_path / "qcluster.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env=cluster_environment(cluster_database, tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the test can see (and end) every process it forks
        )
    try:
        job = generation_job_create(
            creator=creator, capsule_type="CODE", language="python", difficulty="easy", prompt="count the words in a sentence"
        )
        assert job.status == JobStatus.QUEUED
        job = wait_for(job, process, log)
    finally:
        stop_cluster(process, log)

    assert job.status == JobStatus.SUCCEEDED, f"{job.error_category}: {job.error}\n{log.read_text()[-4000:]}"
    capsule = Capsule.objects.get(pk=job.result_capsule_id)
    assert (capsule.creator_id, capsule.capsule_type, capsule.status) == (creator.pk, "CODE", "validated")
    assert list(job.steps.order_by("position").values_list("agent", flat=True)[:3]) == ["pedagogist", "coder", "judge"]
    assert job.started_at is not None and job.finished_at is not None and job.quality_score is not None

    from django_q.models import Task

    task = Task.objects.get(name=f"generation-{job.pk}")  # the cluster, not this process, ran it
    assert task.success is True
    assert task.result == f"succeeded: job {job.pk}"
    assert process.returncode is not None and not group_alive(process.pid)
