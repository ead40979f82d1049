"""Bash: CODE capsules in Bash, and the shell sessions TERMINAL capsules are judged with.

CODE: a test is the learner's script followed by its `test_call` (`greet World`), run by
`bash --noprofile --norc main.sh` as a fresh process; `bash -n` on the learner's script is the compile
step.

TERMINAL: `run_shell_session(setup_script, steps)` runs the setup script and then each step, in order, in
ONE sandbox whose home directory (/home/learner, a tmpfs) persists from step to step, like a learner's
terminal. Each step is a fresh `bash -c <step>` started in the home directory (shell variables and `cd`
do not carry over; files do), with the per-run limits; processes a step leaves in the background are
killed before the next step. The step's script is passed as an argument, never written into the
workspace, so an earlier step cannot tamper with a later one (a validation script, say).

A step that is a `Check(script)` is a creator's validation script: it runs in the harness's checker shell
(judges/runtimes/harness.py, "Checks"), so the learner's programs it runs can read neither its text nor its
environment, and it is never in an argv. `checker_files()` is what a job with checks passes into its sandbox.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict

from judges.limits import MB, Limits, limits_for
from judges.runtimes.base import (
    NO_BUDGET,
    Budget,
    CodeRuntime,
    HarnessOutcome,
    TestSpec,
    Verdict,
    classify,
    excerpt,
    job_skeleton,
    open_sandbox,
    run_harness,
    signal_name,
)
from judges.sandbox import EXECUTE_ONLY, Sandbox

BASH = ["/bin/bash", "--noprofile", "--norc"]
MEMORY_MARKERS = ("xmalloc: cannot allocate", "Cannot allocate memory")
CHECKER_SHELL = "checker-bash"  # the execute-only copy of bash in the sandbox's judge directory


class Check(NamedTuple):
    """A validation script among a session's steps: run in the checker shell (see the module docstring)."""

    script: str


@cache
def _bash_binary() -> bytes:
    return Path(BASH[0]).resolve().read_bytes()


def checker_files() -> tuple[dict[str, bytes], dict[str, str]]:
    """(files, modes) for Sandbox.run: Debian's bash as an execute-only file for the harness's checks."""
    return {CHECKER_SHELL: _bash_binary()}, {CHECKER_SHELL: EXECUTE_ONLY}


def session_run(step: str | Check) -> dict[str, Any]:
    """A harness run for one step of a session: a command line, or a check."""
    if isinstance(step, Check):
        return {"check": step.script}
    return {"argv": [*BASH, "-c", step]}


class BashRuntime(CodeRuntime):
    language = "bash"
    compile_is_syntax_check = True
    memory_markers = MEMORY_MARKERS

    def compile_limits(self, limits: Limits) -> dict[str, Any]:
        return {"cpu": limits.cpu_seconds, "wall": limits.wall_seconds, "as": limits.address_space_mb * MB, "output": limits.output_bytes}

    def program(self, box: Sandbox, source: str, tests: Sequence[TestSpec], limits: Limits, directory: str) -> dict[str, Any]:
        return {
            "files": {"solution.sh": source},
            "compile": {"argv": [*BASH, "-n", "solution.sh"]},
            "runs": [{"argv": [*BASH, "main.sh"], "files": {"main.sh": f"{source}\n{test.test_call}\n"}} for test in tests],
        }


runtime = BashRuntime()


# --- Shell sessions (TERMINAL) --------------------------------------------------------------------


class StepResult(BaseModel):
    """One step of a shell session. `ok` is exit status 0 within the limits."""

    model_config = ConfigDict(frozen=True)

    index: int  # position in `steps` (the setup script is ShellSessionResult.setup)
    verdict: Verdict  # AC = exit 0; RE = non-zero exit or signal; TLE / MLE / OLE as for CODE tests
    exit_code: int | None
    signal: int | None
    signal_name: str | None
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    cpu_seconds: float
    wall_seconds: float
    message: str

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.AC


class ShellSessionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    setup: StepResult | None  # None when there was no setup script
    steps: list[StepResult]
    wall_seconds: float
    sandboxed: bool

    @property
    def setup_ok(self) -> bool:
        return self.setup is None or self.setup.ok


def shell_step(outcome: HarnessOutcome, position: int, limits: Limits, *, index: int) -> StepResult:
    """Run `position` of a finished harness job as a shell step (`index` is its place among the steps); a run
    the job never reached comes back with the job's reason (TLE when the session ran out of time)."""
    report = outcome.run_report(position)
    if report is None:
        missing_verdict, reason = outcome.missing()
        return StepResult(
            index=index, verdict=missing_verdict, exit_code=None, signal=None, signal_name=None, stdout="", stderr="",
            stdout_truncated=False, stderr_truncated=False, cpu_seconds=0.0, wall_seconds=0.0, message=f"Not run: {reason}.",
        )  # fmt: skip
    verdict, message, stdout, stderr = classify(report, limits, memory_markers=MEMORY_MARKERS, oom_killed=outcome.run.oom_killed)
    return StepResult(
        index=index,
        verdict=verdict or Verdict.AC,
        exit_code=report["exit_code"],
        signal=report["signal"],
        signal_name=signal_name(report["signal"]),
        stdout=stdout,
        stderr=excerpt(stderr),
        stdout_truncated=report["stdout_truncated"],
        stderr_truncated=report["stderr_truncated"],
        cpu_seconds=round(report["cpu"], 4),
        wall_seconds=round(report["wall"], 4),
        message=message,
    )


def run_shell_session(
    setup_script: str,
    steps: Sequence[str | Check],
    limits: Limits | None = None,
    *,
    box: Sandbox | None = None,
    budget: Budget = NO_BUDGET,
) -> ShellSessionResult:
    """Run `setup_script` (if not blank, with `set -e`) and then every step in one persistent workspace.

    Every step runs even when an earlier one failed: a TERMINAL validator needs to see, for each task,
    the validation script fail, the solution run, and the validation pass. Steps that did not run
    because the session ran out of time (or, with `budget.stop_on_limit`, after a step that did) come back
    as TLE or NR. Validation scripts go in as `Check(script)`.
    """
    limits = box.limits if box is not None else (limits or limits_for("bash"))
    started = time.monotonic()
    # The setup stops at its first failing command (`set -e`): a half-prepared workspace is a failed setup.
    setup_steps: list[str | Check] = [f"set -e\n{setup_script}"] if setup_script.strip() else []
    scripts = setup_steps + list(steps)
    with open_sandbox(box, limits) as box:
        outcome = run_session_job(box, [session_run(step) for step in scripts], budget=budget)
    first_step = 1 if setup_script.strip() else 0
    results = [shell_step(outcome, position, limits, index=position - first_step) for position in range(len(scripts))]
    setup = results.pop(0) if setup_script.strip() else None
    return ShellSessionResult(
        setup=setup, steps=results, wall_seconds=round(time.monotonic() - started, 4), sandboxed=outcome.run.sandboxed
    )


def run_session_job(box: Sandbox, runs: list[dict[str, Any]], *, budget: Budget = NO_BUDGET) -> HarnessOutcome:
    """`runs` (harness runs: argv, files, or checks) in ONE sandbox job whose home directory they share, as a
    terminal's commands do. A job with checks gets the checker shell."""
    job = job_skeleton(box, box.limits, mode="exec", budget=budget, memory_markers=MEMORY_MARKERS)
    # One program whose runs are the steps, all in the home directory, which persists between them.
    job["programs"] = [{"dir": "", "isolate_files": False, "runs": runs}]
    files: dict[str, bytes] = {}
    modes: dict[str, str] = {}
    if any("check" in run for run in runs):
        files, modes = checker_files()
        job["checker_shell"] = box.judge_path(CHECKER_SHELL)
    return run_harness(box, job, runs=len(runs), files=files, modes=modes)
