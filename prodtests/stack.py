"""The production-style processes of the fault and fuzz tests: gunicorn serving the WSGI app and django-q2
clusters, each a real subprocess with production settings (DJANGO_DEBUG=0, manifest static files, persistent
database connections), sharing the test run's PostgreSQL database, Redis and S3 bucket (scripts/with_services.py).

    server = WebServer(environment).start()     # gunicorn on a free loopback port
    server.get("/healthz")                       # -> (status, headers, body bytes)
    cluster = QCluster(environment).start()      # manage.py qcluster
    cluster.worker_pids()                        # the cluster's worker processes (children of its sentinel)

Both stop with .stop() (SIGTERM, then SIGKILL) and write their output to a log file whose tail a failing test
prints (`.log_tail()`).
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from scripts.with_postgres import free_port  # noqa: E402

HOST = "127.0.0.1"
START_SECONDS = 60


def production_environment(*, database_url: str, static_root: str, secret_key: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of every production-style process (codecapsule/settings.py reads all of these).

    REDIS_URL and the AWS_* variables come from the run's own environment (scripts/with_services.py). Processes
    that must trust each other's signatures (sessions, django-q2's signed task packages) need one `secret_key`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="codecapsule.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret_key or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_STATIC_ROOT=static_root,
        SITE_URL=f"http://{HOST}",  # plain http on loopback: no HTTPS redirect, no secure-only cookies
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="60",
        LLM_PROVIDER="catalog",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def collect_static(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{result.stdout}\n{result.stderr}")


class _Process:
    name = "process"

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.log_path = tempfile.mktemp(prefix=f"codecapsule-{self.name}-", suffix=".log")

    def command(self) -> list[str]:
        raise NotImplementedError

    def _launch(self) -> None:
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class WebServer(_Process):
    """gunicorn with the project's gunicorn.conf.py (gthread workers), as the Procfile starts it."""

    name = "gunicorn"

    def __init__(self, env: dict[str, str], *, workers: int = 2, threads: int = 4) -> None:
        super().__init__(env)
        self.port = free_port()
        self.workers, self.threads = workers, threads
        self.env = {**env, "SITE_URL": f"http://{HOST}:{self.port}"}

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "codecapsule.wsgi", "--config", "gunicorn.conf.py",
            "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers), "--threads", str(self.threads),
            "--max-requests", "0", "--access-logfile", "/dev/null",
        ]  # fmt: skip

    def start(self) -> WebServer:
        self._launch()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"gunicorn exited early:\n{self.log_tail()}")
            try:
                status, _, _ = self.get("/healthz", timeout=2)
                if status in (200, 503):
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {START_SECONDS} s:\n{self.log_tail()}")

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
        client_address: str | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; `client_address`: the loopback address to send it from (127.x.y.z: another client)."""
        source = (client_address, 0) if client_address else None
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout, source_address=source)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, **kwargs)


class QCluster(_Process):
    """`manage.py qcluster`: a sentinel process with Q_WORKERS worker processes, a monitor and a pusher."""

    name = "qcluster"

    def command(self) -> list[str]:
        return [sys.executable, "manage.py", "qcluster"]

    def start(self, *, workers_expected: int | None = None) -> QCluster:
        self._launch()
        expected = workers_expected or int(self.env.get("Q_WORKERS", "2"))
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"qcluster exited early:\n{self.log_tail()}")
            if len(self.worker_pids()) >= expected:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"qcluster workers did not start within {START_SECONDS} s:\n{self.log_tail()}")

    def descendants(self) -> list[int]:
        """Every process below the qcluster command (its sentinel's children, theirs, ...)."""
        found, frontier = [], [self.pid]
        while frontier:
            parent = frontier.pop()
            for child in _children(parent):
                found.append(child)
                frontier.append(child)
        return found

    def worker_pids(self) -> list[int]:
        """django-q2's worker processes: with setproctitle installed it titles them "qcluster <name> idle" or
        "qcluster <name> processing <task name> '<function>'" (the monitor and pusher say so in theirs)."""
        return [pid for pid in self.descendants() if _is_worker_title(_process_name(pid))]

    def worker_running(self, task_name: str) -> int | None:
        """The pid of the worker processing the task called `task_name`, if one is."""
        for pid in self.worker_pids():
            if f" processing {task_name} " in _process_name(pid):
                return pid
        return None


def _is_worker_title(title: str) -> bool:
    return title.startswith("qcluster ") and (title.rstrip().endswith(" idle") or " processing " in title)


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        children: list[int] = []
        for task in tasks:
            text = (task / "children").read_text().split()
            children.extend(int(c) for c in text)
        return children
    except OSError:
        return []


def _process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def wait_for(condition: Callable[[], Any], *, seconds: float, what: str, log: Callable[[], str] = str, poll: float = 0.25) -> Any:
    """Poll `condition` until it returns something truthy (returned) or `seconds` pass: then the test fails, naming
    `what` and showing `log()` (a process's log tail). Deadlines, never fixed sleeps, decide: the cores are shared."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}\n--- log ---\n{log()}")
        time.sleep(poll)
