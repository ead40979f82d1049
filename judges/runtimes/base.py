"""What every runtime shares: the result models, the verdict rules and the trip through the harness.

A runtime (python.py, java.py, ...) only says how to turn the learner's code and the tests into a harness
job (judges/runtimes/harness.py documents the job format): which files to write, what to compile, what
to run per test. `CodeRuntime.run()` does the rest:

1. acquire a sandbox (judges/sandbox/) with the runtime's limits: a warm one, whose harness already
   waits for its job, when one is ready for these limits;
2. run the harness in it: it compiles once, then runs every test as its own process;
3. turn the harness's raw reports into a `JobResult`: one `TestResult` per test, with a verdict.

Verdicts, first match wins:

  CE   the compile step failed (every test of the job gets CE)
  OLE  stdout or stderr passed limits.output_bytes, or the program wrote a file over limits.file_size_mb
  TLE  wall clock over limits.wall_seconds, or CPU over limits.cpu_seconds
  MLE  the runtime reported running out of memory (Python MemoryError, JVM OutOfMemoryError, V8 heap
       limit, Go/Mono out of memory) under limits.address_space_mb / limits.heap_mb
  RE   any other non-zero exit or death by a signal
  WA   the output differs from the expected output (judges/runtimes/compare.py)
  AC   otherwise (also when a test has no expected output: it ran cleanly)

and NR (not run) for a test the job never started: an earlier test ran out of time or memory in a job that
stops at its first limit (`stop_on_limit`), or the attempt's time budget was spent (`budget`).
"""

from __future__ import annotations

import base64
import json
import marshal
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field

from judges.limits import MB, Limits, limits_for
from judges.runtimes.compare import DEFAULT_TOLERANCE, CompareMode, compare_output
from judges.sandbox import SANDBOX_JUDGE, Sandbox, SandboxError, SandboxRun, set_warm_command

STDERR_EXCERPT_CHARS = 4000
# A job with a budget is killed by the host this long after the budget, if the harness has not stopped by then: a
# cold sandbox's start and a run's final kill and reap take well under a second on a loaded 2-core machine.
BUDGET_BACKSTOP_SECONDS = 3.0
HARNESS_FILE = Path(__file__).with_name("harness.py")


class Verdict(StrEnum):
    AC = "AC"  # accepted
    WA = "WA"  # wrong answer
    TLE = "TLE"  # time limit exceeded (CPU or wall clock)
    MLE = "MLE"  # memory limit exceeded
    RE = "RE"  # runtime error (non-zero exit, signal)
    CE = "CE"  # compile error
    OLE = "OLE"  # output limit exceeded
    NR = "NR"  # not run: the job stopped before this test (stop_on_limit, or the budget was spent)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, use_enum_values=False)


class TestSpec(_Model):
    """One test of a CODE job: the learner's code followed by `test_call`, whose stdout must match.

    Python/JavaScript/Bash: `test_call` is code appended to the program (`print(f(1))`,
    `console.log(f(1))`, `f 1`). Java/Go/C#: statements run inside a generated entry point; see the
    runtime's module docstring for the exact convention.
    """

    __test__ = False  # not a pytest test class

    test_call: str
    expected_output: str | None = None  # None: only run it (the verdict is AC when it runs cleanly)
    compare: CompareMode = CompareMode.TRIM
    tolerance: float = Field(default=DEFAULT_TOLERANCE, ge=0)


class CompileResult(_Model):
    ok: bool
    exit_code: int | None
    signal: int | None
    stdout: str
    stderr: str  # the compiler's messages (an excerpt when long)
    cpu_seconds: float
    wall_seconds: float
    timed_out: bool
    message: str  # one sentence


class TestResult(_Model):
    __test__ = False

    index: int
    verdict: Verdict
    exit_code: int | None
    signal: int | None
    signal_name: str | None
    cpu_seconds: float
    wall_seconds: float
    stdout: str  # everything captured (at most limits.output_bytes)
    stderr: str  # an excerpt: head and tail when longer than STDERR_EXCERPT_CHARS
    stdout_truncated: bool
    stderr_truncated: bool
    message: str  # one plain sentence saying what happened ("" for AC)

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.AC


