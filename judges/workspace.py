"""Per-learner TERMINAL workspaces that persist between commands, contained like every judge program.

A learner types commands one at a time; each runs in a fresh sandbox (judges/sandbox/, the judge's rules)
that sees the files the earlier commands left. Between commands the files live in the database, as a gzip'd
tar of the sandbox's home directory (`TerminalWorkspace.archive`). The server only ever stores those bytes
and hands them back to a sandbox: it never extracts, lists or opens anything a sandbox produced, so no path
a command plants (a symlink to /etc/passwd, say) is ever followed outside a sandbox.

One command is ONE sandbox job of the judge harness (judges/runtimes/harness.py, exec mode), three runs in
one home directory, each with the bash limits of `limits_for("bash")`:

1. restore: the archive arrives as a file the harness writes into the sandbox's own /tmp from the job it
   read on its stdin (base64 text: the harness writes job files as text) and removes after this run; GNU
   tar extracts it into the empty home directory (no owners, member names never leave the directory).
2. the command: `bash -c` starts in the saved working directory and `eval`s the command, passed as an
   argument (never written into the workspace); stdout and stderr share one pipe, so the learner sees them
   interleaved as a terminal shows them. On exit a trap writes the final directory to /tmp. The harness then
   kills every process the command left behind.
3. save: tar of the home directory, cut at JUDGE_WORKSPACE_MAX_BYTES + 1 inside the sandbox (a bigger
   workspace is refused: "over the limit"), then gzip to stdout behind a small header (size, directory).
   The server reads it from the harness's pipe with a byte cap and checks its length again.

The server trusts nothing of what comes back but its length: the header is parsed strictly, a directory it
does not like is replaced by the previous one, an archive longer than gzip could make of an allowed tar is
refused. The worst a learner can do to the archive is to their own workspace, and the next sandbox
confines that too.

What persists: files, directories, modes and times under the home directory, and the working directory.
What does not (as after a reboot): environment variables and shell variables, aliases and functions,
background processes (killed at the end of each command), /tmp and /dev/shm. Commands cannot read stdin
(it is /dev/null) and there is no terminal, so full-screen programs (vim, top) do not work.

Why a check's output is never shown: a failed Check says "Not done yet" and, if the task's author declared one,
the task's `failure_message` — never a line the validation script printed. The script runs in the learner's
workspace, on files the learner made, and the learner can make it print what must stay hidden: a file it reads
with a shell builtin (`$(< answer.txt)`, `read`) can be a symlink to /proc/self/environ, and in the checker shell
(or a subshell forked from it) that is the environment it started with — the validation script itself, which the
harness hands over in a variable (judges/runtimes/harness.py, "Checks"); a program it runs gets its arguments (a
`grep` pattern, an expected value); and a careless script echoes what it expected. Filtering the output cannot
tell a reason from a leak; the author's declared sentence is the only reason that is safe by construction
(tests/hostile/test_checks_stay_hidden.py tries each of these).

Concurrency: a command holds a lease on the row (`busy_until`, set by one conditional UPDATE) and saves only
if the row's `version` is still the one it read; a second command meanwhile is refused with WorkspaceBusy.
No database transaction or row lock is held while a sandbox runs (seconds; and on SQLite a write
transaction would stop every other writer of the site meanwhile).

    workspace = workspace_get_or_create(capsule=capsule, learner_key=key)   # runs the setup script once
    result = workspace_run(workspace=workspace, command="ls -la")           # CommandResult
    checks = workspace_check(workspace=workspace)                           # [TaskCheck(...), ...]
    workspace_reset(workspace=workspace)                                    # back to right after setup
    workspace_expire()                                                      # the hourly schedule
"""

from __future__ import annotations

import base64
import codecs
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework import status

from capsules.models import Capsule, CapsuleType
from capsules.schemas import TerminalConfig, parse_config
from codecapsule.errors import ApplicationError, Conflict, ErrorCode, ValidationFailed
from judges.limits import Limits, limits_for
from judges.models import LEARNER_KEY_CHARS, MAX_CWD_CHARS, TerminalWorkspace
from judges.runtimes.base import NO_BUDGET, Budget, HarnessOutcome, Verdict
from judges.runtimes.bash import BASH, Check, StepResult, run_session_job, session_run, shell_step
from judges.sandbox import SANDBOX_HOME, Sandbox
from judges.validators.terminal import check_passed

