"""Warm sandboxes: a sandbox started ahead of its job (bwrap plus the registered command, blocked on its
stdin), what it may serve (`WarmKey`, `warm_shape`), and how one is started (`start_warm`) and ended.
The pool that keeps them for this process is pool.py; the comment below says why and how.
"""

from __future__ import annotations

import hashlib
import logging
import os
import select
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from django.conf import settings

from judges.limits import Limits
from judges.sandbox.bwrap import HOST_ENV, bwrap_command, memfds
from judges.sandbox.cgroups import SlotCgroup, enter_cgroup, slot_cgroup
from judges.sandbox.errors import SandboxError, SandboxUnavailable
from judges.sandbox.processes import as_uid, kill_group, open_sandbox_init, reap, stop_sandbox
from judges.sandbox.slots import Slot, SlotConfig, claim_slot, release_slot
from judges.sandbox.status import probe

logger = logging.getLogger("judges.sandbox")  # one logger for the whole package (its name before the split)


# --- Warm sandboxes ----------------------------------------------------------------------------------
#
# Starting a sandbox (bwrap, namespaces, mounts, the interpreter of the harness) costs ~15-20 ms, more
# than ten Python tests. So each server process keeps up to JUDGE_WARM_SANDBOXES sandboxes started
# ahead of need: bwrap plus the registered command (the judge harness) as pid 1, in a slot of its own
# (its own uid and memory cgroup), blocked reading its stdin. A job takes a ready one (`Sandbox.open`)
# and a replacement is started in the background. Each is used for exactly one job and then ends as a
# cold one does (the harness exits, the namespace goes); one that is not used is killed. Never reused.
#
# Only for the standard shape (`warm_shape`): what bwrap fixes at start (tmpfs size, binds, the
# command and its files, the uid and cgroup scheme). Every other limit is per job and applied after the
# job is taken: the cgroup's memory and pids limits by `Sandbox.open`, the rlimits by the harness once it
# has read the job (before it runs anything untrusted), the wall-clock deadline by the host.
#
# Leaks: bwrap runs with --die-with-parent, so a warm sandbox of a dying server process dies with it.
# That is PR_SET_PDEATHSIG, which fires when the *thread* that started bwrap ends: so they are all started
# by one thread that lives as long as the process. A slot's lock file says "1" while a warm sandbox holds
# it, so a process that died without cleaning up gets its uid swept by the next holder.
#
# Slots: a warm sandbox starts only while at least half of the other slots are free, so under load they
# stop being replaced and jobs keep the slots; a job of this process that finds every slot held makes
# the pool give one of its idle ones back; idle ones end after JUDGE_WARM_IDLE_SECONDS (and the pool
# stops refilling until the next job asks).

_warm_command: Callable[[], tuple[list[str], dict[str, bytes]]] | None = None
_digests: dict[int, tuple[bytes, bytes]] = {}


def set_warm_command(provider: Callable[[], tuple[list[str], dict[str, bytes]]]) -> None:
    """Register what warm sandboxes run: provider() -> (argv, files), exactly what a job will pass to
    Sandbox.run (the runtimes register the judge harness, judges/runtimes/base.py). The command must
    run nothing untrusted, and set no per-job limit, before it has read its job from stdin."""
    global _warm_command
    _warm_command = provider


class WarmKey(NamedTuple):
    """Everything fixed when a sandbox starts. A warm sandbox serves only a job whose key is equal (if
    the settings changed since it started, it is discarded), and it is started from its key alone."""

    bwrap: str
    cgroups: bool
    tmpfs_mb: int
    slots: SlotConfig
    euid: int
    argv: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...]  # (name, sha256 of the content)


def warm_shape(limits: Limits) -> tuple[WarmKey, list[str], dict[str, bytes]] | None:
    """(key, argv, files) of the warm sandbox a job with `limits` may take, or None: it starts cold.

    Only the standard shape is kept warm: JUDGE_TMPFS_MB (no language overrides it); a job asking for
    another tmpfs size starts cold.
    """
    if settings.JUDGE_WARM_SANDBOXES <= 0 or _warm_command is None or limits.tmpfs_mb != settings.JUDGE_TMPFS_MB:
        return None
    argv, files = _warm_command()
    key = WarmKey(
        bwrap=settings.JUDGE_BWRAP_PATH,
        cgroups=bool(settings.JUDGE_CGROUPS),
        tmpfs_mb=settings.JUDGE_TMPFS_MB,
        slots=SlotConfig.current(),
        euid=os.geteuid(),
        argv=tuple(argv),
        files=tuple(sorted((name, _digest(data)) for name, data in files.items())),
    )
    return key, list(argv), dict(files)


def _digest(data: bytes) -> bytes:
    cached = _digests.get(id(data))
    if cached is not None and cached[0] is data:
        return cached[1]
    digest = hashlib.sha256(data).digest()
    if len(_digests) > 64:
        _digests.clear()
    _digests[id(data)] = (data, digest)
    return digest


