"""The gate's browser step: a capsule of a browser tier agrees with its browser engine.

A browser tier (capsules.schemas.BROWSER_ENGINES: wasm-python → Pyodide, browser-javascript → a Web Worker,
wasm-sqlite → sql.js) gets its Run in the learner's browser and its Submit on the server. After the server ran the
reference, the engine runs it too, on the server, in the sandbox (judges/runtimes/browser.py: node-run.mjs runs the
browser's own engine code), and the results are compared:

* CODE: the reference's VISIBLE tests (what Run runs), each by verdict and stdout, with the server's run of them;
* DATABASE (SQLite): the reference query on the visible seed, with the server's result, by the grading rules
  (judges/sql_compare.py: column count and values; in order only with a top-level ORDER BY).

A difference is a problem of its own for each test: `browser_disagreement` when both run the same language version
(major.minor), else `engine_version_skew`, which names both versions and suggests the server tier. Either way the
report's `browser` (BrowserAgreement) records what was compared, for the capsule page.

Runs only when the server passed the reference (a failing reference is the problem to fix first). An engine that
gives no answer (not built, crashed) is what a sandbox failure is to the gate: `sandbox_error`, inconclusive (a
capsule's status does not change; it is never validated without the check). Off with JUDGE_BROWSER_AGREEMENT=0: the
step is skipped and the report says so.

Cost: Pyodide takes seconds to start, and the gate runs on every save. The engine's result is kept in Django's cache
(settings.JUDGE_RESULTS_CACHE) for a day, keyed by the engine, its build (judges.runtimes.browser.engine_build), the
code or query, and the visible tests or seed: judging unchanged content again starts no engine. Disagreements are
kept too; engine failures are not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import caches

from capsules.schemas import CapsuleDraft, TestCase, base_runtime_tier, browser_engine
from judges.limits import Limits
from judges.reports import BrowserAgreement, Category
from judges.runtimes import JobResult, SqlResult
from judges.runtimes import browser as engines
from judges.sandbox import SandboxError
from judges.sql_compare import results_match
from judges.validators.common import ReportBuilder, quote

CACHE_SECONDS = 24 * 3600
CACHE_PREFIX = "judge:browser-agreement:"
STEP = "the browser's engine agrees with the server"


def engine_of(draft: CapsuleDraft) -> str | None:
    """The browser engine of the capsule's tier, or None (its Run is on the server)."""
    return browser_engine(draft.runtime_tier)


def check_code(
    report: ReportBuilder, draft: CapsuleDraft, source: str, cases: Sequence[TestCase], server: JobResult, limits: Limits
) -> None:
    """CODE: the visible tests in the browser engine against the server's `server` run of every test."""
    engine = engine_of(draft)
    if engine is None:
        return
    visible = [index for index, case in enumerate(cases) if not case.is_hidden]
    tests = [
        {
            "test_call": cases[index].test_call,
            "expected_output": cases[index].expected_output,
            "compare": cases[index].compare or "trim",
            "tolerance": cases[index].tolerance,
        }
        for index in visible
    ]
    result = _engine_result(report, draft, engine, {"source": source, "tests": tests}, limits, compared=len(visible))
    if result is None:
        return
    agreement = report.browser
    assert agreement is not None
    browser_tests = result.get("tests") or []
    differing = []
    for position, index in enumerate(visible):
        ours = server.tests[index]
        theirs = browser_tests[position] if position < len(browser_tests) else {"verdict": "NR", "stdout": "", "message": "no result"}
        if (ours.verdict.value, ours.stdout) != (theirs.get("verdict"), theirs.get("stdout")):
            differing.append((index, ours, theirs))
    agreement.agreed = not differing
    _step_outcome(report, agreement, f"{len(visible)} visible test{'s' if len(visible) != 1 else ''} alike", len(differing))
    category, versions = _category(agreement)
    for index, ours, theirs in differing:
        case = cases[index]
        in_browser = _outcome(theirs.get("verdict"), theirs.get("stdout", ""), theirs.get("message", ""))
        on_server = _outcome(ours.verdict.value, ours.stdout, ours.message)
        report.problem(
            category,
            f"Test {index + 1} ({case.description}): {case.test_call} {in_browser} in the learner's browser "
            f"({agreement.engine_version}) but {on_server} on the server ({agreement.server_version}), so Run and Submit "
            f"would disagree. {_advice(draft, category, versions)}",
            test_index=index,
        )


def check_sql(report: ReportBuilder, draft: CapsuleDraft, seed: str, query: str, server: SqlResult, limits: Limits) -> None:
    """DATABASE (SQLite): the reference query on the visible seed in sql.js against the server's `server` result."""
    engine = engine_of(draft)
    if engine is None:
        return
    result = _engine_result(report, draft, engine, {"seed_sql": seed, "query": query}, limits, compared=1)
    if result is None:
        return
    agreement = report.browser
    assert agreement is not None
    grid = result.get("result") or {}
    if grid.get("verdict") != "AC":
        difference = f"fails in the learner's browser ({agreement.engine_version}): {grid.get('error')}"
    else:
        theirs = _Grid(columns=list(grid.get("columns") or []), rows=list(grid.get("rows") or []), ordered=server.ordered)
        comparison = results_match(expected=server, actual=theirs)
        difference = "" if comparison.matches else (
            f"returns {quote(str(theirs.rows))} in the learner's browser ({agreement.engine_version}) but {quote(str(server.rows))} "
            f"on the server ({agreement.server_version}): {comparison.reason}"
        )  # fmt: skip
    agreement.agreed = not difference
    _step_outcome(report, agreement, "the same result", 1 if difference else 0)
    if difference:
        category, versions = _category(agreement)
        report.problem(
            category,
            f"The reference query {difference} Run and Submit would disagree. {_advice(draft, category, versions)}",
        )