logger = logging.getLogger(__name__)

__all__ = [
    "CommandResult",
    "TaskCheck",
    "WorkspaceBroken",
    "WorkspaceBusy",
    "WorkspaceExpired",
    "expired_workspaces",
    "workspace_check",
    "workspace_expire",
    "workspace_get_or_create",
    "workspace_reset",
    "workspace_run",
]


# --- Results and errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandResult:
    output: str  # stdout and stderr as a terminal shows them, at most JUDGE_WORKSPACE_OUTPUT_BYTES (+ notices)
    exit_code: int | None  # None when the command was killed (time, memory or output limit)
    cwd: str  # where the next command starts (absolute, inside the sandbox)
    timed_out: bool  # stopped by the wall-clock or CPU limit
    truncated: bool  # output was cut at JUDGE_WORKSPACE_OUTPUT_BYTES
    workspace_bytes: int  # size of the workspace now (uncompressed tar)
    saved: bool = True  # False: the command's changes were refused (over the size cap); the output says why


@dataclass(frozen=True)
class TaskCheck:
    task_id: str
    description: str
    passed: bool
    failure_message: str | None = None  # the author's declared hint, only when the check failed (see the docstring)


class WorkspaceBusy(Conflict):
    code = ErrorCode.WORKSPACE_BUSY


class WorkspaceExpired(ApplicationError):
    """The row is gone (expired and deleted, or the capsule was): open the workspace again."""

    code = ErrorCode.WORKSPACE_EXPIRED
    http_status = status.HTTP_410_GONE


class WorkspaceBroken(ApplicationError):
    """The workspace could not be prepared or restored; resetting it (or trying again) is the way out."""

    code = ErrorCode.WORKSPACE_BROKEN
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE


# --- What runs inside the sandbox -------------------------------------------------------------------------

# Files of ours in the sandbox's /tmp (never the learner's home directory). The archive's way in is a job
# file the harness writes (as text) before the restore run and removes after it: the harness joins a run's
# file names to the home directory, and an absolute name stays as it is.
INBOX_NAME = ".codecapsule-restore.b64"
CWD_FILE_NAME = ".codecapsule-cwd"  # written by the command's EXIT trap, read by the save run
TAR_FILE_NAME = ".codecapsule-save.tar"
CWD_READ_BYTES = 4096  # what the save run reads of the directory the command recorded (`head -c` below)
SAVE_OVER_CAP = 3  # the save run's exit status for "the workspace is over JUDGE_WORKSPACE_MAX_BYTES"

# $1: the inbox; $2...: the directories to empty first (home, /tmp but the inbox, /dev/shm): a check restores
# the same state before each task's validation script. GNU tar refuses member names with `..`, strips a
# leading `/`, sets no owners (--no-same-owner) and applies directory modes last (--delay-directory-restore),
# so a read-only directory restores too; it runs as the sandbox's unprivileged uid anyway.
RESTORE_SCRIPT = r"""set -eu -o pipefail
inbox=$1
shift
chmod -R u+rwX -- "$@" 2>/dev/null || true
find "$@" -mindepth 1 -maxdepth 1 ! -path "$inbox" -exec rm -rf -- {} +
if [ -s "$inbox" ]; then
  base64 -d -- "$inbox" | tar --extract --gzip --file=- --directory="$HOME" --same-permissions --no-same-owner --delay-directory-restore
fi
"""

# $1: the saved working directory, $2: the command, $3: where to record the final directory. `cd` and
# `exit` in the command behave as in a terminal; a command killed by a limit records nothing, so the
# directory stays what it was.
COMMAND_SCRIPT = r"""cd -- "$1" 2>/dev/null || cd -- "$HOME"
exec 2>&1
__codecapsule_cwd_file=$3
trap 'printf "%s" "$PWD" > "$__codecapsule_cwd_file"' EXIT
__codecapsule_command=$2
set --
eval "$__codecapsule_command"
"""

