#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL cluster: `with_postgres.py -- pytest ...`.

1. Find the newest server binaries under /usr/lib/postgresql/*/bin.
2. initdb a cluster in a temporary directory (as the `postgres` system user when we are root, because
   PostgreSQL refuses to run as root), tuned for tests: no fsync, trust auth on loopback only.
3. Start it on a free loopback port, wait until it accepts connections.
4. Run the command with DATABASE_URL pointing at it (the Django database `codecapsule`),
   CODECAPSULE_PG_ADMIN_URL (the superuser on the maintenance database `postgres`) and JUDGE_POSTGRES_URL
   (the same superuser URL: the judge of DATABASE capsules in the postgresql dialect makes its throwaway
   databases and roles there); exit with the command's own exit status.
5. Stop the cluster (fast shutdown) and delete the directory, whatever happened.

Steps 1-3 and 5 are `throwaway_cluster()`, a context manager other code can import (the PostgreSQL
judge's tests start their own cluster this way when no URL is given):

    from scripts.with_postgres import throwaway_cluster
    with throwaway_cluster() as cluster:
        cluster.url("postgres")    # postgres://postgres@127.0.0.1:<port>/postgres
        cluster.stop()             # fast shutdown (clients are disconnected), the directory stays
        cluster.start()            # the same data directory on the same port, ready again
        cluster.restart(down_seconds=3)

stop()/start() are for fault tests (a database restart under traffic); the cluster is stopped and
deleted on exit whether or not it is running then.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class ClusterError(RuntimeError):
    """The throwaway cluster could not be started (no server binaries, initdb failed, never ready)."""


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    version: str  # the major version directory, e.g. "15"
    root: str  # the temporary directory holding data, socket and log
    server: _Server | None = field(default=None, compare=False, repr=False)  # set by throwaway_cluster()

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgres://{user}@{self.host}:{self.port}/{database}"

    def _running_server(self) -> _Server:
        if self.server is None:
            raise ClusterError("this Cluster was not started by throwaway_cluster(): it cannot be stopped or started")
        return self.server

    def stop(self, *, mode: str = "fast") -> None:
        """Shut the server down and wait for it to exit: "fast" disconnects clients (rolling their
        transactions back), "smart" waits for them to leave, "immediate" is a crash without a checkpoint."""
        self._running_server().stop(mode=mode)

    def start(self) -> None:
        """Start the server again on the same port and data directory; returns once it accepts connections."""
        self._running_server().start()

    def restart(self, *, down_seconds: float = 0.0, mode: str = "fast") -> None:
        self.stop(mode=mode)
        time.sleep(down_seconds)
        self.start()

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.running


def server_bin_dir() -> str:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not candidates:
        raise ClusterError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return candidates[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_as_kwargs() -> dict:
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam("postgres")
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _log_text(log_path: str) -> str:
    try:
        with open(log_path) as log:
            return log.read()
    except OSError:
        return ""


def wait_until_ready(bin_dir: str, port: int, socket_dir: str, proc: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ClusterError(f"server exited early:\n{_log_text(log_path)}")
        ready = subprocess.run(
            [f"{bin_dir}/pg_isready", "-h", "127.0.0.1", "-p", str(port), "-q"], check=False
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise ClusterError(f"server not ready after 30 s:\n{_log_text(log_path)}")


_SHUTDOWN_SIGNALS = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}


class _Server:
    """The postmaster of a throwaway cluster, which can be stopped and started again."""

    def __init__(self, *, bin_dir: str, data_dir: str, socket_dir: str, log_path: str, port: int, as_user: dict) -> None:
        self.bin_dir, self.data_dir, self.socket_dir, self.log_path = bin_dir, data_dir, socket_dir, log_path
        self.port, self.as_user = port, as_user
        self.proc: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        if self.running:
            raise ClusterError("the server is already running")
        with open(self.log_path, "a") as log:
            if self.as_user:
                os.chown(self.log_path, self.as_user["user"], self.as_user["group"])
            self.proc = subprocess.Popen(
                [
                    f"{self.bin_dir}/postgres", "-D", self.data_dir, "-p", str(self.port), "-k", self.socket_dir,
                    "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off", "-c", "max_connections=200",
                ],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **self.as_user,
            )  # fmt: skip
        wait_until_ready(self.bin_dir, self.port, self.socket_dir, self.proc, self.log_path)

    def stop(self, *, mode: str = "smart", timeout: float = 15) -> None:
        if not self.running:
            return
        assert self.proc is not None
        self.proc.send_signal(_SHUTDOWN_SIGNALS[mode])
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """initdb + start a cluster on a free loopback port; stop it and delete its directory on exit."""
    bin_dir = server_bin_dir()
    as_user = run_as_kwargs()
    root = tempfile.mkdtemp(prefix="codecapsule-pg-")
    data_dir, socket_dir, log_path = f"{root}/data", f"{root}/sock", f"{root}/server.log"
    os.makedirs(socket_dir)
    if as_user:
        os.chown(root, as_user["user"], as_user["group"])
        os.chown(socket_dir, as_user["user"], as_user["group"])
    port = free_port()
    server = _Server(bin_dir=bin_dir, data_dir=data_dir, socket_dir=socket_dir, log_path=log_path, port=port, as_user=as_user)
    try:
        initdb = subprocess.run(
            [f"{bin_dir}/initdb", "-D", data_dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "-N"],
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **as_user,
        )
        if initdb.returncode != 0:
            raise ClusterError(f"initdb failed ({initdb.returncode}):\n{initdb.stderr}")
        server.start()
        yield Cluster(host="127.0.0.1", port=port, version=bin_dir.split("/")[-2], root=root, server=server)
    finally:
        server.stop(mode="smart")  # tests hold no long-lived sessions; SIGKILL after 15 s if one does
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit("usage: with_postgres.py -- COMMAND [ARGS...]")
    try:
        with throwaway_cluster() as cluster:
            env = dict(
                os.environ,
                DATABASE_URL=cluster.url("codecapsule"),
                CODECAPSULE_PG_ADMIN_URL=cluster.url("postgres"),
                JUDGE_POSTGRES_URL=cluster.url("postgres"),
            )
            print(f"with_postgres: PostgreSQL ({cluster.version}) on {cluster.host}:{cluster.port}", flush=True)
            return subprocess.run(argv, env=env, check=False).returncode
    except ClusterError as exc:
        sys.exit(f"with_postgres: {exc}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
