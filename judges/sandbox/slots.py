"""Slots: at most JUDGE_SLOTS jobs run at once, each in a slot with a host uid of its own (JUDGE_UID_BASE + N
when the server is root) and a lock file (<JUDGE_SLOT_DIR>/slot-N.lock) whose flock says who holds it,
across the threads and processes of the server. A slot whose previous holder died, or whose job ended
abnormally, has every process of its uid killed before it is used again.

Several CodeCapsule instances on one host (a server and a test run, two deployments) each have their own slot
directory and uid range (README, "Two instances on one host"). A uid is also locked host-wide while a slot uses
it (<tmp>/codecapsule-judge-uids/uid-U.lock): should two instances' ranges overlap by mistake, they wait for each
other's uids instead of running two jobs as one uid (and killing each other's processes in a sweep).
"""

from __future__ import annotations

import fcntl
import os
import random
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from django.conf import settings

from judges.sandbox.errors import JudgeBusy, SandboxError
from judges.sandbox.processes import kill_uid


@dataclass(slots=True)
class Slot:
    index: int
    uid: int | None  # None when the server is not root and cannot switch uid
    lock_fd: int
    uid_lock_fd: int | None = None  # the host-wide lock of the uid (root only)
    needs_sweep: bool = False  # set when a run ended abnormally: kill every process of the uid on release


# --- Slots -------------------------------------------------------------------------------------------


class SlotConfig(NamedTuple):
    """The slot settings, read once per claim (tests change settings while the warm pool's thread runs:
    a slot must never be taken from one directory with the uid of another)."""

    directory: str  # JUDGE_SLOT_DIR ("" = the default)
    count: int  # type: ignore[assignment]  # shadows tuple.count, which nothing here calls
    uid_base: int

    @classmethod
    def current(cls) -> SlotConfig:
        return cls(settings.JUDGE_SLOT_DIR, settings.JUDGE_SLOTS, settings.JUDGE_UID_BASE)


def _slot_dir(configured: str) -> Path:
    return _private_dir(Path(configured) if configured else Path(tempfile.gettempdir()) / f"codecapsule-judge-{os.geteuid()}")


def _private_dir(path: Path) -> Path:
    try:
        path.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise SandboxError(f"cannot create the judge slot directory {path}: {exc}") from exc
    info = os.lstat(path)
    # The lock files decide which job owns which uid: a directory someone else controls could hand two
    # jobs the same uid, so refuse anything but our own private directory.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise SandboxError(f"judge slot directory {path} must be a directory owned by uid {os.geteuid()}, not writable by others")
    return path


_held_slot_fds: set[int] = set()  # lock files of the slots this process holds (closed in a forked child)


def _no_idle_slot() -> bool:
    return False


# What a claim that finds every slot held tries before it waits: make this process give back a slot it holds
# idle (True if it did). The warm pool registers it (pool.py); a hook rather than an import, because the pool
# imports this module.
_reclaim_idle_slot: Callable[[], bool] = _no_idle_slot


def set_idle_slot_reclaimer(reclaim: Callable[[], bool]) -> None:
    """Register what gives back one of this process's idle slots when a job finds every slot held."""
    global _reclaim_idle_slot
    _reclaim_idle_slot = reclaim


def _flock_slot(directory: Path, index: int) -> int | None:
    """The lock file of slot `index` (<slot dir>/slot-N.lock), flocked without waiting; None if held."""
    return _flock(directory / f"slot-{index}.lock")


def _flock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _uid_lock_dir() -> Path:
    """The host-wide directory of uid locks, shared by every instance that runs as root."""
    return _private_dir(Path(tempfile.gettempdir()) / "codecapsule-judge-uids")


def _flock_uid(uid: int) -> int | None:
    """The host-wide lock of `uid`, flocked without waiting; None if another slot (of any instance) uses it."""
    return _flock(_uid_lock_dir() / f"uid-{uid}.lock")


