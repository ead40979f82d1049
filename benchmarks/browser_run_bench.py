#!/usr/bin/env python3
"""Browser Run benchmark: what Run in the learner's browser costs the learner, and what it saves the server.

Capsules of a browser tier (wasm-python, browser-javascript, wasm-sqlite) answer Run in the learner's browser:
static/js/workspace-run.js holds htmx's Run, loads static/vendor/runners/browser-run.js on the first Run, which
starts the engine in a Web Worker (Pyodide for Python, sql.js for SQLite, a worker per test for JavaScript). Submit
still posts to the server judge.

Setup: the stack of benchmarks/embed_bench.py (imported, not copied): throwaway PostgreSQL and Redis, migrations,
collectstatic into a temporary directory, gunicorn on loopback with production settings (DJANGO_DEBUG=0, manifest
static files served by WhiteNoise). The capsules are catalog exercises (generation.catalog) created with the real
service (capsules.services.capsule_create): a Python and a JavaScript exercise with their first 5 tests made the
visible ones (the rest stay hidden), and a SQLite exercise with a small seed; each once with its browser tier and
once with its server tier, plus a 3-step course of each kind. The server's judge gets a slot directory and uid
range of its own (tests/judge_slots.py), so it never shares slots with a running server or a test run. The learner
rate limits are raised (EMBED_RUNS_PER_MINUTE, ...): a learner walk here runs faster than those limits allow.

The browser is Debian's Chromium driven by Playwright, as embed_bench --phone. Two CPU profiles: a desktop
(1280x900, the CPU as is) and a phone (Playwright's Pixel 7 with the CPU slowed down 4x, CDP
Emulation.setCPUThrottlingRate, as embed_bench --phone). That throttle slows the page's main thread, hardly its Web
Workers, where the engines start and run: the benchmark measures both with a busy loop and prints them, and the
phone's figures for a worker-bound Run (Pyodide's start) are closer to the desktop's than a real phone's would be.
The network is loopback: download times are not in the figures, download sizes are.

1. Page weight of a browser-tier embed before its first Run: every response the page loads until the network is
   idle and the editor is ready, raw and gzip (level 6 of each body, as embed_bench), against the 60 KB gzip
   target; and whether browser-run.js or an engine file was fetched before Run (they must not be).
2. Each engine's download on the first Run: every response the first Run triggers, raw and gzip, and the
   Cache-Control WhiteNoise gives browser-run.js and the engine files.
3. Time from the click on Run to the results' "Ran in your browser (…)" line: the first Run with a cold HTTP
   cache (a new browser context), the first Run with a warm HTTP cache (a new page in the same context, after the
   cold one finished: the engine comes from the HTTP cache, but starts again), and the median of 5 later Runs in
   the first page (the engine warm in its worker; JavaScript starts a worker per test every time). --runs
   contexts per engine and profile; the median and the worst.
4. Judge jobs per learner session: a walk of 10 Runs and 2 Submits per step over the 3-step course, once with
   the server tiers and once with the browser tiers; the POSTs to .../run and .../submit that reached gunicorn
   (its access log), i.e. the server judge's jobs. Expected: 36 before, 6 after.

The exit status is 0 whether or not the target is met (this is a report), 1 when a Run did not give the expected
results (not the browser's, or a visible test failing) or the run files were fetched before Run, 2 when the
benchmark could not run. The whole run takes about 3.5 minutes:

    .venv/bin/python benchmarks/browser_run_bench.py [--runs 3] [--workers 3] [--threads 4]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embed_bench import (  # noqa: E402
    CPU_SLOWDOWN,
    GZIP_LEVEL,
    HOST,
    PHONE_DEVICE,
    TARGET_WEIGHT_KB,
    Server,
    Stack,
    django_stack,
    frontend_built,
    gunicorn,
    kb,
    percentile,
)

from scripts.with_postgres import ClusterError  # noqa: E402
from tests.judge_slots import claim_uid_range, private_slot_dir  # noqa: E402

ENGINES = ("python", "javascript", "sqlite")
ENGINE_LABELS = {"python": "Python (wasm-python)", "javascript": "JavaScript (browser-javascript)", "sqlite": "SQLite (wasm-sqlite)"}
LANGUAGES = {"python": ("python", None), "javascript": ("javascript", None), "sqlite": ("sql", "sqlite")}
VISIBLE_TESTS = 5
LATER_RUNS = 5
WALK_RUNS, WALK_SUBMITS = 10, 2
RUN_TIMEOUT_MS = 180_000  # Pyodide's cold start on a CPU slowed 4x, on a busy 2-core machine
PAGE_TIMEOUT_MS = 60_000
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
LIMITS = {  # a walk presses Run faster than a learner may (settings.EMBED_*_PER_MINUTE)
    "EMBED_RUNS_PER_MINUTE": "1000",
    "EMBED_SUBMITS_PER_MINUTE": "1000",
    "EMBED_GRADING_PER_MINUTE_PER_ADDRESS": "1000",
}
# The engine's files and the script that loads them (static/vendor/engines/, static/vendor/runners/).
RUN_FILES = re.compile(r"/static/vendor/(engines|runners)/")
ON_DEMAND_EDITOR = re.compile(r"/static/vendor/codemirror")
ACCESS_LINE = re.compile(r'"(GET|POST|HEAD) (\S+) HTTP/[\d.]+" (\d{3}) ')
GRADING_PATH = re.compile(r"/(run|submit)$")
Logged = tuple[str, str, int]  # method, path and status of a request in gunicorn's access log
RUNNER = Path(__file__).resolve().parent.parent / "static/vendor/runners/browser-run.js"

# Press Run and time it in the page: from the click to the results' "Ran …" line (workspace-run.js draws it with
# the results, the server's results carry it too when the browser fell back on the server).
TIMED_RUN_JS = """(timeoutMs) => new Promise((resolve, reject) => {
  const results = document.querySelector("#ws-results");
  results.replaceChildren();
  const timer = setTimeout(() => { observer.disconnect(); reject(new Error("no results after " + timeoutMs + " ms")); }, timeoutMs);
  const observer = new MutationObserver(() => {
    const ranOn = results.querySelector(".ws-ran-on");
    if (!ranOn) return;
    const ms = performance.now() - start;
    observer.disconnect();
    clearTimeout(timer);
    const message = results.querySelector(".ws-summary__message");
    resolve({ ms, ranOn: ranOn.textContent.trim(), message: message ? message.textContent.trim() : "" });
  });
  observer.observe(results, { childList: true, subtree: true, characterData: true });
  const start = performance.now();
  document.querySelector("#ws-actions [data-ws-action='run']").click();
})"""

# The same busy loop on the page's main thread and in a Web Worker (ms): how much of the CPU slowdown reaches the
# worker, where the engines run.
SPIN = "let x = 0; for (let i = 0; i < 1e8; i++) x += i % 7;"
CALIBRATION_JS = f"""async () => {{
  const main = () => {{ const t = performance.now(); {SPIN} return performance.now() - t; }};
  const source = "onmessage = () => {{ const t = performance.now(); {SPIN} postMessage(performance.now() - t); }};";
  const url = URL.createObjectURL(new Blob([source], {{ type: "text/javascript" }}));
  const worker = () => new Promise((resolve) => {{
    const w = new Worker(url);
    w.onmessage = (event) => {{ w.terminate(); resolve(event.data); }};
    w.postMessage(0);
  }});
  const mains = [main(), main(), main()];
  const workers = [await worker(), await worker(), await worker()];
  return {{ main: Math.min(...mains), worker: Math.min(...workers) }};
}}"""
CALIBRATION_ORIGIN = "http://calibration.invalid/"  # answered by Playwright (context.route), never the network
CALIBRATION_PAGE = "<!doctype html><title>calibration</title>"


# --- Setting up ---------------------------------------------------------------------------------------------


def exercise_bodies() -> dict[str, dict]:
    """A catalog exercise per engine: Python and JavaScript with their first VISIBLE_TESTS tests visible and the
    rest hidden (the one with the most tests, so hidden ones remain), SQLite with the smallest seed."""
    from generation.catalog import catalog_blueprints

    bodies = [blueprint.capsule_data() for blueprint in catalog_blueprints()]

    def of(language: str) -> list[dict]:
        return [body for body in bodies if body["runtime_config"]["language"] == language]

    chosen = {}
    for engine in ("python", "javascript"):
        body = max(of(engine), key=lambda body: len(body["config_data"]["test_cases"]))
        tests = body["config_data"]["test_cases"]
        if len(tests) < VISIBLE_TESTS:
            raise RuntimeError(f"no {engine} catalog exercise has {VISIBLE_TESTS} tests")
        tests = [{**test, "is_hidden": index >= VISIBLE_TESTS} for index, test in enumerate(tests)]
        chosen[engine] = {**body, "config_data": {**body["config_data"], "test_cases": tests}}
    sqlite = [body for body in of("sql") if body["config_data"].get("dialect", "sqlite") == "sqlite"]
    chosen["sqlite"] = min(sqlite, key=lambda body: len(body["config_data"]["seed_sql"]))
    return chosen


@dataclass(frozen=True)
class Seeded:
    bodies: dict[str, dict]  # engine → catalog data
    browser: dict[str, str]  # engine → capsule id, browser tier
    server: dict[str, str]  # engine → capsule id, server tier
    browser_course: str  # playlist id: the three browser-tier capsules
    server_course: str


def seed() -> Seeded:
    from django.contrib.auth.models import User

    from capsules.models import Capsule, CapsuleStatus
    from capsules.schemas import base_runtime_tier, browser_tier_for
    from capsules.services import capsule_create
    from playlists.services import playlist_create

    creator = User.objects.create_user("bench", "bench@example.com", os.urandom(8).hex())
    bodies = exercise_bodies()
    ids: dict[str, dict[str, str]] = {"browser": {}, "server": {}}
    for engine, body in bodies.items():
        language, dialect = LANGUAGES[engine]
        for kind, tier in (("browser", browser_tier_for(language, dialect)), ("server", base_runtime_tier(language, dialect))):
            data = {**body, "runtime_config": {"language": language, "runtime_tier": tier}, "is_public": True}
            # The benchmark measures Run, not the gate: the catalog's own tests prove each exercise passes it.
            capsule = capsule_create(creator=creator, data=data, prejudged={"passed": True, "category": None, "message": "catalog"})
            Capsule.objects.filter(pk=capsule.pk).update(status=CapsuleStatus.PUBLISHED)
            ids[kind][engine] = str(capsule.pk)
    courses = {}
    for kind in ids:
        items = [{"capsule_id": ids[kind][engine]} for engine in ENGINES]
        courses[kind] = str(playlist_create(creator=creator, title=f"{kind} tiers", is_public=True, items=items).playlist_id)
    return Seeded(bodies, ids["browser"], ids["server"], courses["browser"], courses["server"])


@contextmanager
def own_judge_slots(tmp: str) -> Iterator[int]:
    """A slot directory and a test uid range of the benchmark's own, for this process and the server it starts."""
    base, lease = claim_uid_range()
    os.environ["JUDGE_SLOT_DIR"] = str(private_slot_dir(Path(tmp)))
    os.environ["JUDGE_UID_BASE"] = str(base)
    try:
        yield base
    finally:
        os.close(lease)


