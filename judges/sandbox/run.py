"""Running a job: `Sandbox.open(limits)` holds a slot (or takes a warm sandbox, warm.py) and decides how to
run, sandboxed or (development only, JUDGE_ALLOW_UNSANDBOXED) unsandboxed; `Sandbox.run()` starts a command
in a fresh sandbox (or the warm one), feeds its stdin, reads stdout/stderr up to their caps, enforces the
wall-clock deadline, and returns what happened as a `SandboxRun`.
"""

from __future__ import annotations

import logging
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, cast

from django.conf import settings

from judges.limits import Limits
from judges.sandbox.bwrap import (
    HOST_ENV,
    READABLE,
    SANDBOX_HOME,
    SANDBOX_JUDGE,
    SANDBOX_PATH,
    SANDBOX_TMP,
    base_environment,
    bwrap_command,
    memfds,
    write_all,
)
from judges.sandbox.cgroups import SlotCgroup, enter_cgroup, slot_cgroup
from judges.sandbox.errors import SandboxError, SandboxUnavailable
from judges.sandbox.pool import warm_pool
from judges.sandbox.processes import as_uid, kill_uid, open_sandbox_init, reap, stop_sandbox, wait_exit
from judges.sandbox.slots import Slot, acquire_slot, release_slot
from judges.sandbox.status import probe
from judges.sandbox.warm import WarmSandbox, warm_shape

logger = logging.getLogger("judges.sandbox")  # one logger for the whole package (its name before the split)

_READ_CHUNK = 65536


@dataclass(slots=True)
class SandboxRun:
    """What one sandboxed command did. stdout/stderr are raw bytes, cut at the caps."""

    exit_code: int | None  # None when killed by a signal
    signal: int | None
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool  # the host's wall-clock deadline killed it
    wall_seconds: float
    cpu_seconds: float  # user + system of the whole process tree, as the host's wait4() saw it
    sandboxed: bool
    uid: int | None  # host uid the job ran as (None: the server's own)
    oom_killed: bool = False  # the job's memory cgroup ran out and the kernel killed a process of it


