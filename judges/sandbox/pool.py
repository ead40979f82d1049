"""The warm pool: this process's ready warm sandboxes (warm.py), kept by one background thread that starts
replacements while jobs keep asking and ends idle ones; a job that finds every slot held makes it give one
back (slots.py calls it through `set_idle_slot_reclaimer`). Closed at exit; forgotten in a forked child (as
slots.py, status.py and cgroups.py forget their own per-process state).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from contextlib import suppress

from django.conf import settings

from judges.sandbox.errors import SandboxUnavailable
from judges.sandbox.slots import set_idle_slot_reclaimer
from judges.sandbox.warm import WarmKey, WarmSandbox, start_warm

logger = logging.getLogger("judges.sandbox")  # one logger for the whole package (its name before the split)


class _WarmPool:
    """This process's warm sandboxes, kept by one background thread. Thread-safe.

    `take(shape)` hands a ready sandbox of that shape to exactly one caller (removing it from the pool)
    and asks the thread to start a replacement; the thread keeps up to JUDGE_WARM_SANDBOXES ready for
    the shape last asked for, while jobs keep asking (JUDGE_WARM_IDLE_SECONDS).
    """

    RETRY_SECONDS = 0.5  # after a start that found no free slot (or failed)
    UNAVAILABLE_RETRY_SECONDS = 30.0  # after bwrap could not sandbox at all

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._ready: list[WarmSandbox] = []
        self._starting = 0
        self._wanted: tuple[WarmKey, list[str], dict[str, bytes]] | None = None
        self._wanted_at = 0.0
        self._retry_at = 0.0
        self._thread: threading.Thread | None = None
        self._closed = False

    def take(self, shape: tuple[WarmKey, list[str], dict[str, bytes]]) -> WarmSandbox | None:
        key = shape[0]
        found: WarmSandbox | None = None
        stale: list[WarmSandbox] = []
        with self._lock:
            if self._closed:
                return None
            if self._wanted is None or self._wanted[0] != key:
                self._retry_at = 0.0  # other settings: try at once, whatever failed before
            self._wanted, self._wanted_at = shape, time.monotonic()
            keep = []
            for entry in self._ready:
                if entry.key != key or not entry.alive():
                    stale.append(entry)
                elif found is None:
                    found = entry
                else:
                    keep.append(entry)
            self._ready = keep
            if self._thread is None:
                self._thread = threading.Thread(target=self._keep_warm, name="judge-warm-sandboxes", daemon=True)
                self._thread.start()
            self._changed.notify_all()
        for entry in stale:
            _destroy_quietly(entry)
        return found

    def evict_one(self) -> bool:
        """Give back the slot of one idle warm sandbox (a job is waiting for a slot). False if none."""
        with self._lock:
            if not self._ready:
                return False
            entry = self._ready.pop(0)
            self._retry_at = time.monotonic() + self.RETRY_SECONDS
        _destroy_quietly(entry)
        return True

    def close(self) -> None:
        """End every ready sandbox and stop refilling (at exit)."""
        with self._lock:
            self._closed = True
            entries, self._ready = self._ready, []
            self._changed.notify_all()
        for entry in entries:
            _destroy_quietly(entry)

    def ready_pids(self) -> list[int]:
        """bwrap pids of the ready warm sandboxes (for tests and diagnostics)."""
        with self._lock:
            return [entry.pid for entry in self._ready]

    def wait_ready(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until at least `count` warm sandboxes are ready (for tests and benchmarks)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._ready) >= count, timeout)

    def _keep_warm(self) -> None:
        while True:
            expired: list[WarmSandbox] = []
            shape = None
            with self._lock:
                while True:
                    if self._closed:
                        return
                    now = time.monotonic()
                    idle = settings.JUDGE_WARM_IDLE_SECONDS
                    expired = [entry for entry in self._ready if now - entry.created > idle]
                    if expired:
                        self._ready = [entry for entry in self._ready if entry not in expired]
                        break
                    waits = [entry.created + idle - now for entry in self._ready]
                    wanted = self._wanted is not None and now - self._wanted_at <= idle
                    if wanted and len(self._ready) + self._starting < settings.JUDGE_WARM_SANDBOXES:
                        if now >= self._retry_at:
                            shape = self._wanted
                            self._starting += 1
                            break
                        waits.append(self._retry_at - now)
                    self._changed.wait(max(min(waits), 0.01) if waits else None)
            for stale in expired:
                _destroy_quietly(stale)
            if shape is None:
                continue
            entry = None
            retry = self.RETRY_SECONDS
            try:
                entry = start_warm(*shape)
            except SandboxUnavailable as exc:
                logger.debug("judge: no warm sandboxes: %s", exc)
                retry = self.UNAVAILABLE_RETRY_SECONDS
            except Exception:  # noqa: BLE001 - the thread must go on; jobs start cold meanwhile
                logger.exception("judge: could not start a warm sandbox")
            unwanted = None
            with self._lock:
                self._starting -= 1
                if entry is None:
                    self._retry_at = time.monotonic() + retry
                elif self._closed or self._wanted is None or self._wanted[0] != entry.key:
                    unwanted = entry
                else:
                    self._ready.append(entry)
                self._changed.notify_all()
            if unwanted is not None:
                _destroy_quietly(unwanted)


def _destroy_quietly(entry: WarmSandbox) -> None:
    try:
        entry.destroy()
    except Exception:  # noqa: BLE001
        logger.exception("judge: could not end a warm sandbox")


_pool = _WarmPool()


def warm_pool() -> _WarmPool:
    """This process's warm sandboxes (for tests, benchmarks and diagnostics)."""
    return _pool


def _close_pool_at_exit() -> None:
    _pool.close()


def _evict_idle() -> bool:
    """Give back the slot of one of this process's idle warm sandboxes (the pool of the moment: a forked child
    has its own)."""
    return _pool.evict_one()


def _after_fork_in_child() -> None:
    """A forked child (multiprocessing, a pre-forking server) must not use its parent's sandboxes: forget them
    and close our copies of their descriptors (their slots' lock files are closed by slots.py)."""
    global _pool
    parent, _pool = _pool, _WarmPool()
    for entry in list(parent._ready):
        with suppress(OSError):
            entry.close_fds()


set_idle_slot_reclaimer(_evict_idle)
atexit.register(_close_pool_at_exit)
os.register_at_fork(after_in_child=_after_fork_in_child)