class AccessLog:
    """gunicorn's access log (gunicorn.conf.py: accesslog "-", into embed_bench's gunicorn.log): the requests that
    reached the server since a mark."""

    def __init__(self, path: str):
        self.path = Path(path)

    def mark(self) -> int:
        return self.path.stat().st_size

    def since(self, mark: int) -> list[Logged]:
        time.sleep(0.3)  # the worker writes its line just after the response
        with self.path.open("rb") as log:
            log.seek(mark)
            text = log.read().decode("utf-8", "replace")
        return [(m[1], m[2], int(m[3])) for m in ACCESS_LINE.finditer(text)]


# --- The browser ------------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Every response a context received, in order."""

    responses: list = field(default_factory=list)

    def attach(self, context) -> None:
        context.on("response", lambda response: self.responses.append(response))

    def mark(self) -> int:
        return len(self.responses)

    def since(self, mark: int) -> list:
        return self.responses[mark:]


@dataclass(frozen=True)
class Body:
    path: str
    raw: int
    packed: int  # gzip level GZIP_LEVEL
    cache_control: str
    policy: str = ""  # Content-Security-Policy: the runner workers carry their own


def bodies_of(responses: list) -> tuple[list[Body], list[str]]:
    """Each GET response's body, raw and gzip-compressed (once per URL; redirects and bodiless answers left out),
    and the paths of the POSTs among them: uploads (a draft, an event), not downloads; a keepalive POST's answer
    cannot be read back (Playwright waits for it for good)."""
    from playwright.sync_api import Error as PlaywrightError

    rows, posts, seen = [], [], set()
    for response in responses:
        parts = urlsplit(response.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if response.request.method != "GET":
            posts.append(f"{response.request.method} {path}")
            continue
        if response.url in seen or response.status in (204, 301, 302, 304) or not response.url.startswith("http"):
            continue
        seen.add(response.url)
        try:
            body = response.body()
        except PlaywrightError:  # "Response body is unavailable" (seen for a worker's script)
            with urlopen(response.url, timeout=60) as again:  # the same static file, as WhiteNoise serves it
                body = again.read()
            path += " *"
        rows.append(Body(path, len(body), len(gzip.compress(body, GZIP_LEVEL)), response.headers.get("cache-control", ""),
                         response.headers.get("content-security-policy", "")))
    return rows, posts


def new_context(browser, playwright, phone: bool):
    return browser.new_context(**(playwright.devices[PHONE_DEVICE] if phone else DESKTOP))


def open_workspace(context, url: str, phone: bool, code: str | None = None):
    """A new page of `context` on `url` (throttled on the phone), its editor ready and holding `code`."""
    from playwright.sync_api import Error as PlaywrightError

    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    if phone:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 400 else None)
    page.goto(url, wait_until="networkidle")
    try:
        page.locator("#workspace .cm-content").wait_for()
    except PlaywrightError as exc:
        raise RuntimeError(f"the editor of {url} did not appear ({'; '.join(errors) or 'no page error'})") from exc
    page.wait_for_load_state("networkidle")
    if code is not None:
        set_code(page, code)
    return page


