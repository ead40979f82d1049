#!/usr/bin/env python3
"""Embed benchmark: how fast a course embedded in a blog answers under load, and how much
a learner downloads to see it.

1. Starts a throwaway PostgreSQL cluster (scripts/with_postgres.py) and a throwaway Redis
   (scripts/with_services.py), migrates, and seeds two public playlists of published CODE capsules, one of 20
   steps and one of 200 (bulk-created rows; the judge is not run: what is measured is serving them).
2. Collects static files into a temporary DJANGO_STATIC_ROOT and starts gunicorn on loopback with production
   settings: DJANGO_DEBUG=0, manifest static files served by WhiteNoise, Django's cache (and django-q2's broker)
   on Redis through REDIS_URL, persistent database connections (DATABASE_CONN_MAX_AGE=60; the default 0 opens
   a connection per request).
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

5. With --phone, instead of 3 and 4: the learner's first load of the embed on a phone. Chromium (Debian's, as the
   browser tests) with Playwright's descriptor of a Pixel 7 (412x915 viewport, device scale 2.625, touch, a
   mobile user agent) and its CPU slowed down four times (CDP Emulation.setCPUThrottlingRate 4, Lighthouse's
   mid-range phone); the network is loopback, as it is. Each of --phone-runs visits starts a fresh browser
   context (nothing cached, no learner yet) and loads step 1, then loads step 2 again in the same context (a
   repeat visit: static files cached). Prints the median and worst time to first byte, first contentful paint,
   DOMContentLoaded, load, and the time until the code editor is ready (CodeMirror loads on demand), plus the
   bytes transferred and the requests made.

Targets: p99 at most 50 ms at 50 clients, page weight at most 60 KB (gzip). The exit status is 0 whether or not
the targets are met (this is a report), 1 when any request failed (a status other than 200, or a broken
connection), 2 when the benchmark could not run.

Gunicorn runs the threaded worker (gthread), --workers 3 --threads 4 by default: these machines have 2 cores,
shared with PostgreSQL and the load generator. Django's request handling is CPU-bound Python, so more processes
than cores only add context switches, while a process per core plus one keeps both cores busy when one worker
waits on PostgreSQL; the threads cover the database round trips inside a worker, and the gthread worker keeps
idle keep-alive connections in its poller instead of tying a thread to each of the 50 clients. Measured here,
2x8, 3x4, 4x4 and 5x2 served the JSON endpoint at about the same rate (within the noise), 3x4 a little ahead.

benchmarks/scale_bench.py imports the pieces below (services, server, load generator, percentiles, table
cells) to measure the same way against a database seeded at scale, and benchmarks/embed_cache_bench.py to measure
these endpoints behind nginx's proxy_cache (a shared cache, as a CDN) and with the origin rendering every answer.

The whole run takes about 90 s:

    .venv/bin/python benchmarks/embed_bench.py [--clients 50] [--seconds 10] [--baseline 3] [--warmup 2]
                                               [--session 10] [--workers 3] [--threads 4]
    .venv/bin/python benchmarks/embed_bench.py --phone [--phone-runs 5]        (about 60 s)
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.with_postgres import Cluster, ClusterError, free_port, throwaway_cluster  # noqa: E402  (no Django needed)
from scripts.with_services import throwaway_redis  # noqa: E402

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


def server_environment(database_url: str, redis_url: str, tmp: str) -> dict[str, str]:
    """Production settings (codecapsule/settings.py reads all of these) on plain-HTTP loopback. Static files
    and var/ (media, e.g. seed SQL files) go to the temporary directory, not the checkout's: other work may be
    using those."""
    return dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="codecapsule.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_STATIC_ROOT=f"{tmp}/static",
        CODECAPSULE_VAR_DIR=f"{tmp}/var",
        SITE_URL=f"http://{HOST}",  # plain http: no HTTPS redirect, no secure-only cookies
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="60",
        REDIS_URL=redis_url,  # Django's cache and django-q2's broker, as in production
        LLM_PROVIDER="catalog",
        LOG_LEVEL="WARNING",
    )


@dataclass(frozen=True)
class Stack:
    cluster: Cluster
    env: dict[str, str]  # the server's environment
    tmp: str


@contextmanager
def django_stack(tmp: str) -> Iterator[Stack]:
    """Throwaway PostgreSQL and Redis, a migrated database, static files collected into `tmp`, and Django set up
    in this process with the server's settings (to seed, and to count queries, against the same database)."""
    with throwaway_cluster() as cluster, throwaway_redis() as redis:
        create_database(cluster.url("postgres"), "codecapsule")
        env = server_environment(cluster.url("codecapsule"), redis.url(0), tmp)
        Path(env["CODECAPSULE_VAR_DIR"]).mkdir()
        os.environ.update({name: env[name] for name in env if name != "PYTHONPATH"})

        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        yield Stack(cluster=cluster, env=env, tmp=tmp)


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


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen
    port: int