class _Grid:
    """The engine's result, as sql_compare reads one."""

    def __init__(self, *, columns: list[str], rows: list[list[Any]], ordered: bool):
        self.columns, self.rows, self.ordered = columns, rows, ordered


def _engine_result(
    report: ReportBuilder, draft: CapsuleDraft, engine: str, job: dict[str, Any], limits: Limits, *, compared: int
) -> dict[str, Any] | None:
    """node-run.mjs's result for `job` (cached), with report.browser set; None when there is nothing to compare (the
    check is off, or the engine failed: then a sandbox_error problem says so)."""
    agreement = report.browser = BrowserAgreement(engine=engine, tests_compared=compared)
    if not settings.JUDGE_BROWSER_AGREEMENT:
        agreement.tests_compared = 0
        agreement.note = "not checked: JUDGE_BROWSER_AGREEMENT is off"
        with report.step(STEP) as step:
            step.detail = "skipped (JUDGE_BROWSER_AGREEMENT is off)"
        return None
    with report.step(STEP) as step:
        try:
            agreement.server_version = engines.server_version(engine)
            key = _cache_key(engine, engines.engine_build(engine), job, limits)
            result = caches[settings.JUDGE_RESULTS_CACHE].get(key)
            agreement.cached = result is not None
            if result is None:
                result = engines.run_engine(engine, job, limits)
                caches[settings.JUDGE_RESULTS_CACHE].set(key, result, CACHE_SECONDS)
        except SandboxError as exc:
            agreement.tests_compared = 0
            agreement.note = f"not checked: the {engine} engine gave no answer ({exc})"
            step.ok, step.detail = False, f"the engine failed: {exc}"
            report.problem(
                "sandbox_error",
                f"The capsule's Run happens in the learner's browser, but its engine ({engine}) could not be checked against "
                f"the server: {exc}.",
            )
            return None
        agreement.engine_version = result.get("engine_version")
    return result


def _cache_key(engine: str, build: str, job: dict[str, Any], limits: Limits) -> str:
    per_test = [limits.wall_seconds, limits.output_bytes, limits.sql_max_rows, limits.heap_mb]
    text = json.dumps([engine, build, job, per_test], sort_keys=True, separators=(",", ":"))
    return CACHE_PREFIX + hashlib.sha256(text.encode()).hexdigest()


def _step_outcome(report: ReportBuilder, agreement: BrowserAgreement, alike: str, differing: int) -> None:
    step = report.steps[-1]  # the STEP _engine_result timed
    step.ok = not differing
    where = _category(agreement)[1]
    cached = ", from the cache" if agreement.cached else ""
    step.detail = f"{alike} ({where}{cached})" if not differing else f"{differing} differ ({where}{cached})"


def _category(agreement: BrowserAgreement) -> tuple[Category, str]:
    """browser_disagreement, or engine_version_skew when the language versions differ; and the versions, said
    plainly: "Python 3.11.3 in the browser, 3.11.2 on the server"."""
    browser, server = agreement.engine_version or "?", agreement.server_version or "?"
    name = browser.split(" ")[0]
    shown_server = server[len(name) + 1 :] if server.startswith(name + " ") else server
    versions = f"{browser} in the browser, {shown_server} on the server"
    same = engines.language_version(browser) == engines.language_version(server)
    return ("browser_disagreement" if same else "engine_version_skew"), versions


def _advice(draft: CapsuleDraft, category: Category, versions: str) -> str:
    server_tier = base_runtime_tier(draft.language, getattr(draft.config, "dialect", None))
    if category == "engine_version_skew":
        return (
            f"The engines are different versions ({versions}): choose the {server_tier} tier, so that Run happens on the "
            "server too, or avoid what changed between them."
        )
    avoid = _PLATFORM_SPECIFIC.get(draft.language, "what depends on the platform")
    return (
        f"The browser's engine differs from the server's here ({versions}): avoid {avoid}, or choose the {server_tier} "
        "tier so that Run happens on the server too."
    )


# What a reference should not depend on, per language, for its browser engine to agree with the server.
_PLATFORM_SPECIFIC = {
    "python": "what depends on the platform (sys.platform, os, threads, subprocesses, timing)",
    "javascript": "what only Node.js has (process, require, Buffer) and timing",
    "sql": "functions and behaviour that not every SQLite build shares",
}


def _outcome(verdict: Any, stdout: str, message: str) -> str:
    if verdict == "AC":
        return f"prints {quote(stdout)}"
    if verdict == "WA":
        return f"prints {quote(stdout)} (WA)"
    return f"ends {verdict}" + (f" ({message})" if message else "")