# $1: JUDGE_WORKSPACE_MAX_BYTES, $2: the recorded directory, $3: a scratch file. stdout: "<tar bytes>\0<cwd>\0"
# then the gzip'd tar; over the cap, the apparent size of the home directory (for the message) and exit
# SAVE_OVER_CAP. The tar is cut at the cap + 1 as it is made, so a huge (or sparse) file costs no more
# than the cap. tar exits 1 when a file changed while it was read (only its own warnings: no command runs
# any more) and 2 on a real failure (an unreadable file), which refuses the save (exit 4).
SAVE_SCRIPT = r"""set -u
cap=$1
cwd=
if [ -f "$2" ] && [ ! -L "$2" ]; then
  cwd=$(head -c 4096 -- "$2" | tr -d '\000')
fi
tar --create --file=- --directory="$HOME" --blocking-factor=1 . | head -c $((cap + 1)) > "$3"
status=("${PIPESTATUS[@]}")
size=$(stat -c %s -- "$3")
if [ "$size" -gt "$cap" ]; then
  du -sb -- "$HOME" 2>/dev/null | cut -f1
  exit 3
fi
if [ "${status[0]}" -gt 1 ] || [ "${status[1]}" -ne 0 ]; then
  exit 4
fi
printf '%s\0%s\0' "$size" "$cwd"
gzip -1 -n -c -- "$3"
"""


@dataclass(frozen=True)
class _Places:
    """Paths of one sandbox (a development box without bubblewrap has host temp directories instead: the
    scripts must never touch the host's own /tmp or /dev/shm)."""

    inbox: str
    cwd_file: str
    tar_file: str
    scratch: tuple[str, ...]  # emptied before each restore

    @classmethod
    def of(cls, box: Sandbox) -> _Places:
        scratch = (box.home, box.tmp, "/dev/shm") if box.sandboxed else (box.home, box.tmp)
        return cls(f"{box.tmp}/{INBOX_NAME}", f"{box.tmp}/{CWD_FILE_NAME}", f"{box.tmp}/{TAR_FILE_NAME}", scratch)

    def restore(self, archive: bytes) -> dict[str, Any]:
        return {
            "argv": [*BASH, "-c", RESTORE_SCRIPT, "restore", self.inbox, *self.scratch],
            "files": {self.inbox: base64.b64encode(archive).decode("ascii")},
        }

    def command(self, cwd: str, command: str) -> dict[str, Any]:
        return {"argv": [*BASH, "-c", COMMAND_SCRIPT, "bash", cwd, command, self.cwd_file]}

    def save(self) -> dict[str, Any]:
        return {"argv": [*BASH, "-c", SAVE_SCRIPT, "save", str(settings.JUDGE_WORKSPACE_MAX_BYTES), self.cwd_file, self.tar_file]}

    @staticmethod
    def script(script: str) -> dict[str, Any]:
        """A setup script, exactly as the gate runs it (judges/runtimes/bash.py)."""
        return session_run(script)

    @staticmethod
    def check(script: str) -> dict[str, Any]:
        """A validation script, as the gate runs it: in the checker shell, out of the learner's programs' reach."""
        return session_run(Check(script))


def _archive_cap() -> int:
    """The longest gzip output of an allowed tar: deflate adds at most 5 bytes per 16 KB stored block, plus
    its header and trailer; anything longer did not come from our save run."""
    cap = settings.JUDGE_WORKSPACE_MAX_BYTES
    return cap + cap // 1000 + 1024


def _limits(capsule: Capsule) -> Limits:
    """The bash limits of the capsule's tier; each run's output cap must let a whole saved archive through
    (the command's own output is cut to JUDGE_WORKSPACE_OUTPUT_BYTES here, on the server)."""
    limits = limits_for("bash", extended=capsule.runtime_tier.endswith("-extended"))
    header = CWD_READ_BYTES + 64
    return limits.replace(output_bytes=max(limits.output_bytes, settings.JUDGE_WORKSPACE_OUTPUT_BYTES + 1, _archive_cap() + header))