@dataclass
class Sandbox:
    """One job's sandbox: a slot (and its uid) plus the paths the command should use.

    Obtain it with `Sandbox.open(limits)`; call `run()` once per job (each call is a fresh sandbox; the
    first may be a warm one, started before the job and never used for anything else).
    """

    limits: Limits
    slot: Slot
    sandboxed: bool
    cgroup: SlotCgroup | None = field(default=None, repr=False)
    home: str = SANDBOX_HOME
    tmp: str = SANDBOX_TMP
    judge_dir: str = SANDBOX_JUDGE
    _host_root: str | None = field(default=None, repr=False)  # unsandboxed mode only
    _warm: WarmSandbox | None = field(default=None, repr=False)  # taken from the pool, not yet run

    @classmethod
    @contextmanager
    def open(cls, limits: Limits, *, warm: bool = True, wait_seconds: float | None = None) -> Iterator[Sandbox]:
        """Acquire a slot and decide how to run: sandboxed, or (development only) unsandboxed.

        `wait_seconds`: how long to wait for a free slot (default JUDGE_SLOT_WAIT_SECONDS, for background work);
        JudgeBusy when none came free by then. Learner requests wait JUDGE_LEARNER_SLOT_WAIT_SECONDS.

        With `warm` (the default) and limits of the standard shape (see `warm_shape`), the box takes a
        warm sandbox of this process when one is ready: its slot, and the sandbox itself for the first
        `run()` if that run's command and files are the ones it was started with; its memory cgroup gets
        this job's limits first. Otherwise (and for every other run) a sandbox starts cold, as always.

        Raises SandboxUnavailable before anything runs when bubblewrap cannot be used and
        settings.JUDGE_ALLOW_UNSANDBOXED is false.
        """
        shape = warm_shape(limits) if warm else None
        entry = warm_pool().take(shape) if shape is not None else None
        if entry is not None and entry.cgroup is not None:
            try:
                entry.cgroup.configure(limits)
            except OSError as exc:
                logger.warning("judge: cannot set the memory cgroup of slot %s: %s", entry.slot.index, exc)
                entry.destroy()
                entry = None
        if entry is not None:
            box = cls(limits=limits, slot=entry.slot, sandboxed=True, cgroup=entry.cgroup, _warm=entry)
            clean = False
            try:
                yield box
                clean = True
            finally:
                try:
                    box._drop_warm()
                finally:
                    release_slot(entry.slot, clean=clean)
            return
        with acquire_slot(wait_seconds) as slot:
            reason = probe(settings.JUDGE_BWRAP_PATH, slot)
            if reason is None:
                cgroup = slot_cgroup(slot.uid)
                if cgroup is not None:
                    try:
                        cgroup.configure(limits)
                    except OSError as exc:
                        logger.warning("judge: cannot set the memory cgroup of slot %s: %s", slot.index, exc)
                        cgroup = None
                yield cls(limits=limits, slot=slot, sandboxed=True, cgroup=cgroup)
                return
            if not settings.JUDGE_ALLOW_UNSANDBOXED:
                raise SandboxUnavailable(
                    f"{reason}. Nothing was executed. (JUDGE_ALLOW_UNSANDBOXED=1 runs code without a sandbox, for development only.)"
                )
            logger.warning("running untrusted code WITHOUT a sandbox (JUDGE_ALLOW_UNSANDBOXED): %s", reason)
            root = tempfile.mkdtemp(prefix="codecapsule-unsandboxed-")
            try:
                for sub in ("home", "tmp", "judge"):
                    os.mkdir(os.path.join(root, sub), 0o700)
                    if slot.uid is not None:
                        os.chown(os.path.join(root, sub), slot.uid, slot.uid)
                if slot.uid is not None:
                    os.chown(root, slot.uid, slot.uid)
                yield cls(
                    limits=limits,
                    slot=slot,
                    sandboxed=False,
                    home=os.path.join(root, "home"),
                    tmp=os.path.join(root, "tmp"),
                    judge_dir=os.path.join(root, "judge"),
                    _host_root=root,
                )
            finally:
                if slot.uid is not None:
                    kill_uid(slot.uid)
                shutil.rmtree(root, ignore_errors=True)  # rmtree never follows symlinks

    def judge_path(self, name: str) -> str:
        """Where a file passed with run(files={name: ...}) appears to the command."""
        return f"{self.judge_dir}/{name}"

    @property
    def oom_events_path(self) -> str | None:
        """Inside the sandbox: the slot cgroup's OOM counters ("oom_kill N"), if the job has a cgroup."""
        return f"{SANDBOX_JUDGE}/oom-events" if self.sandboxed and self.cgroup is not None else None

    @property
    def warm(self) -> bool:
        """Whether the next run() may use a sandbox started before this job (if its command matches)."""
        return self._warm is not None

    def environment(self) -> dict[str, str]:
        return base_environment(self.home, self.tmp)

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: bytes = b"",
        files: Mapping[str, bytes] | None = None,
        modes: Mapping[str, str] | None = None,
        deadline: float,
        stdout_cap: int,
        stderr_cap: int = 64 * 1024,
        binds: Sequence[tuple[str, str]] = (),
    ) -> SandboxRun:
        """Run `argv` in a fresh sandbox and wait for it, at most `deadline` seconds.

        `binds`: host directories bound read-only into the sandbox, each (host path, path inside); a run with binds
        never takes a warm sandbox. Unsandboxed (development) there is no mount: the caller uses the host paths.

        1. `files` become read-only files under judge_dir (`modes`: a file's mode by name, e.g. EXECUTE_ONLY;
           default readable); `stdin` is readable on fd 0 (an in-memory file, or in a warm sandbox a pipe the
           host writes it to).
        2. The child drops to the slot's uid, starts a new session and execs bwrap (or, unsandboxed,
           the command itself in the host temp directory). A warm sandbox did this before the job.
        3. stdout and stderr are read from pipes; a stream past its cap is cut and the sandbox killed.
        4. At the deadline (or the cap) the sandbox's pid 1 is killed, which takes the whole pid namespace
           with it, and bwrap reaps it and exits (before bwrap has reported that pid: its whole process
           group is killed; --die-with-parent does the rest). wait4() gives the tree's CPU time (for a
           warm sandbox, its start before the job included).
        """
        files = files or {}
        if self._warm is not None:
            entry, self._warm = self._warm, None  # used once at most, whatever happens next
            if not modes and not binds and entry.matches(argv, files) and entry.alive():
                return self._run_warm(entry, stdin, deadline, stdout_cap, stderr_cap)
            if not entry.stop():
                self.slot.needs_sweep = True
        with memfds(files if self.sandboxed else {}, modes) as (data_fds, data_args):
            info_r = info_w = block_r = block_w = None
            if self.sandboxed:
                # bwrap reports the host pid of the sandbox's pid 1 here: killing that process (rather than
                # bwrap) ends the sandbox while bwrap is still there to reap it, so no zombie is left.
                info_r, info_w = os.pipe()
                if self.cgroup is not None:
                    # The sandbox waits on this pipe before it execs the command, until both of bwrap's
                    # processes are in the slot's cgroup: everything the command starts is then in it.
                    block_r, block_w = os.pipe()
                command = bwrap_command(
                    argv, data_args, tmpfs_mb=self.limits.tmpfs_mb, cgroup=self.cgroup, info_w=info_w, block_r=block_r, binds=binds
                )
                cwd = None
                env = HOST_ENV
            else:
                for name, data in files.items():
                    path = os.path.join(self.judge_dir, name)
                    with open(path, "wb") as handle:
                        handle.write(data)
                    os.chmod(path, int((modes or {}).get(name, READABLE), 8))
                command = list(argv)
                cwd = self.home
                env = {"PATH": SANDBOX_PATH, "HOME": self.home, "LANG": "C.UTF-8"}
            stdin_fd = os.memfd_create("judge-stdin")
            try:
                write_all(stdin_fd, stdin)
                os.lseek(stdin_fd, 0, os.SEEK_SET)
                pass_fds = [*data_fds, *(fd for fd in (info_w, block_r) if fd is not None)]
                return self._spawn_and_collect(
                    command, cwd, env, stdin_fd, pass_fds, info_r, info_w, block_w, deadline, stdout_cap, stderr_cap
                )
            finally:
                os.close(stdin_fd)
                for fd in (block_r, block_w):
                    if fd is not None:
                        os.close(fd)

    def _drop_warm(self) -> None:
        """End a warm sandbox this box took but never ran (its slot stays with the box)."""
        if self._warm is not None:
            entry, self._warm = self._warm, None
            if not entry.stop():
                self.slot.needs_sweep = True

    def _run_warm(self, entry: WarmSandbox, stdin: bytes, deadline: float, stdout_cap: int, stderr_cap: int) -> SandboxRun:
        """The job's run in a warm sandbox: bwrap and the command started long ago and wait on stdin."""
        started = time.monotonic()
        oom_before = self.cgroup.oom_kills() if self.cgroup is not None else 0
        return self._collect(
            entry.proc,
            started=started,
            oom_before=oom_before,
            info_r=None,
            block_w=None,
            sandbox_init=entry.take_sandbox_init(),
            stdin_w=entry.take_stdin(),
            stdin=stdin,
            deadline=deadline,
            stdout_cap=stdout_cap,
            stderr_cap=stderr_cap,
            close_after=entry.take_other_fds(),
        )

    def _spawn_and_collect(
        self,
        command: list[str],
        cwd: str | None,
        env: Mapping[str, str],
        stdin_fd: int,
        pass_fds: list[int],
        info_r: int | None,
        info_w: int | None,
        block_w: int | None,
        deadline: float,
        stdout_cap: int,
        stderr_cap: int,
    ) -> SandboxRun:
        """Owns info_r and info_w (closes both); writes to block_w once the sandbox may go on."""
        started = time.monotonic()
        oom_before = self.cgroup.oom_kills() if self.cgroup is not None else 0
        command, drop = as_uid(self.slot.uid, command)
        try:
            proc = subprocess.Popen(
                command,
                stdin=stdin_fd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env,
                pass_fds=pass_fds,
                close_fds=True,
                start_new_session=True,
                **drop,
            )
        except OSError as exc:
            if info_r is not None:
                os.close(info_r)
            raise SandboxError(f"could not start {command[0]}: {exc}") from exc
        finally:
            if info_w is not None:
                os.close(info_w)  # bwrap holds its own copy; EOF on info_r once bwrap is done with it
                info_w = None
        return self._collect(
            proc,
            started=started,
            oom_before=oom_before,
            info_r=info_r,
            block_w=block_w,
            sandbox_init=None,
            stdin_w=None,
            stdin=b"",
            deadline=deadline,
            stdout_cap=stdout_cap,
            stderr_cap=stderr_cap,
        )

    def _collect(
        self,
        proc: subprocess.Popen,
        *,
        started: float,
        oom_before: int,
        info_r: int | None,
        block_w: int | None,
        sandbox_init: int | None,
        stdin_w: int | None,
        stdin: bytes,
        deadline: float,
        stdout_cap: int,
        stderr_cap: int,
        close_after: Sequence[int] = (),
    ) -> SandboxRun:
        """Feed stdin_w (if any) with `stdin`, read stdout/stderr up to their caps until both close or the
        deadline passes, stop the sandbox if needed, reap bwrap. Owns info_r, sandbox_init, stdin_w and
        close_after (closes them); for a cold sandbox, lets it go on (block_w) once bwrap has reported."""
        stdout, stderr = proc.stdout, proc.stderr
        assert stdout is not None and stderr is not None  # the sandbox is started with both as pipes
        buffers = {stdout: bytearray(), stderr: bytearray()}
        caps = {stdout: stdout_cap, stderr: stderr_cap}
        truncated = {stdout: False, stderr: False}
        info = bytearray()
        timed_out = False
        pending = memoryview(stdin)
        try:
            if stdin_w is not None:
                # Most jobs fit in the pipe at once; the rest, if any, goes as the command reads.
                os.set_blocking(stdin_w, False)
                pending = _feed(stdin_w, pending)
                if not pending:
                    os.close(stdin_w)  # end of file for the command (the harness does not wait for it)
                    stdin_w = None
            with selectors.DefaultSelector() as selector:
                for stream in buffers:
                    os.set_blocking(stream.fileno(), False)
                    selector.register(stream, selectors.EVENT_READ)
                if info_r is not None:
                    selector.register(info_r, selectors.EVENT_READ)
                if stdin_w is not None:
                    selector.register(stdin_w, selectors.EVENT_WRITE)
                end = started + deadline
                while any(key.fileobj in buffers for key in selector.get_map().values()):
                    remaining = end - time.monotonic()
                    if remaining <= 0:
                        timed_out = True
                        break
                    for key, _ in selector.select(remaining):
                        if stdin_w is not None and key.fileobj == stdin_w:
                            pending = _feed(stdin_w, pending)
                            if not pending:
                                selector.unregister(stdin_w)
                                os.close(stdin_w)
                                stdin_w = None
                            continue
                        if info_r is not None and key.fileobj == info_r:
                            chunk = os.read(info_r, 4096)
                            info += chunk
                            if not chunk:
                                selector.unregister(info_r)
                                sandbox_init = open_sandbox_init(info)
                                enter_cgroup(self.cgroup, proc.pid, info, block_w)
                            continue
                        stream = cast(IO[bytes], key.fileobj)  # stdin_w and info_r were handled above
                        try:
                            chunk = os.read(stream.fileno(), _READ_CHUNK)
                        except BlockingIOError:
                            continue
                        if not chunk:
                            selector.unregister(stream)
                            continue
                        buffer = buffers[stream]
                        room = caps[stream] - len(buffer)
                        buffer += chunk[: max(room, 0)]
                        if len(chunk) > room:
                            truncated[stream] = True
                    if any(truncated.values()):
                        break
            if sandbox_init is None and info:
                sandbox_init = open_sandbox_init(info)
            # Both pipes are closed, so the command has (almost always) exited; never wait past the deadline.
            if not timed_out and not any(truncated.values()) and not wait_exit(proc.pid, max(end - time.monotonic(), 0.05)):
                timed_out = True
            stopped = timed_out or any(truncated.values())
            if stopped:
                stop_sandbox(proc, sandbox_init)
            exit_code, signal_number, cpu = reap(proc)
        finally:
            for fd in (sandbox_init, info_r, stdin_w, *close_after):
                if fd is not None:
                    os.close(fd)
            for stream in buffers:
                stream.close()
        wall = time.monotonic() - started
        if stopped or exit_code != 0:
            # The usual end is the harness exiting 0 as pid 1, which takes the namespace with it. On any
            # other end make sure nothing of this uid survives (the slot's release does it again).
            self.slot.needs_sweep = True
            if self.slot.uid is not None:
                kill_uid(self.slot.uid)
        oom_killed = self.cgroup is not None and self.cgroup.oom_kills() > oom_before
        return SandboxRun(
            oom_killed=oom_killed,
            exit_code=exit_code,
            signal=signal_number,
            stdout=bytes(buffers[stdout]),
            stderr=bytes(buffers[stderr]),
            stdout_truncated=truncated[stdout],
            stderr_truncated=truncated[stderr],
            timed_out=timed_out,
            wall_seconds=wall,
            cpu_seconds=cpu,
            sandboxed=self.sandboxed,
            uid=self.slot.uid,
        )


def _feed(fd: int, pending: memoryview) -> memoryview:
    """Write what the pipe takes now (non-blocking fd); what is left. A closed reader drops the rest."""
    try:
        while pending:
            pending = pending[os.write(fd, pending) :]
    except BlockingIOError:
        pass
    except OSError:  # EPIPE: the command is gone or closed its stdin
        return pending[:0]
    return pending