def _take_slot(fd: int, index: int, uid_base: int, uid_fd: int | None) -> Slot:
    """Make a flocked slot ours: sweep its uid if the previous holder died, and mark it held."""
    held = [fd] + ([uid_fd] if uid_fd is not None else [])
    _held_slot_fds.update(held)
    uid = uid_base + index if os.geteuid() == 0 else None
    try:
        # The lock file holds b"1" while a job (or a warm sandbox) has the slot: finding it set means the
        # previous holder died and may have left processes of this uid behind.
        if uid is not None and os.pread(fd, 1, 0) == b"1":
            kill_uid(uid)
        os.pwrite(fd, b"1", 0)
    except BaseException:
        _held_slot_fds.difference_update(held)
        for each in held:
            os.close(each)
        raise
    return Slot(index=index, uid=uid, lock_fd=fd, uid_lock_fd=uid_fd)


def claim_slot(*, wait: bool, keep_free: int = 0, config: SlotConfig | None = None, wait_seconds: float | None = None) -> Slot | None:
    """One of JUDGE_SLOTS slots, held until `release_slot`.

    Locks are per open file, so threads of one process and separate processes (web workers, django-q
    workers, `validate_capsules --workers`) all exclude each other. `wait`: wait up to `wait_seconds`
    (default JUDGE_SLOT_WAIT_SECONDS; JudgeBusy after that), giving up this process's idle warm sandboxes if
    every slot is held; otherwise return None at once when no slot is free. `keep_free`: take a slot only
    if that many others are free too. `config`: the slot settings (default: the current ones).
    """
    config = config or SlotConfig.current()
    directory = _slot_dir(config.directory)
    count = config.count
    patience = settings.JUDGE_SLOT_WAIT_SECONDS if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + patience
    while True:
        start = random.randrange(count)
        for offset in range(count):
            index = (start + offset) % count
            fd = _flock_slot(directory, index)
            if fd is None:
                continue
            uid_fd = _flock_uid(config.uid_base + index) if os.geteuid() == 0 else None
            if os.geteuid() == 0 and uid_fd is None:
                os.close(fd)  # another instance's slot runs as this uid right now
                continue
            if keep_free and not _others_free(directory, count, index, keep_free):
                for each in (fd, uid_fd):
                    if each is not None:
                        os.close(each)  # never marked held: let go as found
                return None
            return _take_slot(fd, index, config.uid_base, uid_fd)
        if not wait:
            return None
        if _reclaim_idle_slot():
            continue  # one of our own idle warm sandboxes gave its slot back
        if time.monotonic() > deadline:
            raise JudgeBusy(f"all {count} judge slots stayed busy for {patience:g} s")
        time.sleep(0.02)


def _others_free(directory: Path, count: int, taken: int, wanted: int) -> bool:
    """Whether at least `wanted` slots besides `taken` are free right now (each is locked and let go)."""
    found = 0
    for index in range(count):
        if index == taken:
            continue
        fd = _flock_slot(directory, index)
        if fd is None:
            continue
        os.close(fd)  # let go at once
        found += 1
        if found >= wanted:
            return True
    return False


def release_slot(slot: Slot, *, clean: bool = True) -> None:
    """Give the slot back: first kill every process of its uid if the job ended abnormally."""
    try:
        if slot.uid is not None and (slot.needs_sweep or not clean):
            kill_uid(slot.uid)
        if clean:
            os.pwrite(slot.lock_fd, b"0", 0)
    finally:
        for fd in (slot.lock_fd, slot.uid_lock_fd):
            if fd is not None:
                _held_slot_fds.discard(fd)
                os.close(fd)  # releases the lock


@contextmanager
def acquire_slot(wait_seconds: float | None = None) -> Iterator[Slot]:
    """Hold a slot (see `claim_slot`) for the duration of a job; any exception sweeps its uid."""
    slot = claim_slot(wait=True, wait_seconds=wait_seconds)
    assert slot is not None
    clean = False
    try:
        yield slot
        clean = True
    finally:
        release_slot(slot, clean=clean)


def _forget_held_slots_in_child() -> None:
    """A forked child (multiprocessing, a pre-forking server) must not hold its parent's slots: close our copies
    of their lock files (closing a copy does not release the parent's lock, but keeping it would hold the slot
    after the parent let it go)."""
    for fd in list(_held_slot_fds):
        with suppress(OSError):
            os.close(fd)
    _held_slot_fds.clear()


os.register_at_fork(after_in_child=_forget_held_slots_in_child)