def _run_job(limits: Limits, make_runs: Callable[[_Places], list[dict[str, Any]]], *, budget: Budget = NO_BUDGET) -> HarnessOutcome:
    """The runs `make_runs` returns, in ONE sandbox sharing its home directory. SandboxError if the sandbox
    itself failed (the learner's commands failing is never an exception); JudgeBusy when no judge slot came
    free within JUDGE_LEARNER_SLOT_WAIT_SECONDS (a learner is waiting on the page)."""
    with Sandbox.open(limits, wait_seconds=settings.JUDGE_LEARNER_SLOT_WAIT_SECONDS) as box:
        return run_session_job(box, make_runs(_Places.of(box)), budget=budget)


# --- Reading a save run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Saved:
    archive: bytes
    size: int
    cwd: str | None  # None: the command did not say (killed) or said something unusable


@dataclass(frozen=True)
class _Refused:
    reason: str  # a sentence for the learner


def _raw_stdout(report: dict[str, Any]) -> bytes:
    return base64.b64decode(report["stdout"])


def _read_save(outcome: HarnessOutcome, index: int) -> _Saved | _Refused:
    """The archive the save run at `index` wrote, or why the workspace was not saved."""
    report = outcome.run_report(index)
    limit = _megabytes(settings.JUDGE_WORKSPACE_MAX_BYTES)
    if report is None or report["timed_out"] or report["signal"] is not None or report["stdout_truncated"]:
        return _Refused("the workspace could not be saved in time")
    stdout = _raw_stdout(report)
    if report["exit_code"] == SAVE_OVER_CAP:
        apparent = stdout.strip()
        held = f"would hold {_megabytes(int(apparent))}" if apparent.isdigit() else "would be"
        return _Refused(f"the workspace {held}, over the {limit} limit")
    if report["exit_code"] != 0:
        # tar's first complaint names the file (its last line only says it failed).
        detail = base64.b64decode(report["stderr"]).decode(errors="replace").strip().splitlines()
        return _Refused("the workspace could not be saved" + (f" ({detail[0][:200]})" if detail else ""))
    parts = stdout.split(b"\0", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].startswith(b"\x1f\x8b") or len(parts[2]) > _archive_cap():
        logger.warning("judge: a workspace save run wrote something unexpected (%d bytes)", len(stdout))
        return _Refused("the workspace could not be saved")
    size = int(parts[0])
    if size > settings.JUDGE_WORKSPACE_MAX_BYTES:
        return _Refused(f"the workspace would be over the {limit} limit")
    return _Saved(archive=parts[2], size=size, cwd=_usable_cwd(parts[1]))


def _usable_cwd(raw: bytes) -> str | None:
    """The directory the command ended in, if it is one we can store and pass back as an argument."""
    try:
        cwd = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not cwd.startswith("/") or len(cwd) > MAX_CWD_CHARS:
        return None
    return cwd


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


# --- Output for the learner -------------------------------------------------------------------------------


def _cut(data: bytes, cap: int) -> tuple[str, bool]:
    """At most `cap` bytes as text, and whether anything was cut. A UTF-8 character split by the cut is
    left out rather than shown as garbage (the incremental decoder holds an unfinished one back)."""
    if len(data) <= cap:
        return data.decode("utf-8", errors="replace"), False
    return codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data[:cap], final=False), True


def _notice(step: StepResult, report: dict[str, Any] | None, limits: Limits) -> str:
    """One line saying why the command was stopped, as a shell says "Killed" ("" when it ended by itself)."""
    if step.verdict is Verdict.TLE and (report is None or report["timed_out"]):
        return f"codecapsule: stopped: the command ran longer than {limits.wall_seconds:g} s"
    if step.verdict is Verdict.TLE:
        return f"codecapsule: stopped: the command used more than {limits.cpu_seconds:g} s of CPU time"
    if step.verdict is Verdict.MLE:
        return "codecapsule: stopped: the command ran out of memory"
    if step.verdict is Verdict.OLE and (step.stdout_truncated or step.stderr_truncated):
        return "codecapsule: stopped: the command printed too much output"
    if step.verdict is Verdict.OLE:
        return f"codecapsule: a file grew over the {limits.file_size_mb} MB limit"
    if report is None:
        return f"codecapsule: stopped: {step.message}"
    return ""


