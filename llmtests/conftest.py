"""The generation pipeline against a real model. `make test-llm` runs this directory as

    scripts/with_llm_server.py -- scripts/run_pytest.sh llmtests

so settings in this process already point every agent at a llama.cpp server on loopback serving a small real model
(LLM_PROVIDER=openai, OPENAI_BASE_URL, OPENAI_MODEL). Nothing here is scripted: what the model answers is whatever
it answers, so the tests assert what a weak model allows (every job ends, within its budget, with a named reason;
nothing that failed the gate is saved), never that it writes a good exercise.

The jobs run as in production: created through generation.services.generation_job_create, whose commit queues the
task, and run by a real `manage.py qcluster` (django-q2's ORM broker). The worker must see the database this
process writes to, so the test database is a SQLite FILE (django_db_modify_db_settings below) on SQLite, and the
live test database on PostgreSQL; tests are transactional, so every row is really committed.

Fixtures:
    cluster_environment   the environment of a worker: this one plus LLM_BUDGETS, the test database, Q_SYNC=0
    start_qcluster        start_qcluster(**env) -> a running cluster, stopped after the test (SIGTERM, bounded)
    job_report            job_report(job) adds a line to the report printed at the end of the run
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from prodtests.stack import QCluster
from tests.databases import database_url

REQUIRED_ENVIRONMENT = {"LLM_PROVIDER": "openai", "OPENAI_BASE_URL": None, "OPENAI_MODEL": None}

# What a job may spend with a model this slow. Measured on 2 cores: prompts at ~230 tokens/s, answers at ~45 tokens/s
# (~25 under a JSON Schema grammar), so a 1500-token draft takes a minute. Small output caps and one heal keep a job
# to a few minutes and the run well under a quarter of an hour (larger caps only let the model repeat itself longer).
# The wall budget stays 60 s below django-q2's timeout, so a job over time fails as time_budget, not worker_lost.
LLM_BUDGETS = {
    "GENERATION_MAX_HEALS": "1",
    "LLM_MAX_TOKENS_PEDAGOGIST": "600",
    "LLM_MAX_TOKENS_CODER": "1500",
    "LLM_MAX_TOKENS_DEBUGGER": "1500",
    "LLM_MAX_TOKENS_SOLVER": "600",
    "GENERATION_JOB_TOKEN_BUDGET": "30000",
    "GENERATION_JOB_WALL_SECONDS": "240",
    "Q_TIMEOUT_SECONDS": "300",
    "LLM_TIMEOUT_SECONDS": "200",
    "LLM_MAX_RETRIES": "0",  # a local server that failed once fails again; a retry would only spend the budget
}
# Past its wall budget a job may still finish the judgement (and the save's second judgement) it is in.
WALL_MARGIN_SECONDS = 60
# The job's wall budget, its margin, and the cluster's start and first poll.
JOB_WAIT_SECONDS = int(LLM_BUDGETS["GENERATION_JOB_WALL_SECONDS"]) + WALL_MARGIN_SECONDS + 60
STOP_SECONDS = 30  # for the cluster to shut down after SIGTERM (its worker finishes its task first)


def pytest_configure(config: pytest.Config) -> None:
    wrong = [name for name, value in REQUIRED_ENVIRONMENT.items() if not os.environ.get(name) or (value and os.environ[name] != value)]
    if wrong:
        raise pytest.UsageError(
            "llmtests need a real OpenAI-compatible server: run them with `make test-llm` "
            f"(scripts/with_llm_server.py; missing or wrong: {', '.join(wrong)})"
        )
    config.stash[_REPORT] = []


_REPORT = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory) -> None:
    """On SQLite, a test database in a file rather than in memory: the cluster's worker opens the same file."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("llm-db") / "test.sqlite3")


@pytest.fixture
def cluster_environment(transactional_db, tmp_path: Path, monkeypatch) -> dict[str, str]:
    from django.db import connection
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # the cluster runs the task, not this process
    monkeypatch.setattr(Conf, "ORM", "default")  # the broker is the database both processes share
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db(), "the worker cannot open an in-memory database"  # type: ignore[attr-defined]
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(LLM_BUDGETS)
    env.update(
        DJANGO_SETTINGS_MODULE="codecapsule.settings",
        DATABASE_URL=database_url(connection.settings_dict),
        CODECAPSULE_VAR_DIR=str(tmp_path / "var"),  # the worker's media (DATABASE capsules' seed SQL files)
        Q_SYNC="0",
        Q_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def start_qcluster(cluster_environment: dict[str, str]) -> Iterator[Callable[..., QCluster]]:
    clusters: list[QCluster] = []

    def start(**env: str) -> QCluster:
        cluster = QCluster({**cluster_environment, **env}).start()
        clusters.append(cluster)
        return cluster

    yield start
    for cluster in clusters:
        stop_cluster(cluster)


def stop_cluster(cluster: QCluster) -> None:
    """SIGTERM to the cluster, a bounded wait for it and every process of its session; SIGKILL and fail otherwise."""
    assert cluster.proc is not None
    if cluster.alive():
        cluster.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while (cluster.alive() or _group_alive(cluster.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if cluster.alive() or _group_alive(cluster.pid):
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.proc.wait(timeout=10)
        pytest.fail(f"the cluster did not stop within {STOP_SECONDS} s of SIGTERM:\n{cluster.log_tail()}")


def server_log_tail(lines: int = 30) -> str:
    """The end of llama-server's log (scripts/with_llm_server.py names it), for a failure that may be the server's."""
    path = os.environ.get("LLAMA_SERVER_LOG", "")
    try:
        return "llama-server log:\n" + "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no llama-server log at {path!r})"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def job_report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    lines = request.config.stash[_REPORT]
    return lines.append


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("generation jobs against the real model")
        for line in lines:
            terminalreporter.write_line(line)
