"""The test run's own judge slots: a slot directory of its own and a uid range no other CodeCapsule instance on the
host uses, held for the whole session.

Sharing the slots of a `make run` server (the default directory and uids) made the suite flaky: the server's warm
sandboxes and jobs held slots, so the suite's warm sandboxes never started ("no warm sandbox became ready"), and two
processes sweeping one uid could kill each other's jobs. Each session claims one of TEST_UID_RANGES with a host-wide
lock file, so concurrent test runs (two clones, CI beside a developer) get different uids too; servers use
JUDGE_UID_BASE (61000 by default), below every test range.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

# 20 ranges of 100 uids: room for JUDGE_SLOTS up to 100 per test run.
TEST_UID_RANGES = range(62000, 64000, 100)
LEASE_DIR = Path(tempfile.gettempdir()) / "codecapsule-test-uid-ranges"


def claim_uid_range() -> tuple[int, int]:
    """(uid base, lock fd): the first free test uid range, locked until the fd is closed (the process ends)."""
    LEASE_DIR.mkdir(mode=0o700, exist_ok=True)
    for base in TEST_UID_RANGES:
        fd = os.open(LEASE_DIR / f"uids-{base}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return base, fd
    raise RuntimeError(f"every test uid range in {LEASE_DIR} is held by another test run")


def private_slot_dir(parent: Path) -> Path:
    directory = parent / "judge-slots"
    directory.mkdir(mode=0o700)
    return directory