def _output(outcome: HarnessOutcome, index: int, step: StepResult, limits: Limits, refused: _Refused | None) -> tuple[str, bool]:
    """What the learner sees: the command's output (cut at JUDGE_WORKSPACE_OUTPUT_BYTES), then our notices."""
    report = outcome.run_report(index)
    raw = (_raw_stdout(report) + base64.b64decode(report["stderr"])) if report is not None else b""
    text, truncated = _cut(raw, settings.JUDGE_WORKSPACE_OUTPUT_BYTES)
    notices = [_notice(step, report, limits)]
    if truncated:
        notices.append(f"codecapsule: output cut after {settings.JUDGE_WORKSPACE_OUTPUT_BYTES // 1024} KB")
    if refused is not None:
        notices.append(f"codecapsule: not saved: {refused.reason}; your files are as they were before this command")
    lines = [notice for notice in notices if notice]
    if lines and text and not text.endswith("\n"):
        text += "\n"
    return text + "".join(f"{line}\n" for line in lines), truncated


# --- Row helpers ------------------------------------------------------------------------------------------


def _config(capsule: Capsule) -> TerminalConfig:
    if capsule.capsule_type != CapsuleType.TERMINAL:
        raise ValidationFailed("Only TERMINAL capsules have a terminal workspace.", fields={"capsule": "not a TERMINAL capsule"})
    config = parse_config(capsule.capsule_type, capsule.config_data)
    assert isinstance(config, TerminalConfig)
    return config


def _expiry(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.JUDGE_WORKSPACE_TTL_SECONDS)


def _lease_seconds(limits: Limits, runs: int) -> float:
    """Longest a command can hold its workspace: waiting for a sandbox slot, then the whole job."""
    return settings.JUDGE_LEARNER_SLOT_WAIT_SECONDS + limits.job_deadline_seconds(runs) + 5


def _acquire(workspace: TerminalWorkspace, seconds: float) -> TerminalWorkspace:
    """The row, fresh, with a lease of `seconds` taken; WorkspaceBusy if another command holds one."""
    now = timezone.now()
    rows = TerminalWorkspace.objects.filter(pk=workspace.pk)
    taken = rows.filter(Q(busy_until__isnull=True) | Q(busy_until__lte=now)).update(busy_until=now + timedelta(seconds=seconds))
    if not taken:
        if not rows.exists():
            raise WorkspaceExpired("This workspace has expired. Open the exercise again to start a new one.")
        raise WorkspaceBusy("Another command is still running in this workspace. Wait for it to finish, then try again.")
    return rows.get()


def _release(row: TerminalWorkspace) -> None:
    TerminalWorkspace.objects.filter(pk=row.pk, version=row.version).update(busy_until=None)


def _store(row: TerminalWorkspace, *, archive: bytes | None, size: int, cwd: str) -> None:
    """Save the new state (or, with archive None, only the directory and expiry) and end the lease, if no
    other command saved since `row` was read; WorkspaceBusy otherwise (this command's changes are lost)."""
    now = timezone.now()
    values: dict[str, Any] = {"cwd": cwd, "expires_at": _expiry(now), "busy_until": None, "updated_at": now}
    if archive is not None:
        values.update(archive=archive, size=size, version=row.version + 1)
    stored = TerminalWorkspace.objects.filter(pk=row.pk, version=row.version).update(**values)
    if not stored:
        raise WorkspaceBusy("The workspace was changed by another command meanwhile; this command's changes were not kept.")
    for name, value in values.items():
        setattr(row, name, value)


def _copy_state(source: TerminalWorkspace, target: TerminalWorkspace) -> None:
    """Bring the caller's instance up to date."""
    for name in ("archive", "cwd", "size", "version", "busy_until", "updated_at", "expires_at"):
        setattr(target, name, getattr(source, name))


# --- Services ---------------------------------------------------------------------------------------------


