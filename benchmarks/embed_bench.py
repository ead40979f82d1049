#!/usr/bin/env python3
"""Embed benchmark (issue #5 part 11): how fast a course embedded in a blog answers under load, and how much
a learner downloads to see it.

1. Starts a throwaway PostgreSQL cluster (scripts/with_postgres.py), migrates, and seeds two public playlists of
   published CODE capsules, one of 20 steps and one of 200 (bulk-created rows; the judge is not run: what is
   measured is serving them).
2. Collects static files into a temporary STATIC_ROOT (a settings module in the temporary directory extends
   codecapsule.settings, because STATIC_ROOT is not read from the environment) and starts gunicorn on loopback
   with production settings: DJANGO_DEBUG=0, manifest static files served by WhiteNoise, persistent database
   connections (DATABASE_CONN_MAX_AGE=60; the default 0 opens a connection per request).
3. Requests random steps of
       GET /api/playlists/<id>/embed?step=N     (the seed's JSON)
       GET /embed/playlist/<id>?step=N          (the learner's page)
   for each playlist, first with one client (the cost of a request without queueing), then with --clients
   (default 50) for --seconds, each after --warmup unrecorded seconds. Every client is closed-loop and plays one
   learner after another: --session requests on a keep-alive connection with that learner's cookies, then a new
   connection. All clients run in one asyncio loop, so the load generator stays light. Prints requests per
   second, latency percentiles (nearest rank; from writing the request to reading the whole response) and
   gunicorn's CPU milliseconds per request.
4. Prints the embed page's weight: its HTML plus every stylesheet and script it references (<link href>,
   <script src>), raw and gzip-compressed (level 6, as a typical server compresses), in KB.

Targets: p99 at most 50 ms at 50 clients, page weight at most 60 KB (gzip). The exit status is 0 whether or not
the targets are met (this is a report), 1 when any request failed (a status other than 200, or a broken
connection), 2 when the benchmark could not run.

Gunicorn runs the threaded worker (gthread), --workers 3 --threads 4 by default: these machines have 2 cores,
shared with PostgreSQL and the load generator. Django's request handling is CPU-bound Python, so more processes
than cores only add context switches, while a process per core plus one keeps both cores busy when one worker
waits on PostgreSQL; the threads cover the database round trips inside a worker, and the gthread worker keeps
idle keep-alive connections in its poller instead of tying a thread to each of the 50 clients. Measured here,
2x8, 3x4, 4x4 and 5x2 served the JSON endpoint at about the same rate (within the noise), 3x4 a little ahead.

The whole run takes about 90 s:

    .venv/bin/python benchmarks/embed_bench.py [--clients 50] [--seconds 10] [--baseline 3] [--warmup 2]
                                               [--session 10] [--workers 3] [--threads 4]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import math
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.with_postgres import ClusterError, free_port, throwaway_cluster  # noqa: E402  (no Django needed)

HOST = "127.0.0.1"
SMALL_STEPS, LARGE_STEPS = 20, 200
TARGET_P99_MS = 50.0
TARGET_CLIENTS = 50
TARGET_WEIGHT_KB = 60.0
GZIP_LEVEL = 6
SERVER_START_SECONDS = 60
RESPONSE_TIMEOUT_SECONDS = 30


# --- Setting up -------------------------------------------------------------------------------------------


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def server_environment(database_url: str, settings_dir: str) -> dict[str, str]:
    """Production settings (codecapsule/settings.py reads all of these) on plain-HTTP loopback."""
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([settings_dir, str(ROOT)]),
        DJANGO_SETTINGS_MODULE="embed_bench_settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        SITE_URL=f"http://{HOST}",  # plain http: no HTTPS redirect, no secure-only cookies
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="60",
        LLM_PROVIDER="catalog",
        LOG_LEVEL="WARNING",
    )


def write_settings(settings_dir: str, static_root: str) -> None:
    Path(settings_dir, "embed_bench_settings.py").write_text(
        "from codecapsule.settings import *  # noqa: F403\n\n"
        f"STATIC_ROOT = {static_root!r}  # not the checkout's staticfiles/: other work may be using it\n"
    )


def seed() -> tuple[str, str]:
    """Two public playlists of published capsules (20 and 200 steps); returns their ids."""
    from django.contrib.auth.models import User

    from capsules.models import Capsule, CapsuleStatus
    from capsules.services import capsule_validate_for_save
    from capsules.tests.samples import capsule_data
    from playlists.services import playlist_create

    creator = User.objects.create_user("bench", "bench@example.com", secrets.token_urlsafe(16))
    data = capsule_data("CODE")
    draft = capsule_validate_for_save(data=data)  # the sample is valid; checked once, shared by every row
    capsules = Capsule.objects.bulk_create(
        Capsule(
            title=f"Step {number}: {data['title']}",
            capsule_type=draft.capsule_type,
            problem_statement_md=draft.problem_statement_md,
            language=draft.language,
            runtime_tier=draft.runtime_tier,
            difficulty=draft.difficulty,
            config_data=draft.config_data(),
            creator=creator,
            status=CapsuleStatus.PUBLISHED,
            is_public=True,
        )
        for number in range(1, LARGE_STEPS + 1)
    )
    ids = []
    for steps in (SMALL_STEPS, LARGE_STEPS):
        items = [{"capsule_id": str(capsule.pk)} for capsule in capsules[:steps]]
        playlist = playlist_create(creator=creator, title=f"Benchmark course ({steps} steps)", is_public=True, items=items)
        ids.append(str(playlist.playlist_id))
    return ids[0], ids[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log_path: str) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "codecapsule.wsgi",
        "--bind", f"{HOST}:{port}", "--worker-class", "gthread",
        "--workers", str(workers), "--threads", str(threads), "--keep-alive", "5",
        # gunicorn.conf.py (read from the repo root) recycles workers after GUNICORN_MAX_REQUESTS; a recycled
        # worker takes its CPU time with it, which would make the CPU-per-request figure meaningless.
        "--max-requests", "0",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- HTTP/1.1 over keep-alive connections ---------------------------------------------------------------------


class BrokenResponse(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes


async def read_response(reader: asyncio.StreamReader) -> Response:
    status_line = await reader.readline()
    if not status_line:
        raise BrokenResponse("connection closed before a response")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise BrokenResponse(f"bad status line {status_line[:80]!r}")
    headers: dict[str, list[str]] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in headers.get("transfer-encoding", [""])[0].lower():
        chunks = []
        while size := int((await reader.readline()).split(b";")[0].strip() or b"0", 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):  # trailers
            pass
        body = b"".join(chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length", ["0"])[0]))
    return Response(status=int(parts[1]), headers=headers, body=body)


class Connection:
    """One client's keep-alive connection, with the cookies the server set (the embed's learner cookie)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}

    async def get(self, path: str) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept-Encoding: identity\r\n"
        if cookie:
            request += f"Cookie: {cookie}\r\n"
        self.writer.write((request + "\r\n").encode("latin-1"))
        try:
            response = await asyncio.wait_for(read_response(self.reader), RESPONSE_TIMEOUT_SECONDS)
        except BaseException:
            await self.close()
            raise
        for header in response.headers.get("set-cookie", []):
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        if "close" in response.headers.get("connection", [""])[0].lower():
            await self.close()
        return response

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


