"""The learner's browser engines, run on the server: static/src/runners/node-run.mjs in the sandbox.

A capsule of a browser tier (capsules.schemas.BROWSER_ENGINES) gets its Run in the learner's browser: Pyodide
("python"), a Web Worker ("javascript") or sql.js ("sqlite"). node-run.mjs runs the SAME engine code in Node.js,
one JSON job in, one JSON result out (its header has the format), so the gate can check that the browser's Run
agrees with the server's judge (judges/validators/browser.py).

    result = run_engine("python", {"source": ..., "tests": [...], "limits": {...}}, limits)

It runs like every other untrusted program: one bubblewrap sandbox in a judge slot (its uid, no network, the
harness's rlimits and wall clock, the slot's memory cgroup), with two host directories bound read-only: the built
engines (static/vendor/engines/, `node scripts/build-frontend.mjs`) and the runners' sources (static/src/runners/).
Engines that are not built are an EngineFailed, never a silent pass.

Exceptions: EngineFailed (a SandboxError: the engine could not give an answer — not built, crashed, out of its
limits), SandboxUnavailable / SandboxError from the sandbox itself.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from judges.limits import Limits
from judges.runtimes.base import decode, job_skeleton, run_harness
from judges.runtimes.javascript import NODE
from judges.sandbox import Sandbox, SandboxError

ENGINES = ("python", "javascript", "sqlite")
# Where the sandbox sees the two directories (read-only binds).
ENGINES_MOUNT = "/opt/codecapsule/engines"
RUNNERS_MOUNT = "/opt/codecapsule/runners"
# The engine's own files under the engines directory (JavaScript is Node itself).
ENGINE_FILES = {"python": "pyodide", "sqlite": "sqljs"}

# RLIMIT_AS of the node process. V8 reserves address space for each WebAssembly memory up front (8 GiB and guard
# regions on x86-64, whatever the memory's size), so the wasm engines need far more than the Node runtime's 1536 MB;
# what they touch is bounded by the slot's memory cgroup (JUDGE_JOB_MEMORY_MB), not by this. Measured with Node 20
# (prlimit --as, bisected to 128 MB): Pyodide 0.25.1 starts at 22144 MB and not at 21504 MB (the worker's memory and
# Pyodide's own); sql.js 1.17 needs 11886 MB; the JavaScript engine 1336 MB (a worker thread beside the main one).
ENGINE_ADDRESS_SPACE_MB = {"python": 24576, "sqlite": 16384, "javascript": 2048}
# The engine's start before the first test, which node-run.mjs does not count against any test: Pyodide compiles
# 9 MB of WebAssembly (2-3 s of wall clock and about as much CPU on an idle 2-core machine; more when it is busy).
ENGINE_START_SECONDS = 60.0
ENGINE_START_CPU_SECONDS = 60.0
RESULT_BYTES_PER_ROW = 2048  # room in the result for one row of a query, JSON-encoded (as sql_sqlite.py)


class EngineFailed(SandboxError):
    """The browser engine gave no answer (not built, crashed, ran out of its limits): nothing was proven."""


def engines_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "vendor" / "engines"


def runners_dir() -> Path:
    return Path(settings.BASE_DIR) / "static" / "src" / "runners"


def _engine_directory(engine: str) -> Path | None:
    """The engine's built files (None for JavaScript, which is Node itself); EngineFailed if they are missing."""
    if engine not in ENGINES:
        raise ValueError(f"unknown browser engine {engine!r}; known: {', '.join(ENGINES)}")
    if not (runners_dir() / "node-run.mjs").is_file():
        raise EngineFailed(f"the browser runners are missing ({runners_dir() / 'node-run.mjs'})")
    if engine not in ENGINE_FILES:
        return None
    index = engines_dir() / "engines.json"  # each engine's versioned directory (scripts/build-frontend.mjs)
    directory = engines_dir() / json.loads(index.read_text())[ENGINE_FILES[engine]] if index.is_file() else index
    if not directory.is_dir() or not any(directory.iterdir()):
        raise EngineFailed(
            f"the browser engines are not built ({directory} is missing): run `node scripts/build-frontend.mjs` "
            "(make does), or set JUDGE_BROWSER_AGREEMENT=0 to skip this check"
        )
    return directory