@contextmanager
def gunicorn(stack: Stack, *, workers: int, threads: int, probe_path: str) -> Iterator[Server]:
    """gunicorn serving the stack's database, answering 200 on `probe_path`; stopped on exit. This process's
    database connections are closed first: the server's workers have the database to themselves."""
    from django.db import connections

    connections.close_all()
    port = free_port()
    log_path = f"{stack.tmp}/gunicorn.log"
    process = start_gunicorn(stack.env, port, workers, threads, log_path)
    try:
        wait_until_serving(process, port, probe_path, log_path)
        yield Server(process=process, port=port)
    finally:
        stop(process)


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
    """One client's keep-alive connection, with the cookies the server set (the embed's learner cookie), on top
    of any it starts with (a signed-in session), and extra request headers (e.g. Authorization)."""

    def __init__(self, port: int, *, cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = dict(cookies or {})
        self.extra_headers = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())

    async def get(self, path: str) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept-Encoding: identity\r\n{self.extra_headers}"
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
            with suppress(OSError):
                await self.writer.wait_closed()
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
    port: int,
    next_path: Callable[[], str],
    *,
    clients: int,
    session: int,
    warmup: float,
    seconds: float,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """`clients` closed-loop clients, each sending its next request as soon as the previous one is answered.

    A client plays one learner after another: `session` requests on one keep-alive connection with that
    learner's cookies, then a new connection with only the `cookies` given (none by default). Clients that kept one connection for the whole
    run would stay pinned to whichever gunicorn worker accepted them, and the uneven split of connections
    between workers, not the server's speed, would decide the latency; real traffic is many short visits.
    Latencies of requests started during the warm-up are not recorded; failures always count.
    """
    result = LoadResult(seconds=seconds)
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    def connect() -> Connection:
        return Connection(port, cookies=cookies, headers=headers)

    async def client() -> None:
        connection, sent = connect(), 0
        try:
            while (began := time.perf_counter()) < stop_at:
                if sent == session:
                    await connection.close()
                    connection, sent = connect(), 0
                sent += 1
                try:
                    response = await connection.get(next_path())
                except (TimeoutError, OSError, asyncio.IncompleteReadError, BrokenResponse, ValueError) as exc:
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


@dataclass
class Measurement:
    clients: int
    result: LoadResult
    cpu_ms_per_request: float  # gunicorn's CPU of the whole run (warm-up included) over every answered request

    @property
    def failed(self) -> int:
        return sum(self.result.failures.values())

    def p(self, fraction: float) -> float:
        return percentile(self.result.latencies_ms, fraction)


