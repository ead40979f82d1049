#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL cluster: `with_postgres.py -- pytest ...`.

1. Find the newest server binaries under /usr/lib/postgresql/*/bin.
2. initdb a cluster in a temporary directory (as the `postgres` system user when we are root, because
   PostgreSQL refuses to run as root), tuned for tests: no fsync, trust auth on loopback only.
3. Start it on a free loopback port, wait until it accepts connections.
4. Run the command with DATABASE_URL pointing at it; exit with the command's own exit status.
5. Stop the cluster (fast shutdown) and delete the directory, whatever happened.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def server_bin_dir() -> str:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not candidates:
        sys.exit("with_postgres: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
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


def wait_until_ready(bin_dir: str, port: int, socket_dir: str, proc: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"with_postgres: server exited early:\n{open(log_path).read()}")
        ready = subprocess.run(
            [f"{bin_dir}/pg_isready", "-h", "127.0.0.1", "-p", str(port), "-q"], check=False
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    sys.exit(f"with_postgres: server not ready after 30 s:\n{open(log_path).read()}")


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit("usage: with_postgres.py -- COMMAND [ARGS...]")
    bin_dir = server_bin_dir()
    as_user = run_as_kwargs()
    root = tempfile.mkdtemp(prefix="codecapsule-pg-")
    data_dir, socket_dir, log_path = f"{root}/data", f"{root}/sock", f"{root}/server.log"
    os.makedirs(socket_dir)
    if as_user:
        os.chown(root, as_user["user"], as_user["group"])
        os.chown(socket_dir, as_user["user"], as_user["group"])
    port = free_port()
    server = None
    try:
        subprocess.run(
            [f"{bin_dir}/initdb", "-D", data_dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "-N"],
            check=True, stdout=subprocess.DEVNULL, **as_user,
        )
        with open(log_path, "w") as log:
            if as_user:
                os.chown(log_path, as_user["user"], as_user["group"])
            server = subprocess.Popen(
                [
                    f"{bin_dir}/postgres", "-D", data_dir, "-p", str(port), "-k", socket_dir,
                    "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off", "-c", "max_connections=200",
                ],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **as_user,
            )
        wait_until_ready(bin_dir, port, socket_dir, server, log_path)
        env = dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/codecapsule",
                   CODECAPSULE_PG_ADMIN_URL=f"postgres://postgres@127.0.0.1:{port}/postgres")
        print(f"with_postgres: PostgreSQL ({bin_dir.split('/')[-2]}) on 127.0.0.1:{port}", flush=True)
        return subprocess.run(argv, env=env, check=False).returncode
    finally:
        if server is not None and server.poll() is None:
            server.terminate()  # SIGTERM = smart shutdown; tests hold no long-lived sessions
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