def set_code(page, code: str) -> None:
    """Replace the editor's text as a learner pasting would (tests/browser/test_learner_workspace.py type_code)."""
    from playwright.sync_api import expect

    page.locator("#workspace .cm-content").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(code)
    expect(page.locator("textarea[name='code']")).to_have_value(code)


def timed_run(page) -> dict:
    return page.evaluate(TIMED_RUN_JS, RUN_TIMEOUT_MS)


def calibrate(browser, playwright) -> dict[str, float]:
    """Effective slowdown of the phone profile on the main thread and in a worker."""
    figures = {}
    for phone in (False, True):
        context = new_context(browser, playwright, phone)
        context.route(CALIBRATION_ORIGIN, lambda route: route.fulfill(body=CALIBRATION_PAGE, content_type="text/html"))
        page = context.new_page()
        if phone:
            context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        page.goto(CALIBRATION_ORIGIN)
        figures[phone] = page.evaluate(CALIBRATION_JS)
        context.close()
    return {where: figures[True][where] / figures[False][where] for where in ("main", "worker")}


# --- 1. Page weight before the first Run ----------------------------------------------------------------------


def page_weight(browser, playwright, log: AccessLog, url: str) -> tuple[list[Body], list[str], list[str]]:
    """Every response of `url` until idle, its POSTs, and the run files (browser-run.js, engines) requested before
    a Run, seen by the browser or by the server."""
    context = new_context(browser, playwright, phone=False)
    recorder = Recorder()
    recorder.attach(context)
    mark = log.mark()
    open_workspace(context, url, phone=False)
    rows, posts = bodies_of(recorder.responses)
    early = {row.path for row in rows if RUN_FILES.search(row.path)}
    early |= {path for _, path, _ in log.since(mark) if RUN_FILES.search(path)}
    context.close()
    return rows, posts, sorted(early)