# --- Load ---------------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    answered: int = 0  # every response, warm-up included

    def fail(self, reason: str) -> None:
        self.failures[reason] = self.failures.get(reason, 0) + 1

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest rank, as generation/selectors.py: the smallest value with `fraction` of the values at or below it."""
    if not sorted_values:
        return float("nan")
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]


async def load(
    port: int, next_path: Callable[[], str], *, clients: int, session: int, warmup: float, seconds: float
) -> LoadResult:
    """`clients` closed-loop clients, each sending its next request as soon as the previous one is answered.

    A client plays one learner after another: `session` requests on one keep-alive connection with that
    learner's cookies, then a new connection and no cookies. Clients that kept one connection for the whole
    run would stay pinned to whichever gunicorn worker accepted them, and the uneven split of connections
    between workers, not the server's speed, would decide the latency; real traffic is many short visits.
    Latencies of requests started during the warm-up are not recorded; failures always count.
    """
    result = LoadResult(seconds=seconds)
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    async def client() -> None:
        connection, sent = Connection(port), 0
        try:
            while (began := time.perf_counter()) < stop_at:
                if sent == session:
                    await connection.close()
                    connection, sent = Connection(port), 0
                sent += 1
                try:
                    response = await connection.get(next_path())
                except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, BrokenResponse, ValueError) as exc:
                    result.fail(type(exc).__name__)
                    continue
                elapsed_ms = (time.perf_counter() - began) * 1000
                result.answered += 1
                if response.status != 200:
                    result.fail(f"HTTP {response.status}")
                elif began >= measure_from:
                    result.latencies_ms.append(elapsed_ms)
        finally:
            await connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    result.latencies_ms.sort()
    return result


def random_steps(template: str, steps: int) -> Callable[[], str]:
    return lambda: template.format(step=random.randint(1, steps))


# --- Page weight -----------------------------------------------------------------------------------------------


class AssetFinder(HTMLParser):
    """The stylesheets and scripts a page makes the browser download."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        if tag == "link" and values.get("href") and ({"stylesheet", "modulepreload"} & set(rel) or "preload" in rel):
            self.urls.append(values["href"])
        elif tag == "script" and values.get("src"):
            self.urls.append(values["src"])


