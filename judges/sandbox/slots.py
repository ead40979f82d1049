"""Slots: at most JUDGE_SLOTS jobs run at once, each in a slot with a host uid of its own (JUDGE_UID_BASE + N
when the server is root) and a lock file (<JUDGE_SLOT_DIR>/slot-N.lock) whose flock says who holds it,
across the threads and processes of the server. A slot whose previous holder died, or whose job ended
abnormally, has every process of its uid killed before it is used again.
"""

from __future__ import annotations

import fcntl
import os
import random
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from django.conf import settings

from judges.sandbox.errors import SandboxError
from judges.sandbox.processes import kill_uid


@dataclass(slots=True)
class _Slot:
    index: int
    uid: int | None  # None when the server is not root and cannot switch uid
    lock_fd: int
    needs_sweep: bool = False  # set when a run ended abnormally: kill every process of the uid on release


# --- Slots -------------------------------------------------------------------------------------------


class _SlotConfig(NamedTuple):
    """The slot settings, read once per claim (tests change settings while the warm pool's thread runs:
    a slot must never be taken from one directory with the uid of another)."""

    directory: str  # JUDGE_SLOT_DIR ("" = the default)
    count: int
    uid_base: int

    @classmethod
    def current(cls) -> _SlotConfig:
        return cls(settings.JUDGE_SLOT_DIR, settings.JUDGE_SLOTS, settings.JUDGE_UID_BASE)


def _slot_dir(configured: str) -> Path:
    path = Path(configured) if configured else Path(tempfile.gettempdir()) / f"codecapsule-judge-{os.geteuid()}"
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


def _flock_slot(directory: Path, index: int) -> int | None:
    """The lock file of slot `index` (<slot dir>/slot-N.lock), flocked without waiting; None if held."""
    fd = os.open(directory / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _take_slot(fd: int, index: int, uid_base: int) -> _Slot:
    """Make a flocked slot ours: sweep its uid if the previous holder died, and mark it held."""
    _held_slot_fds.add(fd)
    uid = uid_base + index if os.geteuid() == 0 else None
    try:
        # The lock file holds b"1" while a job (or a warm sandbox) has the slot: finding it set means the
        # previous holder died and may have left processes of this uid behind.
        if uid is not None and os.pread(fd, 1, 0) == b"1":
            kill_uid(uid)
        os.pwrite(fd, b"1", 0)
    except BaseException:
        _held_slot_fds.discard(fd)
        os.close(fd)
        raise
    return _Slot(index=index, uid=uid, lock_fd=fd)


def _claim_slot(*, wait: bool, keep_free: int = 0, config: _SlotConfig | None = None) -> _Slot | None:
    """One of JUDGE_SLOTS slots, held until `_release_slot`.

    Locks are per open file, so threads of one process and separate processes (web workers, django-q
    workers, `validate_capsules --workers`) all exclude each other. `wait`: wait up to
    JUDGE_SLOT_WAIT_SECONDS (SandboxError after that), giving up this process's idle warm sandboxes if
    every slot is held; otherwise return None at once when no slot is free. `keep_free`: take a slot only
    if that many others are free too. `config`: the slot settings (default: the current ones).
    """
    config = config or _SlotConfig.current()
    directory = _slot_dir(config.directory)
    count = config.count
    deadline = time.monotonic() + settings.JUDGE_SLOT_WAIT_SECONDS
    while True:
        start = random.randrange(count)
        for offset in range(count):
            index = (start + offset) % count
            fd = _flock_slot(directory, index)
            if fd is None:
                continue
            if keep_free and not _others_free(directory, count, index, keep_free):
                os.close(fd)  # never marked held: let go as found
                return None
            return _take_slot(fd, index, config.uid_base)
        if not wait:
            return None
        from judges.sandbox import pool  # here, not at the top: the pool's module imports this one

        if pool._pool.evict_one():
            continue  # one of our own idle warm sandboxes gave its slot back
        if time.monotonic() > deadline:
            raise SandboxError(f"all {count} judge slots stayed busy for {settings.JUDGE_SLOT_WAIT_SECONDS} s")
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


def _release_slot(slot: _Slot, *, clean: bool = True) -> None:
    """Give the slot back: first kill every process of its uid if the job ended abnormally."""
    try:
        if slot.uid is not None and (slot.needs_sweep or not clean):
            kill_uid(slot.uid)
        if clean:
            os.pwrite(slot.lock_fd, b"0", 0)
    finally:
        _held_slot_fds.discard(slot.lock_fd)
        os.close(slot.lock_fd)  # releases the lock


@contextmanager
def _acquire_slot() -> Iterator[_Slot]:
    """Hold a slot (see `_claim_slot`) for the duration of a job; any exception sweeps its uid."""
    slot = _claim_slot(wait=True)
    assert slot is not None
    clean = False
    try:
        yield slot
        clean = True
    finally:
        _release_slot(slot, clean=clean)