def engine_build(engine: str) -> str:
    """What identifies the engine's build: Node's version, and the name, size and time of every file of the runners
    and of the engine. Changes with a rebuild or an edit of the runners (a cache key part, judges/validators/browser.py).
    EngineFailed when the engine is not built."""
    directory = _engine_directory(engine)
    digest = hashlib.sha256(_node_version().encode())
    for folder in (runners_dir(), directory):
        if folder is None:
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file():
                info = path.stat()
                digest.update(f"\0{path.name}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


@cache
def _node_version() -> str:
    return _host_output([NODE, "--version"])


@cache
def server_version(engine: str) -> str:
    """The version of what the server's judge runs for `engine`, named as node-run.mjs names the engine's:
    "Python 3.11.2" (Debian's interpreter), "Node.js v20.20.2", "SQLite 3.40.1" (the library Python's sqlite3 uses)."""
    python = settings.JUDGE_PYTHON_PATH
    if engine == "python":
        return _host_output([python, "-I", "-S", "-c", "import sys; print('Python %d.%d.%d' % sys.version_info[:3])"])
    if engine == "sqlite":
        return _host_output([python, "-I", "-S", "-c", "import sqlite3; print('SQLite ' + sqlite3.sqlite_version)"])
    if engine == "javascript":
        return f"Node.js {_node_version()}"
    raise ValueError(f"unknown browser engine {engine!r}")


def _host_output(argv: list[str]) -> str:
    """What a trusted program of the host prints (a version), with a plain environment."""
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=30, check=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EngineFailed(f"{argv[0]} could not say its version: {exc}") from exc
    return done.stdout.strip()


_VERSION = re.compile(r"(\d+)\.(\d+)")


def language_version(version: str | None) -> tuple[int, int] | None:
    """The language's version in a version string, major and minor: "Python 3.11.3" → (3, 11), "SQLite 3.54.1" →
    (3, 54). Patch releases (3.11.2 and 3.11.3) are the same language."""
    found = _VERSION.search(version or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


def engine_limits(engine: str, limits: Limits, tests: int) -> Limits:
    """The sandbox's limits for one node-run.mjs job of `tests` tests (or one query) with the per-test `limits`: the
    engine's address space, its start and every test's time, and room in the output for the whole JSON result."""
    per_test = 2 * limits.output_bytes * 6 + 1024  # stdout and stderr of a test, JSON-escaped at worst
    output = tests * per_test if engine != "sqlite" else limits.sql_max_rows * RESULT_BYTES_PER_ROW
    wall = min(ENGINE_START_SECONDS + tests * (limits.wall_seconds + 0.5), max(limits.job_wall_seconds, ENGINE_START_SECONDS))
    return limits.replace(
        address_space_mb=ENGINE_ADDRESS_SPACE_MB[engine],
        cpu_seconds=ENGINE_START_CPU_SECONDS + tests * limits.cpu_seconds,
        wall_seconds=wall,
        output_bytes=output + 64 * 1024,
    )


def run_engine(engine: str, job: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Run one node-run.mjs job (without its "engine", which this adds) in the sandbox; node-run.mjs's result.

    `limits`: the per-test limits the browser uses too (wall clock, output bytes, rows, heap), given to the job;
    the sandbox gets engine_limits. Raises EngineFailed when the engine gave no result."""
    engine_files = _engine_directory(engine)
    tests = max(len(job.get("tests") or []), 1)
    sandbox_limits = engine_limits(engine, limits, tests)
    payload = {
        **job,
        "engine": engine,
        "limits": {
            "wall_seconds": limits.wall_seconds,
            "output_bytes": limits.output_bytes,
            "max_rows": limits.sql_max_rows,
            "heap_mb": limits.heap_mb,
        },
    }
    with Sandbox.open(sandbox_limits, warm=False) as box:
        if box.sandboxed:
            engines, runners = ENGINES_MOUNT, RUNNERS_MOUNT
            binds = [(str(runners_dir()), RUNNERS_MOUNT)] + ([(str(engines_dir()), ENGINES_MOUNT)] if engine_files else [])
        else:  # development without bubblewrap (JUDGE_ALLOW_UNSANDBOXED): the host's directories
            engines, runners, binds = str(engines_dir()), str(runners_dir()), []
        env = box.environment() | {"CODECAPSULE_ENGINES_DIR": engines, "NODE_DISABLE_COLORS": "1", "NO_COLOR": "1"}
        job_data = job_skeleton(box, sandbox_limits, mode="exec", env=env)
        job_data["programs"] = [
            {
                "dir": "",
                "files": {"job.json": json.dumps(payload)},
                "runs": [{"argv": [NODE, f"--max-old-space-size={limits.heap_mb}", f"{runners}/node-run.mjs", "job.json"]}],
            }
        ]
        outcome = run_harness(box, job_data, runs=1, binds=binds, deadline=sandbox_limits.wall_seconds + 10)
    report = outcome.run_report(0)
    if report is None:
        raise EngineFailed(f"node-run.mjs did not run: {outcome.missing()[1]}")
    stdout, stderr = decode(report["stdout"]), decode(report["stderr"])
    try:
        result = json.loads(stdout)
    except ValueError:
        result = None
    if not isinstance(result, dict) or report["exit_code"] not in (0, 2):
        raise EngineFailed(_run_failure(report, sandbox_limits, stderr))
    if result.get("error"):
        raise EngineFailed(f"the {engine} engine failed: {result['error']}")
    return result


def _run_failure(report: dict[str, Any], limits: Limits, stderr: str) -> str:
    if report["timed_out"]:
        return f"node-run.mjs did not finish within {limits.wall_seconds:g} s"
    if report.get("oom_killed"):
        return f"node-run.mjs ran out of the job's memory ({limits.job_memory_mb} MB)"
    if report["stdout_truncated"]:
        return "node-run.mjs's result was larger than its output limit"
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    status = f"signal {report['signal']}" if report["signal"] is not None else f"exit status {report['exit_code']}"
    return f"node-run.mjs stopped with {status}" + (f": {last[:300]}" if last else "")