async def page_weight(port: int, path: str) -> list[tuple[str, int, int]]:
    """(url, raw bytes, gzip bytes) of the page and of every asset it references (same-origin only)."""
    connection = Connection(port)
    try:
        page = await connection.get(path)
        if page.status != 200:
            raise BrokenResponse(f"{path} answered {page.status}")
        finder = AssetFinder()
        finder.feed(page.body.decode("utf-8", "replace"))
        rows = [(path, len(page.body), len(gzip.compress(page.body, GZIP_LEVEL)))]
        for url in dict.fromkeys(finder.urls):  # once each, in page order
            absolute = urljoin(f"http://{HOST}:{port}{path}", url)
            parts = urlsplit(absolute)
            if parts.hostname != HOST or parts.port != port:
                rows.append((f"{url} (another origin, not counted)", 0, 0))
                continue
            asset = await connection.get(parts.path + (f"?{parts.query}" if parts.query else ""))
            if asset.status != 200:
                raise BrokenResponse(f"{url} answered {asset.status}")
            rows.append((parts.path, len(asset.body), len(gzip.compress(asset.body, GZIP_LEVEL))))
        return rows
    finally:
        await connection.close()


# --- Main ----------------------------------------------------------------------------------------------------


def wait_until_serving(server: subprocess.Popen, port: int, path: str, log_path: str) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{Path(log_path).read_text()[-3000:]}")
        try:
            if asyncio.run(_probe(port, path)) == 200:
                return
        except (OSError, BrokenResponse, asyncio.IncompleteReadError, asyncio.TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not serving {path} after {SERVER_START_SECONDS} s")


async def _probe(port: int, path: str) -> int:
    connection = Connection(port)
    try:
        return (await connection.get(path)).status
    finally:
        await connection.close()


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU time of a process and its children (gunicorn's master and workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        pid, ppid = int(entry.name), int(fields[1])
        if root_pid in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def kb(size: int) -> str:
    return f"{size / 1024:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=TARGET_CLIENTS, help=f"concurrent clients (default {TARGET_CLIENTS})")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per endpoint and playlist (default 10)")
    parser.add_argument("--baseline", type=float, default=3, help="measured seconds with one client (default 3)")
    parser.add_argument("--warmup", type=float, default=2, help="unrecorded seconds before each measurement (default 2)")
    parser.add_argument("--session", type=int, default=10, help="requests per learner visit, on one connection (default 10)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    args = parser.parse_args()

    if not Path(ROOT, "static/vendor/htmx.min.js").exists():
        print("static/vendor is empty: build the front-end first (make)", file=sys.stderr)
        return 2
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="embed-bench-") as tmp, throwaway_cluster() as cluster:
        create_database(cluster.url("postgres"), "codecapsule")
        write_settings(tmp, f"{tmp}/static")
        env = server_environment(cluster.url("codecapsule"), tmp)
        os.environ.update({name: env[name] for name in env if name != "PYTHONPATH"})
        sys.path.insert(0, tmp)

        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        small, large = seed()
        from django.db import connections

        connections.close_all()  # the server's workers have the database to themselves

        port = free_port()
        log_path = f"{tmp}/gunicorn.log"
        server = start_gunicorn(env, port, args.workers, args.threads, log_path)
        try:
            wait_until_serving(server, port, f"/api/playlists/{small}/embed?step=1", log_path)
            print(
                f"PostgreSQL {cluster.version}, gunicorn gthread {args.workers} workers x {args.threads} threads, "
                f"{os.cpu_count()} CPUs (shared by server, database and load generator); "
                f"setup {time.perf_counter() - began:.1f} s; load average {os.getloadavg()[0]:.2f} before the runs "
                "(well above 0, other work shares the cores and the figures are noisy)"
            )
            print(
                f"random steps; each client is one learner after another ({args.session} requests on a keep-alive "
                f"connection, then a new one); {args.warmup:g} s warm-up, then {args.baseline:g} s with one "
                f"client (the cost of a request without queueing) and {args.seconds:g} s with {args.clients}"
            )
            print(f"{'endpoint':<30} {'steps':>5} {'clients':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} "
                  f"{'p99 ms':>7} {'max ms':>7} {'cpu ms/req':>10}  failed")  # fmt: skip
            failed = 0
            worst_p99 = 0.0
            for label, template in (
                ("GET /api/playlists/<id>/embed", "/api/playlists/{id}/embed?step={{step}}"),
                ("GET /embed/playlist/<id>", "/embed/playlist/{id}?step={{step}}"),
            ):
                for playlist_id, steps in ((small, SMALL_STEPS), (large, LARGE_STEPS)):
                    next_path = random_steps(template.format(id=playlist_id), steps)
                    for clients, seconds in ((1, args.baseline), (args.clients, args.seconds)):
                        cpu_before = cpu_seconds(server.pid)
                        result = asyncio.run(
                            load(port, next_path, clients=clients, session=args.session, warmup=args.warmup, seconds=seconds)
                        )
                        cpu = cpu_seconds(server.pid) - cpu_before
                        times = result.latencies_ms
                        failed += sum(result.failures.values())
                        if clients == args.clients and times:
                            worst_p99 = max(worst_p99, percentile(times, 0.99))
                        # CPU of the whole run (warm-up included) over every answered request of it.
                        cpu_per_request = 1000 * cpu / max(result.answered, 1)
                        detail = ", ".join(f"{count} {reason}" for reason, count in result.failures.items()) or "0"
                        print(
                            f"{label:<30} {steps:>5} {clients:>7} {len(times):>8} {result.rps:>7.1f} "
                            f"{percentile(times, 0.50):>7.1f} {percentile(times, 0.90):>7.1f} {percentile(times, 0.99):>7.1f} "
                            f"{times[-1] if times else float('nan'):>7.1f} {cpu_per_request:>10.2f}  {detail}"
                        )
            met = "met" if worst_p99 <= TARGET_P99_MS else "NOT met"
            print(
                f"target: p99 at most {TARGET_P99_MS:g} ms at {TARGET_CLIENTS} clients — worst p99 at {args.clients} "
                f"clients {worst_p99:.1f} ms: {met}"
            )
            print("cpu ms/req: gunicorn's CPU time (master and workers) per answered request; PostgreSQL's is not in it")

            try:
                rows = asyncio.run(page_weight(port, f"/embed/playlist/{small}?step=1"))
            except (OSError, BrokenResponse, asyncio.IncompleteReadError, asyncio.TimeoutError) as exc:
                print(f"\nembed page weight: could not be measured ({exc})")
                return 1
            print(f"\nembed page weight (step 1 of {SMALL_STEPS}; gzip level {GZIP_LEVEL})")
            print(f"{'resource':<60} {'raw KB':>7} {'gzip KB':>8}")
            for url, raw, packed in rows:
                print(f"{url[:60]:<60} {kb(raw):>7} {kb(packed):>8}")
            raw_total, gzip_total = sum(row[1] for row in rows), sum(row[2] for row in rows)
            print(f"{'total':<60} {kb(raw_total):>7} {kb(gzip_total):>8}")
            met = "met" if gzip_total / 1024 <= TARGET_WEIGHT_KB else "NOT met"
            print(f"target: page weight at most {TARGET_WEIGHT_KB:g} KB gzip — {kb(gzip_total)} KB: {met}")
        finally:
            stop(server)
    if failed:
        print(f"{failed} request(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ClusterError, RuntimeError) as exc:
        print(f"embed_bench: {exc}", file=sys.stderr)
        sys.exit(2)