def print_weight(title: str, rows: list[Body], posts: list[str], early: list[str]) -> None:
    print(f"\n{title} (gzip level {GZIP_LEVEL}, before any Run)")
    print(f"  {'response':<64} {'raw KB':>7} {'gzip KB':>8}")
    for row in rows:
        print(f"  {row.path[:64]:<64} {kb(row.raw):>7} {kb(row.packed):>8}")
    raw, packed = sum(row.raw for row in rows), sum(row.packed for row in rows)
    print(f"  {f'total ({len(rows)} responses)':<64} {kb(raw):>7} {kb(packed):>8}")
    met = "met" if packed / 1024 <= TARGET_WEIGHT_KB else "NOT met"
    print(f"  target: at most {TARGET_WEIGHT_KB:g} KB gzip — {kb(packed)} KB: {met}")
    page = [row for row in rows if not ON_DEMAND_EDITOR.search(row.path)]
    print(
        f"  of which the editor workspace.js loads on demand (CodeMirror and its language): {kb(packed - sum(r.packed for r in page))} KB "
        f"gzip; without it {kb(sum(r.packed for r in page))} KB gzip (embed_bench counts the page without it)"
    )
    if posts:
        print(f"  uploads, not counted: {', '.join(posts)}")
    if early:
        print(f"  fetched before Run (must not be): {', '.join(early)}")
    else:
        print("  browser-run.js and the engine files before Run: not fetched")