def measure(
    server: Server,
    next_path: Callable[[], str],
    *,
    clients: int,
    seconds: float,
    session: int,
    warmup: float,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Measurement:
    """One closed-loop run (see `load`) with gunicorn's CPU time around it."""
    cpu_before = cpu_seconds(server.process.pid)
    result = asyncio.run(
        load(
            server.port, next_path, clients=clients, session=session, warmup=warmup, seconds=seconds,
            cookies=cookies, headers=headers,
        )
    )  # fmt: skip
    cpu = cpu_seconds(server.process.pid) - cpu_before
    return Measurement(clients=clients, result=result, cpu_ms_per_request=1000 * cpu / max(result.answered, 1))


STATS_HEADER = (
    f"{'clients':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} {'cpu ms/req':>10}  failed"
)


def stats_cells(m: Measurement) -> str:
    """The columns of STATS_HEADER for one measurement."""
    times = m.result.latencies_ms
    detail = ", ".join(f"{count} {reason}" for reason, count in m.result.failures.items()) or "0"
    return (
        f"{m.clients:>7} {len(times):>8} {m.result.rps:>7.1f} {m.p(0.50):>7.1f} {m.p(0.90):>7.1f} {m.p(0.99):>7.1f} "
        f"{times[-1] if times else float('nan'):>7.1f} {m.cpu_ms_per_request:>10.2f}  {detail}"
    )


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
        except (TimeoutError, OSError, BrokenResponse, asyncio.IncompleteReadError):
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


def add_load_arguments(parser: argparse.ArgumentParser, *, seconds: float, baseline: float) -> None:
    """The options every load benchmark here shares."""
    parser.add_argument("--clients", type=int, default=TARGET_CLIENTS, help=f"concurrent clients (default {TARGET_CLIENTS})")
    parser.add_argument("--seconds", type=float, default=seconds, help=f"measured seconds per run with --clients (default {seconds:g})")
    parser.add_argument("--baseline", type=float, default=baseline, help=f"measured seconds with one client (default {baseline:g})")
    parser.add_argument("--warmup", type=float, default=2, help="unrecorded seconds before each measurement (default 2)")
    parser.add_argument("--session", type=int, default=10, help="requests per visit, on one connection (default 10)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")


# --- A phone's first load (--phone) -------------------------------------------------------------------------

PHONE_DEVICE = "Pixel 7"  # a Chromium device in Playwright's descriptors
CPU_SLOWDOWN = 4  # Lighthouse's factor for a mid-range phone on a desktop CPU
EDITOR_TIMEOUT_MS = 60_000
# What the page itself measured, in ms from the navigation's start (Navigation and Paint Timing), and what
# it downloaded (transferSize: 0 for a file from the cache).
PAGE_TIMINGS_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const resources = performance.getEntriesByType("resource");
  return {
    ttfb: nav.responseStart, fcp: paint ? paint.startTime : null, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
    transferred: nav.transferSize + resources.reduce((sum, entry) => sum + entry.transferSize, 0),
    requests: 1 + resources.length,
  };
}"""
PHONE_METRICS = (("ttfb", "time to first byte"), ("fcp", "first contentful paint"), ("dcl", "DOMContentLoaded"),
                 ("load", "load"), ("editor", "code editor ready"))  # fmt: skip


def phone_visit(page, url: str) -> dict[str, float]:
    """Load `url` and wait for its code editor; the page's own timings."""
    page.goto(url, wait_until="load")
    ready = page.wait_for_function(
        "() => document.querySelector('#workspace .cm-editor') && performance.now()", timeout=EDITOR_TIMEOUT_MS
    )
    timings = page.evaluate(PAGE_TIMINGS_JS)
    timings["editor"] = ready.json_value()
    return timings