class JobResult(_Model):
    language: str
    compile: CompileResult | None
    tests: list[TestResult]
    wall_seconds: float  # the whole job, as the host saw it (a cold sandbox's start included; a warm one started earlier)
    sandboxed: bool  # False only with JUDGE_ALLOW_UNSANDBOXED (development)
    stopped: str | None = None  # the job stopped early: "limit" or "budget" (its unstarted tests are NR)

    @property
    def compiled(self) -> bool:
        return self.compile is None or self.compile.ok

    @property
    def passed(self) -> bool:
        """Compiled and every test AC."""
        return self.compiled and all(test.verdict is Verdict.AC for test in self.tests)

    @property
    def verdicts(self) -> list[Verdict]:
        return [test.verdict for test in self.tests]


# --- The harness ----------------------------------------------------------------------------------


@cache
def harness_source() -> bytes:
    return HARNESS_FILE.read_bytes()


# The sandbox runs the harness from bytecode that the sandbox's own interpreter compiled (once per server
# process and interpreter build): compiling its source costs every job ~2.5 ms.
_HARNESS_NAME = "/judge/harness.py"  # the harness's file name in tracebacks, wherever it runs
_COMPILE_HARNESS = (
    "import marshal, sys; "
    f"sys.stdout.buffer.write(marshal.dumps(compile(sys.stdin.buffer.read(), {_HARNESS_NAME!r}, 'exec')))"
)
_BOOTSTRAP = "import marshal; exec(marshal.loads(open({path!r}, 'rb').read()))"
_bytecode_lock = threading.Lock()
_bytecode: dict[tuple[Any, ...], bytes | None] = {}