# --- 2 and 3. First Run, warm HTTP cache, later Runs ------------------------------------------------------------


@dataclass
class EngineTimes:
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    later: list[float] = field(default_factory=list)  # each context's median of LATER_RUNS
    warm_requests: list[list[Logged]] = field(default_factory=list)  # run files reaching the server
    said: set[str] = field(default_factory=set)  # what the results said


def first_runs(browser, playwright, log: AccessLog, base: str, seeded: Seeded, engine: str, phone: bool, times: EngineTimes):
    """One context: the cold first Run and LATER_RUNS later ones in one page, then a warm first Run in a new page.
    Returns the responses the cold first Run triggered."""
    url = f"{base}/embed/capsule/{seeded.browser[engine]}"
    code = seeded.bodies[engine]["config_data"]["reference_solution"]
    context = new_context(browser, playwright, phone)
    recorder = Recorder()
    recorder.attach(context)
    page = open_workspace(context, url, phone, code)
    mark = recorder.mark()
    cold = timed_run(page)
    triggered = recorder.since(mark)
    times.cold.append(cold["ms"])
    times.said.add(f"{cold['message']} {cold['ranOn']}")
    later = sorted(timed_run(page)["ms"] for _ in range(LATER_RUNS))
    times.later.append(percentile(later, 0.5))
    rows, _ = bodies_of(triggered)  # read before the page closes
    page.close()

    page = open_workspace(context, url, phone, code)
    mark = log.mark()
    warm = timed_run(page)
    times.warm.append(warm["ms"])
    times.said.add(f"{warm['message']} {warm['ranOn']}")
    times.warm_requests.append([line for line in log.since(mark) if RUN_FILES.search(line[1])])
    context.close()
    return rows