def _setup_archive(capsule: Capsule, config: TerminalConfig) -> tuple[bytes, int]:
    """Run the setup script in an empty workspace and return what it left. No setup: an empty archive,
    without a sandbox. WorkspaceBroken if the setup fails (the gate proved it works, so that is ours)."""
    if not config.setup_script.strip():
        return b"", 0
    limits = _limits(capsule)
    # `set -e`, as the gate runs it: a half-prepared workspace is a failed setup.
    outcome = _run_job(limits, lambda places: [places.script(f"set -e\n{config.setup_script}"), places.save()])
    setup = shell_step(outcome, 0, limits, index=0)
    saved = _read_save(outcome, 1)
    if setup.ok and isinstance(saved, _Saved):
        return saved.archive, saved.size
    why = saved.reason if setup.ok and isinstance(saved, _Refused) else setup.message
    logger.warning("judge: the setup of capsule %s failed in a workspace: %s", capsule.pk, why)
    raise WorkspaceBroken("The workspace could not be prepared. Please try again in a moment.")


def workspace_get_or_create(*, capsule: Capsule, learner_key: str) -> TerminalWorkspace:
    """The learner's live workspace for `capsule`, made (setup script run) if there is none or it expired.

    Opening it counts as activity: its expiry moves to now + JUDGE_WORKSPACE_TTL_SECONDS. Two first
    requests at once may both run the setup; the first row saved wins and both get it.
    """
    config = _config(capsule)
    if not learner_key or len(learner_key) > LEARNER_KEY_CHARS:
        raise ValidationFailed("A learner key of 1 to 64 characters is required.", fields={"learner_key": "1 to 64 characters"})
    now = timezone.now()
    rows = TerminalWorkspace.objects.filter(capsule=capsule, learner_key=learner_key)
    if rows.filter(expires_at__gt=now).update(expires_at=_expiry(now)):
        found = rows.defer("archive").first()  # a page view needs no archive; a command reads it fresh
        if found is not None:
            found.capsule = capsule
            return found
    archive, size = _setup_archive(capsule, config)
    try:
        with transaction.atomic():
            now = timezone.now()
            rows.filter(expires_at__lte=now).exclude(busy_until__gt=now).delete()
            return TerminalWorkspace.objects.create(
                capsule=capsule, learner_key=learner_key, archive=archive, size=size, cwd=SANDBOX_HOME, expires_at=_expiry(now)
            )
    except IntegrityError:
        # Made by a request beside this one, or an expired row a command still runs in: it is live again.
        return rows.defer("archive").get()


def _validate_command(command: str) -> None:
    if not command.strip():
        raise ValidationFailed("Type a command first.", fields={"command": "empty"})
    if "\0" in command:
        raise ValidationFailed("A command cannot contain a NUL character.", fields={"command": "contains NUL"})
    limit = settings.JUDGE_WORKSPACE_MAX_COMMAND_BYTES
    if len(command.encode("utf-8", errors="surrogatepass")) > limit:
        raise ValidationFailed(f"A command can be at most {limit} bytes long.", fields={"command": f"longer than {limit} bytes"})


def workspace_run(*, workspace: TerminalWorkspace, command: str) -> CommandResult:
    """Run one command in the workspace and keep what it changed.

    1. Refuse an empty or over-long command (ValidationFailed); take the workspace's lease (WorkspaceBusy).
    2. One sandbox job: restore the archive, run the command in the saved directory, save (see the module
       docstring). SandboxError (the judge itself failed) propagates; the workspace is unchanged.
    3. Store the new archive and directory, unless the save was refused (over JUDGE_WORKSPACE_MAX_BYTES):
       then the old archive stays, the output says so and `saved` is False. Either way the expiry slides.
    """
    _validate_command(command)
    limits = _limits(workspace.capsule)
    row = _acquire(workspace, _lease_seconds(limits, runs=3))
    try:
        archive = bytes(row.archive)
        outcome = _run_job(limits, lambda places: [places.restore(archive), places.command(row.cwd, command), places.save()])
        _ensure_restored(outcome, 0, limits, row)
        step = shell_step(outcome, 1, limits, index=1)
        saved = _read_save(outcome, 2)
    except BaseException:
        _release(row)
        raise
    if isinstance(saved, _Saved):
        _store(row, archive=saved.archive, size=saved.size, cwd=saved.cwd or row.cwd)
    else:  # the previous state stays, its directory too (the new one may exist only in what was refused)
        _store(row, archive=None, size=row.size, cwd=row.cwd)
    _copy_state(row, workspace)
    output, truncated = _output(outcome, 1, step, limits, saved if isinstance(saved, _Refused) else None)
    return CommandResult(
        output=output,
        exit_code=step.exit_code,
        cwd=row.cwd,
        timed_out=step.verdict is Verdict.TLE,
        truncated=truncated,
        workspace_bytes=row.size,
        saved=isinstance(saved, _Saved),
    )


