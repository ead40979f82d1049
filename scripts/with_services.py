#!/usr/bin/env python3
"""Run a command beside a throwaway Redis and a throwaway S3-compatible server: `with_services.py -- pytest ...`.

The production-style run (`make test-production`): django-q2's broker and Django's cache on a real `redis-server`
(Debian's), seed SQL files and training exports in S3 through django-storages, here moto in server mode. Both
listen on free loopback ports, keep nothing on disk beyond a temporary directory, and are stopped when the
command ends.

The command gets, on top of its own environment:
    REDIS_URL                 redis://127.0.0.1:<port>/0
    AWS_STORAGE_BUCKET_NAME   a bucket created for the run
    AWS_S3_ENDPOINT_URL       http://127.0.0.1:<port>
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_S3_REGION_NAME   test credentials (moto accepts any)
and the command's exit status is ours. Combine with scripts/with_postgres.py for the whole stack:

    with_postgres.py -- with_services.py -- pytest prodtests

`throwaway_redis()` and `throwaway_s3()` are context managers other code can import, like
`throwaway_cluster()` in with_postgres.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.with_postgres import free_port  # noqa: E402

HOST = "127.0.0.1"
START_SECONDS = 30
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "codecapsule-test",
    "AWS_SECRET_ACCESS_KEY": "codecapsule-test-secret",
    "AWS_S3_REGION_NAME": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class ServiceError(RuntimeError):
    """A throwaway server could not be started."""


@dataclass(frozen=True)
class Redis:
    host: str
    port: int
    root: str

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"


@dataclass(frozen=True)
class S3:
    endpoint_url: str
    bucket: str

    def environment(self) -> dict[str, str]:
        return {"AWS_STORAGE_BUCKET_NAME": self.bucket, "AWS_S3_ENDPOINT_URL": self.endpoint_url, **S3_CREDENTIALS}


def _wait_for_port(port: int, proc: subprocess.Popen, log_path: str, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceError(f"{what} exited early ({proc.returncode}):\n{Path(log_path).read_text(errors='replace')}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServiceError(f"{what} not listening after {START_SECONDS} s:\n{Path(log_path).read_text(errors='replace')}")


def _spawn(command: list[str], log_path: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a server in a session of its own (a Ctrl-C meant for the tests does not reach it), output to a log."""
    with open(log_path, "w") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def throwaway_redis() -> Iterator[Redis]:
    """redis-server on a free loopback port, without persistence; stopped and its directory deleted on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceError("redis-server is not installed (Debian package redis-server, scripts/system-packages.txt)")
    root = tempfile.mkdtemp(prefix="codecapsule-redis-")
    port, log_path = free_port(), f"{root}/redis.log"
    proc = None
    try:
        proc = _spawn(
            [
                binary, "--bind", HOST, "--port", str(port), "--dir", root, "--save", "", "--appendonly", "no",
                "--protected-mode", "yes", "--daemonize", "no", "--databases", "16",
            ],
            log_path,
        )  # fmt: skip
        _wait_for_port(port, proc, log_path, "redis-server")
        yield Redis(host=HOST, port=port, root=root)
    finally:
        _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def throwaway_s3(bucket: str = "codecapsule-test") -> Iterator[S3]:
    """moto's S3-compatible server on a free loopback port (in memory), with `bucket` created; stopped on exit."""
    root = tempfile.mkdtemp(prefix="codecapsule-s3-")
    port, log_path = free_port(), f"{root}/moto.log"
    proc = None
    try:
        proc = _spawn([sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)], log_path, env={**os.environ, **S3_CREDENTIALS})
        _wait_for_port(port, proc, log_path, "moto server")
        s3 = S3(endpoint_url=f"http://{HOST}:{port}", bucket=bucket)
        _create_bucket(s3)
        yield s3
    finally:
        _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


def _create_bucket(s3: S3) -> None:
    import boto3

    client = boto3.client(
        "s3", endpoint_url=s3.endpoint_url, region_name=S3_CREDENTIALS["AWS_S3_REGION_NAME"],
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"], aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )  # fmt: skip
    client.create_bucket(Bucket=s3.bucket)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit("usage: with_services.py -- COMMAND [ARGS...]")
    try:
        with throwaway_redis() as redis, throwaway_s3() as s3:
            env = dict(os.environ, REDIS_URL=redis.url(0), **s3.environment())
            print(f"with_services: Redis on {redis.host}:{redis.port}, S3 (moto) on {s3.endpoint_url}", flush=True)
            return subprocess.run(argv, env=env, check=False).returncode
    except ServiceError as exc:
        sys.exit(f"with_services: {exc}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