def phone_loads(port: int, path: str, runs: int) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """`runs` first visits (a fresh context each) and the repeat visit after each."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    first, repeat = [], []
    base = f"http://{HOST}:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        for _ in range(runs):
            context = browser.new_context(**playwright.devices[PHONE_DEVICE])
            page = context.new_page()
            context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
            first.append(phone_visit(page, f"{base}{path}?step=1"))
            repeat.append(phone_visit(page, f"{base}{path}?step=2"))
            context.close()
        browser.close()
    return first, repeat


def print_phone_loads(label: str, visits: list[dict[str, float]]) -> None:
    print(f"{label} ({len(visits)} visits)")
    print(f"  {'':<26} {'median ms':>10} {'worst ms':>10}")
    for key, name in PHONE_METRICS:
        values = sorted(visit[key] for visit in visits if visit[key] is not None)
        if values:
            print(f"  {name:<26} {percentile(values, 0.5):>10.0f} {values[-1]:>10.0f}")
    transferred = sorted(visit["transferred"] for visit in visits)
    print(f"  {'transferred (KB)':<26} {percentile(transferred, 0.5) / 1024:>10.1f} {transferred[-1] / 1024:>10.1f}")
    print(f"  {'requests':<26} {percentile(sorted(visit['requests'] for visit in visits), 0.5):>10.0f}")


def run_phone(server: Server, playlist_id: str, runs: int) -> None:
    print(f"phone: Playwright's {PHONE_DEVICE}, CPU slowed {CPU_SLOWDOWN}x (CDP Emulation.setCPUThrottlingRate), network as is (loopback)")
    first, repeat = phone_loads(server.port, f"/embed/playlist/{playlist_id}", runs)
    print_phone_loads("first visit: step 1, nothing cached", first)
    print_phone_loads("repeat visit: step 2, same browser", repeat)


def frontend_built() -> bool:
    if Path(ROOT, "static/vendor/htmx.min.js").exists():
        return True
    print("static/vendor is empty: build the front-end first (make)", file=sys.stderr)
    return False


def describe_setup(stack: Stack, args: argparse.Namespace, setup_seconds: float) -> str:
    return (
        f"PostgreSQL {stack.cluster.version}, Redis cache, gunicorn gthread {args.workers} workers x {args.threads} "
        f"threads, {os.cpu_count()} CPUs (shared by server, database and load generator); setup {setup_seconds:.1f} s; "
        f"load average {os.getloadavg()[0]:.2f} before the runs (well above 0, other work shares the cores and the "
        "figures are noisy)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_load_arguments(parser, seconds=10, baseline=3)
    parser.add_argument("--phone", action="store_true", help="measure a phone's first load of the embed instead of the load test")
    parser.add_argument("--phone-runs", type=int, default=5, help="first visits with --phone (default 5)")
    args = parser.parse_args()

    if not frontend_built():
        return 2
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="embed-bench-") as tmp, django_stack(tmp) as stack:
        small, large = seed()
        with gunicorn(stack, workers=args.workers, threads=args.threads, probe_path=f"/api/playlists/{small}/embed?step=1") as server:
            print(describe_setup(stack, args, time.perf_counter() - began))
            if args.phone:
                run_phone(server, small, args.phone_runs)
                return 0
            print(
                f"random steps; each client is one learner after another ({args.session} requests on a keep-alive "
                f"connection, then a new one); {args.warmup:g} s warm-up, then {args.baseline:g} s with one "
                f"client (the cost of a request without queueing) and {args.seconds:g} s with {args.clients}"
            )
            print(f"{'endpoint':<30} {'steps':>5} {STATS_HEADER}")
            failed = 0
            worst_p99 = 0.0
            for label, template in (
                ("GET /api/playlists/<id>/embed", "/api/playlists/{id}/embed?step={{step}}"),
                ("GET /embed/playlist/<id>", "/embed/playlist/{id}?step={{step}}"),
            ):
                for playlist_id, steps in ((small, SMALL_STEPS), (large, LARGE_STEPS)):
                    next_path = random_steps(template.format(id=playlist_id), steps)
                    for clients, seconds in ((1, args.baseline), (args.clients, args.seconds)):
                        m = measure(server, next_path, clients=clients, seconds=seconds, session=args.session, warmup=args.warmup)
                        failed += m.failed
                        if clients == args.clients and m.result.latencies_ms:
                            worst_p99 = max(worst_p99, m.p(0.99))
                        print(f"{label:<30} {steps:>5} {stats_cells(m)}")
            met = "met" if worst_p99 <= TARGET_P99_MS else "NOT met"
            print(
                f"target: p99 at most {TARGET_P99_MS:g} ms at {TARGET_CLIENTS} clients — worst p99 at {args.clients} "
                f"clients {worst_p99:.1f} ms: {met}"
            )
            print("cpu ms/req: gunicorn's CPU time (master and workers) per answered request; PostgreSQL's is not in it")

            try:
                rows = asyncio.run(page_weight(server.port, f"/embed/playlist/{small}?step=1"))
            except (TimeoutError, OSError, BrokenResponse, asyncio.IncompleteReadError) as exc:
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