def _ensure_restored(outcome: HarnessOutcome, index: int, limits: Limits, row: TerminalWorkspace) -> None:
    restore = shell_step(outcome, index, limits, index=index)
    if not restore.ok:
        logger.warning("judge: workspace %s did not restore: %s %s", row.pk, restore.message, restore.stderr[-300:])
        raise WorkspaceBroken("Your workspace could not be restored. Reset it to start this exercise again.")


def workspace_check(*, workspace: TerminalWorkspace, task_id: str | None = None) -> list[TaskCheck]:
    """Run the validation script of `task_id` (or of every task, in order) against the saved workspace.

    Each script starts from the saved state (restored again before each one) in the home directory, as
    the gate runs them, and nothing is saved back. Learner-safe: only ids, descriptions, pass/fail and, for a
    failed check, the task's declared failure_message (never the script's output: see the module docstring).
    """
    config = _config(workspace.capsule)
    tasks = [task for task in config.tasks if task_id is None or task.task_id == task_id]
    if not tasks:
        raise ValidationFailed(f"This exercise has no task {task_id!r}.", fields={"task_id": "unknown task"})
    row = TerminalWorkspace.objects.filter(pk=workspace.pk).first()
    if row is None:
        raise WorkspaceExpired("This workspace has expired. Open the exercise again to start a new one.")
    limits = _limits(workspace.capsule)
    archive = bytes(row.archive)
    # A check that hangs (it runs the learner's script, which may loop) ends the job: the rest are not run.
    outcome = _run_job(
        limits,
        lambda places: [run for task in tasks for run in (places.restore(archive), places.check(task.validation_script))],
        budget=Budget(stop_on_limit=True),
    )
    checks = []
    for number, task in enumerate(tasks):
        _ensure_restored(outcome, 2 * number, limits, row)
        check = shell_step(outcome, 2 * number + 1, limits, index=2 * number + 1)
        passed = check_passed(check)
        checks.append(
            TaskCheck(
                task_id=task.task_id, description=task.description, passed=passed,
                failure_message=None if passed else task.failure_message,
            )
        )  # fmt: skip
    TerminalWorkspace.objects.filter(pk=row.pk).update(expires_at=_expiry(timezone.now()))
    return checks


def workspace_reset(*, workspace: TerminalWorkspace) -> TerminalWorkspace:
    """Back to the state right after the setup script (run again), in the home directory."""
    config = _config(workspace.capsule)
    limits = _limits(workspace.capsule)
    row = _acquire(workspace, _lease_seconds(limits, runs=2))
    try:
        archive, size = _setup_archive(workspace.capsule, config)
    except BaseException:
        _release(row)
        raise
    _store(row, archive=archive, size=size, cwd=SANDBOX_HOME)
    _copy_state(row, workspace)
    return workspace


def expired_workspaces(*, now: datetime) -> QuerySet[TerminalWorkspace]:
    """Workspaces whose expiry has passed, but none that a command is running in right now."""
    return TerminalWorkspace.objects.filter(expires_at__lte=now).exclude(busy_until__gt=now)


def workspace_expire(*, now: datetime | None = None) -> int:
    """Delete the expired workspaces (see expired_workspaces); how many. The hourly schedule runs this."""
    deleted, _ = expired_workspaces(now=now or timezone.now()).delete()
    return deleted