def harness_bytecode(python: str) -> bytes | None:
    """The harness compiled by `python` (None if that failed: the harness then runs from source)."""
    try:
        info = os.stat(python)
    except OSError:
        return None
    key = (python, info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
    with _bytecode_lock:
        if key not in _bytecode:
            try:
                done = subprocess.run(
                    [python, "-I", "-S", "-c", _COMPILE_HARNESS],
                    input=harness_source(),
                    capture_output=True,
                    env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                    timeout=30,
                    check=True,
                )
                _bytecode[key] = done.stdout
            except (OSError, subprocess.SubprocessError):
                _bytecode[key] = None
        return _bytecode[key]


def harness_command(box: Sandbox) -> tuple[list[str], dict[str, bytes]]:
    """The command that starts the harness in `box`, and the files it needs there."""
    return _harness_command(box.judge_dir)


def _harness_command(judge_dir: str) -> tuple[list[str], dict[str, bytes]]:
    python = settings.JUDGE_PYTHON_PATH
    code = harness_bytecode(python)
    if code is None:
        return [python, "-I", "-S", f"{judge_dir}/harness.py"], {"harness.py": harness_source(), **runner_files()}
    return [python, "-I", "-S", "-c", _BOOTSTRAP.format(path=f"{judge_dir}/harness.bin")], {"harness.bin": code, **runner_files()}


# The runners of the runtimes that run a program's tests in one process (harness.py, "Runners"): passed to every
# sandbox with the harness, so that a warm sandbox serves those runtimes too.
RUNNER_FILES = {"javascript_runner.js": HARNESS_FILE.with_name("javascript_runner.js")}


@cache
def runner_files() -> dict[str, bytes]:
    from judges.runtimes.javac_server import runner_class  # built on first use (it needs the JDK)

    return {**{name: path.read_bytes() for name, path in RUNNER_FILES.items()}, **runner_class()}


# Warm sandboxes (judges/sandbox/warm.py) start the harness ahead of its job: the same command and files a
# sandboxed job passes to Sandbox.run, so a job can take one that is already waiting for its job.
set_warm_command(lambda: _harness_command(SANDBOX_JUDGE))


def harness_input(job: dict[str, Any]) -> bytes:
    """The harness's stdin for `job`: its length (8 bytes, little-endian), then the job (marshal)."""
    data = marshal.dumps(job, 4)
    return len(data).to_bytes(8, "little") + data


class HarnessOutcome:
    """The parsed event stream of one harness run."""

    def __init__(self, run: SandboxRun, events: list[dict[str, Any]]):
        self.run = run
        self.events = events
        self.compiles = {e.get("program", 0): e for e in events if e["event"] == "compile"}
        self.seed = next((e for e in events if e["event"] == "seed"), None)
        self.runs = {(e.get("program", 0), e["index"]): e for e in events if e["event"] == "run"}
        self.done = any(e["event"] == "done" for e in events)
        self.error = next((e["message"] for e in events if e["event"] == "error"), None)
        # "limit" (an earlier run ran out of time or memory) or "budget" (the job's time budget was spent)
        self.stopped = next((e["reason"] for e in events if e["event"] == "stopped"), None)

    def compile_report(self, program: int = 0) -> dict[str, Any] | None:
        return self.compiles.get(program)

    def run_report(self, index: int, program: int = 0) -> dict[str, Any] | None:
        return self.runs.get((program, index))

    def missing(self) -> tuple[Verdict, str]:
        """Verdict and reason for the tests that got no report (the job stopped before them)."""
        if self.stopped == "limit":
            return Verdict.NR, "an earlier test ran out of time or memory, so the rest were not run"
        if self.stopped == "budget":
            return Verdict.NR, "the attempt's time budget was spent"
        if self.run.oom_killed:
            return Verdict.MLE, "the job ran out of memory and was stopped"
        if self.run.timed_out:
            return Verdict.TLE, "the job ran out of its total time and was stopped"
        if self.error:
            return Verdict.RE, f"the judge failed: {self.error}"
        tail = self.run.stderr.decode(errors="replace").strip()[-300:]
        return Verdict.RE, "the judge stopped before this test" + (f": {tail}" if tail else "")


@dataclass(frozen=True)
class Budget:
    """How a job may stop early (the harness's `budget` and `stop_on_limit`, harness.py "Job").

    `seconds`: the whole job's wall clock (every compile and run), or None for none but the per-run limits and
    the job's backstop. `stop_on_limit`: start nothing after the first run that ran out of time or memory.
    """

    seconds: float | None = None
    stop_on_limit: bool = False


NO_BUDGET = Budget()


def job_skeleton(
    box: Sandbox, limits: Limits, *, mode: str, env: dict[str, str] | None = None, has_compile: bool = False,
    budget: Budget = NO_BUDGET, memory_markers: Sequence[str] = (),
) -> dict[str, Any]:  # fmt: skip
    """The parts of a harness job every runtime needs (limits in the harness's units)."""
    ceiling = max(limits.address_space_mb, limits.compile_address_space_mb if has_compile else 0)
    return {
        "budget": budget.seconds,
        "stop_on_limit": budget.stop_on_limit,
        "memory_markers": list(memory_markers),
        "mode": mode,
        "oom_events": box.oom_events_path,
        "home": box.home,
        "tmp": box.tmp,
        "env": env if env is not None else box.environment(),
        "files": {},
        "job_limits": {
            "nproc": limits.processes,
            "nofile": limits.open_files,
            "fsize": limits.file_size_mb * MB,
            # The harness itself stays under the largest address space any of its children may get.
            "as": (ceiling + 64) * MB,
        },
        "run_limits": {
            "cpu": limits.cpu_seconds,
            "wall": limits.wall_seconds,
            "as": limits.address_space_mb * MB,
            "output": limits.output_bytes,
        },
        "compile_limits": {
            "cpu": limits.compile_cpu_seconds,
            "wall": limits.compile_wall_seconds,
            "as": limits.compile_address_space_mb * MB,
            "output": limits.output_bytes,
        },
    }


def run_harness(
    box: Sandbox,
    job: dict[str, Any],
    *,
    runs: int,
    compiles: int = 0,
    extra_stdout: int = 0,
    files: dict[str, bytes] | None = None,
    modes: dict[str, str] | None = None,
    binds: Sequence[tuple[str, str]] = (),
    deadline: float | None = None,
) -> HarnessOutcome:
    """Run the harness with `job` in `box`; parse its events. Raises SandboxError if the sandbox failed.
    `files` and `modes`: more files for the job's sandbox besides the harness; `binds`: host directories bound
    read-only (Sandbox.run); `deadline`: the host's kill of the whole job, when the runs' limits do not say it."""
    limits = box.limits
    # Each report carries both streams base64-encoded (4/3) plus a little JSON.
    per_report = 2 * (limits.output_bytes * 4 // 3 + 8) + 1024
    stdout_cap = (runs + compiles + 2) * per_report + extra_stdout + 64 * 1024
    argv, harness_files = harness_command(box)
    if deadline is None:
        deadline = limits.job_deadline_seconds(runs, compiles=compiles) + (limits.wall_seconds if job["mode"] == "sql" else 0)
    if job.get("budget") is not None:
        # The harness keeps to its budget; the host's deadline is the backstop, with room for the sandbox's start.
        deadline = min(deadline, job["budget"] + BUDGET_BACKSTOP_SECONDS)
    result = box.run(
        argv,
        stdin=harness_input(job),
        files={**harness_files, **(files or {})},
        modes=modes,
        deadline=deadline,
        stdout_cap=stdout_cap,
        stderr_cap=64 * 1024,
        binds=binds,
    )
    events: list[dict[str, Any]] = []
    for line in result.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            break  # a line cut by the cap: what came before still counts
    if not events or events[0].get("event") != "ready":
        stderr = result.stderr.decode(errors="replace").strip()
        if result.timed_out:
            raise SandboxError(f"the sandbox did not start within {deadline:.0f} s")
        raise SandboxError(f"the sandbox failed to start (exit {result.exit_code}, signal {result.signal}): {stderr[-1000:]}")
    return HarnessOutcome(result, events)


# --- Reports to results ---------------------------------------------------------------------------


def decode(field: str) -> str:
    return base64.b64decode(field).decode("utf-8", errors="replace")


def encoded(text: str) -> str:
    """A stream as the harness reports it (base64 of its UTF-8 bytes)."""
    return base64.b64encode(text.encode()).decode()


def excerpt(text: str, limit: int = STDERR_EXCERPT_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n… [{len(text) - limit} characters cut] …\n{text[-half:]}"


def signal_name(number: int | None) -> str | None:
    if number is None:
        return None
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def classify(
    report: dict[str, Any], limits: Limits, *, memory_markers: Sequence[str] = (), oom_killed: bool = False
) -> tuple[Verdict | None, str, str, str]:
    """Verdict for a run that did not pass cleanly, or None when it exited 0 (compare output next).

    `oom_killed`: the job's memory cgroup filled up during the job; only used when the harness could not
    tell which run the OOM killer stopped (the report then has no "oom_killed").
    Returns (verdict or None, message, stdout, stderr) with the streams decoded.
    """
    stdout, stderr = decode(report["stdout"]), decode(report["stderr"])
    sig = report["signal"]
    if report["stdout_truncated"] or report["stderr_truncated"]:
        which = "standard output" if report["stdout_truncated"] else "standard error"
        return Verdict.OLE, f"The program wrote more than {limits.output_bytes} bytes to {which} and was stopped.", stdout, stderr
    if sig == signal.SIGXFSZ or (report["exit_code"] not in (0, None) and _wrote_too_large_a_file(report["exit_code"], stderr)):
        return Verdict.OLE, f"The program tried to write a file larger than {limits.file_size_mb} MB.", stdout, stderr
    if report.get("oom_killed", oom_killed and sig == signal.SIGKILL and not report["timed_out"]):
        return (
            Verdict.MLE,
            f"The program and its processes used more than {limits.job_memory_mb} MB of memory together and were stopped.",
            stdout,
            stderr,
        )
    if report["timed_out"] and report.get("budget_cut"):
        return Verdict.TLE, "The attempt's time budget ran out while this test ran, so it was stopped.", stdout, stderr
    if report["timed_out"]:
        return Verdict.TLE, f"The program did not finish within {limits.wall_seconds:g} s (wall clock) and was stopped.", stdout, stderr
    cpu_killed = sig in (signal.SIGXCPU, signal.SIGKILL) and report["cpu"] >= limits.cpu_rlimit - 0.05
    if sig == signal.SIGXCPU or cpu_killed or report["cpu"] > limits.cpu_seconds:
        return Verdict.TLE, f"The program used more than {limits.cpu_seconds:g} s of CPU time.", stdout, stderr
    if report.get("memory_error") or any(marker in stderr for marker in memory_markers):
        return (
            Verdict.MLE,
            f"The program ran out of memory (limit {limits.address_space_mb} MB of address space, "
            f"{limits.heap_mb} MB of heap where the runtime has one).",
            stdout,
            stderr,
        )
    if report.get("spawn_failed"):
        return Verdict.RE, "The program could not be started.", stdout, stderr
    if sig is not None:
        return Verdict.RE, f"The program was killed by {signal_name(sig)}.", stdout, stderr
    if report["exit_code"] != 0:
        last = _last_line(stderr)
        return Verdict.RE, f"The program exited with status {report['exit_code']}" + (f": {last}" if last else "."), stdout, stderr
    return None, "", stdout, stderr


# RLIMIT_FSIZE shows up as SIGXFSZ, as a shell's exit status 128 + SIGXFSZ when a command of a script got
# it, or as EFBIG ("File too large") in runtimes that ignore the signal (Python, the JVM).
_FILE_SIZE_MESSAGES = ("File size limit exceeded", "File too large")


def _wrote_too_large_a_file(exit_code: int, stderr: str) -> bool:
    return exit_code == 128 + signal.SIGXFSZ or any(message in stderr for message in _FILE_SIZE_MESSAGES)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def compile_result(report: dict[str, Any], limits: Limits) -> CompileResult:
    stdout, stderr = decode(report["stdout"]), decode(report["stderr"])
    ok = report["exit_code"] == 0
    if ok:
        message = ""
    elif report["timed_out"]:
        message = f"Compilation did not finish within {limits.compile_wall_seconds:g} s."
    elif report["signal"] is not None:
        message = f"The compiler was killed by {signal_name(report['signal'])}."
    else:
        first = next((line.strip() for line in (stderr or stdout).splitlines() if line.strip()), "")
        message = "Compilation failed" + (f": {first[:300]}" if first else ".")
    return CompileResult(
        ok=ok,
        exit_code=report["exit_code"],
        signal=report["signal"],
        stdout=excerpt(stdout),
        stderr=excerpt(stderr),
        cpu_seconds=report["cpu"],
        wall_seconds=report["wall"],
        timed_out=report["timed_out"],
        message=message,
    )


def test_result(
    index: int,
    report: dict[str, Any] | None,
    spec: TestSpec | None,
    limits: Limits,
    *,
    memory_markers: Sequence[str] = (),
    missing: tuple[Verdict, str] = (Verdict.RE, ""),
    oom_killed: bool = False,
) -> TestResult:
    """One TestResult from a harness run report (None: the job stopped before this test, see `missing`)."""
    if report is None:
        missing_verdict, missing_reason = missing
        return _unrun_result(index, missing_verdict, f"Not run: {missing_reason}." if missing_reason else "Not run.")
    verdict, message, stdout, stderr = classify(report, limits, memory_markers=memory_markers, oom_killed=oom_killed)
    if verdict is None:
        verdict, message = Verdict.AC, ""
        if spec is not None and spec.expected_output is not None:
            comparison = compare_output(stdout, spec.expected_output, spec.compare, spec.tolerance)
            if not comparison.equal:
                verdict, message = Verdict.WA, f"Wrong output: {comparison.message}."
    return TestResult(
        index=index,
        verdict=verdict,
        exit_code=report["exit_code"],
        signal=report["signal"],
        signal_name=signal_name(report["signal"]),
        cpu_seconds=round(report["cpu"], 4),
        wall_seconds=round(report["wall"], 4),
        stdout=stdout,
        stderr=excerpt(stderr),
        stdout_truncated=report["stdout_truncated"],
        stderr_truncated=report["stderr_truncated"],
        message=message,
    )


# --- Runtimes -------------------------------------------------------------------------------------


class CodeRuntime:
    """A language for CODE capsules.

    Subclasses say how one program becomes harness steps (`program`), and optionally adjust the
    environment and the compile limits; `run` and `run_many` are the same for every language.
    """

    language: str = ""
    mode: str = "exec"  # the harness mode: "exec" (compile, then a process per test) or "python" (fork)
    memory_markers: tuple[str, ...] = ()  # stderr text by which the runtime says it ran out of memory
    compile_is_syntax_check = False  # interpreted: a failed "compile" step is a syntax error, not a compile error

    def program(self, box: Sandbox, source: str, tests: Sequence[TestSpec], limits: Limits, directory: str) -> dict[str, Any]:
        """The harness program for `source` and `tests` (see harness.py, "programs"); paths relative to `directory`."""
        raise NotImplementedError

    def environment(self, box: Sandbox, limits: Limits) -> dict[str, str]:
        return box.environment()

    def compile_limits(self, limits: Limits) -> dict[str, Any] | None:
        """Limits for the compile step, if they differ from the compile_* limits (None: those)."""
        return None

    def build_job(
        self, box: Sandbox, programs: Sequence[tuple[str, Sequence[TestSpec]]], limits: Limits, budget: Budget = NO_BUDGET
    ) -> dict[str, Any]:
        job = job_skeleton(
            box, limits, mode=self.mode, env=self.environment(box, limits), has_compile=self.mode == "exec",
            budget=budget, memory_markers=self.memory_markers,
        )  # fmt: skip
        overrides = self.compile_limits(limits)
        if overrides is not None:
            job["compile_limits"] = overrides
        # One program uses the home directory itself; several get a directory each (removed after use).
        directories = [""] if len(programs) == 1 else [f"program-{number}" for number in range(len(programs))]
        job["programs"] = [
            {"dir": directory, **self.program(box, source, tests, limits, directory)}
            for directory, (source, tests) in zip(directories, programs, strict=True)
        ]
        return job

    def run(
        self,
        source: str,
        tests: Sequence[TestSpec],
        limits: Limits | None = None,
        *,
        box: Sandbox | None = None,
        budget: Budget = NO_BUDGET,
    ) -> JobResult:
        """Compile `source` once and run every test, in one sandbox job. `box`: an open Sandbox (a slot) to use."""
        return self.run_many([(source, tests)], limits, box=box, budget=budget)[0]

    def run_many(
        self,
        programs: Sequence[tuple[str, Sequence[TestSpec]]],
        limits: Limits | None = None,
        *,
        box: Sandbox | None = None,
        budget: Budget = NO_BUDGET,
    ) -> list[JobResult]:
        """Judge several programs, each with its own tests, one after the other in ONE sandbox job.

        For a validator: the reference, the boilerplate and the reference again cost one sandbox start
        instead of three. Each program is compiled and run as in `run`; it sees nothing the ones before
        it left in the work directory. The results come back in order; their wall_seconds is the job's.
        With `budget`, the job may stop early: the tests it never started are NR (JobResult.stopped says why).
        """
        limits = box.limits if box is not None else (limits or limits_for(self.language))
        started = time.monotonic()
        total_tests = sum(len(tests) for _, tests in programs)
        with open_sandbox(box, limits) as box:
            job = self.build_job(box, programs, limits, budget)
            compiles = sum(
                1
                for program in job["programs"]
                if program.get("compile") or program.get("compiled") or program.get("runner", {}).get("compiles")
            )
            compiles += len(programs) if self.mode == "python" else 0
            outcome = run_harness(box, job, runs=total_tests, compiles=compiles)
        wall = round(time.monotonic() - started, 4)
        return [self._result(outcome, number, tests, limits, wall) for number, (_, tests) in enumerate(programs)]

    def _result(self, outcome: HarnessOutcome, number: int, tests: Sequence[TestSpec], limits: Limits, wall: float) -> JobResult:
        report = outcome.compile_report(number)
        compiled = compile_result(report, limits) if report else None
        if compiled is not None and not compiled.ok:
            results = [_compile_error_result(index, compiled) for index in range(len(tests))]
        else:
            missing = outcome.missing()
            results = [
                test_result(
                    index,
                    outcome.run_report(index, number),
                    spec,
                    limits,
                    memory_markers=self.memory_markers,
                    missing=missing,
                    oom_killed=outcome.run.oom_killed,
                )
                for index, spec in enumerate(tests)
            ]
        return JobResult(
            language=self.language, compile=compiled, tests=results, wall_seconds=wall,
            sandboxed=outcome.run.sandboxed, stopped=outcome.stopped,
        )  # fmt: skip


@contextmanager
def open_sandbox(box: Sandbox | None, limits: Limits) -> Iterator[Sandbox]:
    """The caller's sandbox if it passed one, else a new one for this job."""
    if box is not None:
        yield box
        return
    with Sandbox.open(limits) as opened:
        yield opened


def _unrun_result(index: int, verdict: Verdict, message: str) -> TestResult:
    """The result of a test that never ran (its job stopped first, or its program did not compile)."""
    return TestResult(
        index=index,
        verdict=verdict,
        exit_code=None,
        signal=None,
        signal_name=None,
        cpu_seconds=0.0,
        wall_seconds=0.0,
        stdout="",
        stderr="",
        stdout_truncated=False,
        stderr_truncated=False,
        message=message,
    )


def _compile_error_result(index: int, compiled: CompileResult) -> TestResult:
    return _unrun_result(index, Verdict.CE, compiled.message or "Compilation failed.")