class WarmSandbox:
    """A sandbox started ahead of its job: bwrap, and the command as its pid 1 blocked on stdin."""

    def __init__(
        self,
        key: WarmKey,
        slot: Slot,
        cgroup: SlotCgroup | None,
        proc: subprocess.Popen,
        stdin_w: int,
        sandbox_init: int,
        argv: list[str],
        files: dict[str, bytes],
    ):
        self.key = key
        self.slot = slot
        self.cgroup = cgroup
        self.proc = proc
        self.argv = argv
        self.files = files
        self.created = time.monotonic()
        self._stdin_w: int | None = stdin_w
        self._sandbox_init: int | None = sandbox_init
        self._bwrap: int | None = os.pidfd_open(proc.pid)

    @property
    def pid(self) -> int:
        """bwrap's host pid."""
        return self.proc.pid

    def matches(self, argv: Sequence[str], files: Mapping[str, bytes]) -> bool:
        return list(argv) == self.argv and dict(files) == self.files

    def alive(self) -> bool:
        """Neither bwrap nor the sandbox's pid 1 has exited (a pidfd turns readable when it does)."""
        fds = [fd for fd in (self._bwrap, self._sandbox_init) if fd is not None]
        if len(fds) < 2:
            return False
        ready, _, _ = select.select(fds, [], [], 0)
        return not ready

    def take_stdin(self) -> int | None:
        fd, self._stdin_w = self._stdin_w, None
        return fd

    def take_sandbox_init(self) -> int | None:
        fd, self._sandbox_init = self._sandbox_init, None
        return fd

    def take_other_fds(self) -> list[int]:
        fd, self._bwrap = self._bwrap, None
        return [fd] if fd is not None else []

    def stop(self) -> bool:
        """End it unused: kill its pid 1 (the namespace goes with it) and reap bwrap. True if it ended
        through its pid 1, so nothing of it can be left; False if its process group had to be killed."""
        try:
            ended = stop_sandbox(self.proc, self._sandbox_init)
            reap(self.proc)
            return ended
        finally:
            self.close_fds()

    def destroy(self) -> None:
        """stop() and give the slot back (sweeping its uid unless it ended cleanly)."""
        clean = False
        try:
            clean = self.stop()
        finally:
            release_slot(self.slot, clean=clean)

    def close_fds(self) -> None:
        fds = (self._stdin_w, self._sandbox_init, self._bwrap)
        self._stdin_w = self._sandbox_init = self._bwrap = None  # first: never closed twice
        for fd in fds:
            if fd is not None:
                os.close(fd)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def start_warm(key: WarmKey, argv: list[str], files: dict[str, bytes]) -> WarmSandbox | None:
    """Start one warm sandbox in a free slot, as `key` says (not the settings of the moment); None if
    too few slots are free. SandboxUnavailable if bwrap cannot sandbox here (jobs start cold, and the
    cold path reports why, or runs unsandboxed in development)."""
    from judges.limits import limits_for

    # Warm sandboxes are for a lightly loaded judge: they take a slot only while at least half of the
    # others are free, so they never hold more than about half of the slots (of all processes together).
    slot = claim_slot(wait=False, keep_free=max(1, key.slots.count // 2), config=key.slots)
    if slot is None:
        return None
    try:
        reason = probe(key.bwrap, slot)
    except BaseException:
        release_slot(slot, clean=False)
        raise
    if reason is not None:
        release_slot(slot)
        raise SandboxUnavailable(reason)
    proc: subprocess.Popen | None = None
    pipes: list[int] = []
    sandbox_init: int | None = None
    try:
        cgroup = slot_cgroup(slot.uid, key.cgroups)
        if cgroup is not None:
            try:
                cgroup.configure(limits_for("python"))  # until a job sets its own (Sandbox.open)
            except OSError as exc:
                logger.warning("judge: cannot set the memory cgroup of slot %s: %s", slot.index, exc)
                cgroup = None
        stdin_r, stdin_w = os.pipe()
        info_r, info_w = os.pipe()
        pipes += [stdin_r, stdin_w, info_r, info_w]
        block_r = block_w = None
        if cgroup is not None:
            block_r, block_w = os.pipe()
            pipes += [block_r, block_w]
        with memfds(files) as (data_fds, data_args):
            command, drop = as_uid(
                slot.uid,
                bwrap_command(argv, data_args, tmpfs_mb=key.tmpfs_mb, cgroup=cgroup, info_w=info_w, block_r=block_r, bwrap=key.bwrap),
            )
            proc = subprocess.Popen(
                command,
                stdin=stdin_r,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=HOST_ENV,
                pass_fds=[*data_fds, *(fd for fd in (info_w, block_r) if fd is not None)],
                close_fds=True,
                start_new_session=True,
                **drop,
            )
        for fd in (stdin_r, info_w, block_r):  # bwrap has its own copies
            if fd is not None:
                pipes.remove(fd)
                os.close(fd)
        info = _read_to_end(info_r, timeout=10.0)
        sandbox_init = open_sandbox_init(info)
        if sandbox_init is None:
            raise SandboxError(f"bwrap did not report its sandbox: {info[:200]!r}")
        enter_cgroup(cgroup, proc.pid, info, block_w)
        for fd in (info_r, block_w):
            if fd is not None:
                pipes.remove(fd)
                os.close(fd)
        entry = WarmSandbox(key, slot, cgroup, proc, stdin_w, sandbox_init, argv, files)
        sandbox_init = None  # the entry's now, as is stdin_w
        pipes.remove(stdin_w)
        return entry
    except BaseException:
        for fd in pipes:
            os.close(fd)
        if sandbox_init is not None:
            os.close(sandbox_init)
        if proc is not None:
            kill_group(proc.pid)
            reap(proc)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        release_slot(slot, clean=False)
        raise


def _read_to_end(fd: int, *, timeout: float) -> bytes:
    data = bytearray()
    end = time.monotonic() + timeout
    while True:
        remaining = end - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise SandboxError("bwrap did not report its sandbox in time")
        chunk = os.read(fd, 4096)
        if not chunk:
            return bytes(data)
        data += chunk