def median_worst(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{percentile(ordered, 0.5):>8.0f} {ordered[-1]:>8.0f}"


def print_times(label: str, results: dict[str, EngineTimes], runs: int) -> None:
    print(f"\n{label}: ms from the click on Run to the results ({runs} contexts per engine; median, worst)")
    print(f"  {'engine':<32} {'cold HTTP cache':>17} {'warm HTTP cache':>17} {f'later Runs (median of {LATER_RUNS})':>28}")
    print(f"  {'':<32} {'median':>8} {'worst':>8} {'median':>8} {'worst':>8} {'':>10} {'median':>8} {'worst':>8}")
    for engine, times in results.items():
        print(f"  {ENGINE_LABELS[engine]:<32} {median_worst(times.cold)} {median_worst(times.warm)} {'':>10} {median_worst(times.later)}")
    for engine, times in results.items():
        reached = [line for lines in times.warm_requests for line in lines]
        statuses = sorted({status for _, _, status in reached})
        what = "none of the run files reached the server"
        if reached:
            what = f"{len(reached)} request(s) for run files reached the server (status {statuses})"
        print(f"  {engine} warm first Runs: {what}")


def print_downloads(downloads: dict[str, list[Body]]) -> None:
    print(f"\nengine downloads on the first Run (cold HTTP cache, desktop; gzip level {GZIP_LEVEL})")
    print(f"  {'response':<64} {'raw KB':>7} {'gzip KB':>8}")
    for engine, rows in downloads.items():
        print(f"  {ENGINE_LABELS[engine]}")
        for row in rows:
            print(f"    {row.path[:62]:<62} {kb(row.raw):>7} {kb(row.packed):>8}")
        raw, packed = sum(row.raw for row in rows), sum(row.packed for row in rows)
        print(f"    {f'total ({len(rows)} responses)':<62} {kb(raw):>7} {kb(packed):>8}")
    every = [row for rows in downloads.values() for row in rows]
    if any(row.path.endswith(" *") for row in every):
        print("  * Chromium did not hand Playwright this body: the size of the same URL fetched again")
    print("  Cache-Control as served (WhiteNoise):")
    for pattern in (
        r"/runners/browser-run\.",
        r"/runners/python-worker\.js$",
        r"/pyodide[^/]*/pyodide\.asm\.wasm$",
        r"/sqljs[^/]*/sql-wasm\.wasm$",
    ):
        row = next((row for row in every if re.search(pattern, row.path.removesuffix(" *"))), None)
        if row is not None:
            print(f"    {row.path:<62} {row.cache_control or '(none)'}")
            if row.policy:
                print(f"    {'':<62} Content-Security-Policy: {row.policy}")


# --- 4. Judge jobs per learner session ---------------------------------------------------------------------------


def walk(browser, playwright, log: AccessLog, base: str, seeded: Seeded, course: str) -> tuple[list[Logged], dict[str, int], float]:
    """WALK_RUNS Runs and WALK_SUBMITS Submits of the reference solution on each step of `course`, as one learner.
    Returns every request of the walk that reached the server, who ran each Run (the results' line), and the
    seconds the walk took."""
    from playwright.sync_api import expect

    context = new_context(browser, playwright, phone=False)
    mark = log.mark()
    who: dict[str, int] = {}
    began = time.perf_counter()
    for step, engine in enumerate(ENGINES, start=1):
        code = seeded.bodies[engine]["config_data"]["reference_solution"]
        page = open_workspace(context, f"{base}/embed/playlist/{course}?step={step}", False, code)
        results = page.locator("#ws-results")
        for action in ["run"] * WALK_RUNS + ["submit"] * WALK_SUBMITS:
            results.evaluate("panel => panel.replaceChildren()")
            page.locator(f"#ws-actions [data-ws-action='{action}']").click()
            expect(results.locator(".ws-summary")).to_be_visible(timeout=RUN_TIMEOUT_MS)
            if action == "run":
                ran = results.locator(".ws-ran-on")
                line = ran.inner_text().split(" (")[0] if ran.count() else "the server judge's"
                who[line] = who.get(line, 0) + 1
        page.close()
    seconds = time.perf_counter() - began
    context.close()
    return log.since(mark), who, seconds


def print_walk(label: str, logged: list[Logged], who: dict[str, int], seconds: float) -> None:
    posts = [line for line in logged if line[0] == "POST" and GRADING_PATH.search(line[1])]
    runs = sum(1 for _, path, _ in posts if path.endswith("/run"))
    statuses = ", ".join(f"{status}: {sum(1 for *_, s in posts if s == status)}" for status in sorted({s for *_, s in posts}))
    others: dict[str, int] = {}
    for method, path, _ in logged:
        if not (method == "POST" and GRADING_PATH.search(path)):
            kind = f"{method} .../{path.split('?')[0].rsplit('/', 1)[-1]}" if method == "POST" else f"{method} (pages, static)"
            others[kind] = others.get(kind, 0) + 1
    print(f"  {label}")
    print(f"    judge jobs: {len(posts)} ({runs} POST .../run, {len(posts) - runs} POST .../submit; HTTP status {statuses or '-'})")
    print(f"    Runs answered by: {', '.join(f'{line} ({count})' for line, count in who.items())}; the walk took {seconds:.0f} s")
    print(f"    other requests that reached the server: {', '.join(f'{count} {kind}' for kind, count in sorted(others.items()))}")


# --- Main ---------------------------------------------------------------------------------------------------------


def describe(stack: Stack, args: argparse.Namespace, uid_base: int, setup_seconds: float) -> str:
    return (
        f"PostgreSQL {stack.cluster.version}, gunicorn gthread {args.workers} workers x {args.threads} threads, "
        f"judge uids {uid_base}+ (own slot directory), {os.cpu_count()} CPUs shared by server, database and browser; "
        f"setup {setup_seconds:.1f} s; load average {os.getloadavg()[0]:.2f} before the runs (above 0: other work "
        "shares the cores and the figures are noisy)"
    )


def measure(server: Server, stack: Stack, seeded: Seeded, runs: int) -> int:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    base = f"http://{HOST}:{server.port}"
    log = AccessLog(f"{stack.tmp}/gunicorn.log")
    unexpected = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        print(f"Chromium {browser.version} (Debian's, headless); desktop 1280x900; phone: {PHONE_DEVICE}, CPU slowed {CPU_SLOWDOWN}x")
        slowdown = calibrate(browser, playwright)
        print(
            f"the phone's slowdown as measured by a busy loop: main thread {slowdown['main']:.1f}x, a Web Worker "
            f"{slowdown['worker']:.1f}x (the engines run in workers)"
        )

        for title, url in (
            ("1. page weight: a course's step 1 (Python, wasm-python)", f"{base}/embed/playlist/{seeded.browser_course}?step=1"),
            ("1. page weight: a capsule on its own (Python, wasm-python)", f"{base}/embed/capsule/{seeded.browser['python']}"),
        ):
            rows, posts, early = page_weight(browser, playwright, log, url)
            print_weight(title, rows, posts, early)
            unexpected += bool(early)

        downloads: dict[str, list[Body]] = {}
        profiles = {}
        for phone in (False, True):
            results = {engine: EngineTimes() for engine in ENGINES}
            for run in range(runs):
                for engine in ENGINES:
                    rows = first_runs(browser, playwright, log, base, seeded, engine, phone, results[engine])
                    if not phone and run == 0:
                        downloads[engine] = rows
            profiles[phone] = results
        print_downloads(downloads)
        for phone, results in profiles.items():
            label = f"3. phone ({PHONE_DEVICE}, CPU {CPU_SLOWDOWN}x slower)" if phone else "3. desktop"
            print_times(label, results, runs)
        print("  what the Runs said (every Run must be the browser's, every test passing):")
        for engine in ENGINES:
            said = set().union(*(profiles[phone][engine].said for phone in profiles))
            for line in sorted(said):
                print(f"    {engine}: {line}")
                all_pass = engine == "sqlite" or f"All {VISIBLE_TESTS} example tests pass." in line
                unexpected += "Ran in your browser" not in line or not all_pass

        steps = ", ".join(engine for engine in ENGINES)
        print(f"\n4. judge jobs per learner session: {WALK_RUNS} Runs and {WALK_SUBMITS} Submits per step, {len(ENGINES)} steps ({steps})")
        for label, course in (
            ("before (sandbox-python/node/sqlite)", seeded.server_course),
            ("after (browser tiers)", seeded.browser_course),
        ):
            logged, who, seconds = walk(browser, playwright, log, base, seeded, course)
            print_walk(label, logged, who, seconds)
        print(f"  expected: {3 * (WALK_RUNS + WALK_SUBMITS)} before, {3 * WALK_SUBMITS} after (the Submits)")
        browser.close()
    return unexpected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="browser contexts per engine and CPU profile (default 3)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    args = parser.parse_args()

    if not frontend_built():
        return 2
    if not RUNNER.exists():
        print(f"{RUNNER} is missing: build the front-end first (node scripts/build-frontend.mjs)", file=sys.stderr)
        return 2
    began = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="browser-run-bench-") as tmp,
        own_judge_slots(tmp) as uid_base,
        django_stack(tmp) as stack,
    ):
        seeded = seed()
        stack.env.update(LIMITS)
        probe = f"/embed/capsule/{seeded.browser['python']}"
        with gunicorn(stack, workers=args.workers, threads=args.threads, probe_path=probe) as server:
            print(describe(stack, args, uid_base, time.perf_counter() - began))
            print(
                "capsules: "
                + "; ".join(
                    f"{engine} {body['title']!r}"
                    + (f" ({VISIBLE_TESTS} visible tests of {len(body['config_data']['test_cases'])})" if engine != "sqlite" else "")
                    for engine, body in seeded.bodies.items()
                )
            )
            unexpected = measure(server, stack, seeded, args.runs)
    print(f"\ntook {time.perf_counter() - began:.0f} s")
    if unexpected:
        print(f"{unexpected} unexpected result(s) above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ClusterError, RuntimeError) as exc:
        print(f"browser_run_bench: {exc}", file=sys.stderr)
        sys.exit(2)
