"""Availability: whether bubblewrap can create a sandbox on this machine (`probe`, before a job's cold
sandbox and before warm ones start; a success is remembered for the life of the process), and
`sandbox_status()` for the health check (codecapsule/health.py) and `revalidate`.
"""

from __future__ import annotations

import os
import subprocess
import threading

from django.conf import settings

from judges.sandbox.bwrap import HOST_ENV, bwrap_arguments, memfds
from judges.sandbox.processes import as_uid
from judges.sandbox.slots import Slot, acquire_slot

# --- Availability ------------------------------------------------------------------------------------

_probe_lock = threading.Lock()
_working_bwraps: set[str] = set()  # bwrap paths that created a sandbox once in this process


def probe(bwrap: str, slot: Slot) -> str | None:
    """Why bwrap cannot sandbox on this machine, or None if it can.

    A success is remembered for the life of the process (~10 ms saved per job); a failure is not, so
    fixing the machine (installing bubblewrap, enabling user namespaces) needs no restart.
    """
    with _probe_lock:
        if bwrap in _working_bwraps:
            return None
    if not os.path.isfile(bwrap) or not os.access(bwrap, os.X_OK):
        return f"bubblewrap was not found at JUDGE_BWRAP_PATH={bwrap!r} (install the Debian package 'bubblewrap')"
    with memfds({}) as (fds, data_args):
        args, drop = as_uid(slot.uid, [bwrap, *bwrap_arguments(data_args, tmpfs_mb=1, env={}), "--", "/bin/true"])
        try:
            done = subprocess.run(args, env=HOST_ENV, pass_fds=fds, capture_output=True, timeout=10, check=False, **drop)
            reason = None if done.returncode == 0 else done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
        except (OSError, subprocess.SubprocessError) as exc:
            reason = str(exc)
    if reason is not None:
        return f"bubblewrap at {bwrap} cannot create a sandbox here: {reason}"
    with _probe_lock:
        _working_bwraps.add(bwrap)
    return None


def sandbox_status() -> str | None:
    """None when jobs will run sandboxed; otherwise the reason they cannot (for health checks, admin)."""
    with acquire_slot() as slot:
        return probe(settings.JUDGE_BWRAP_PATH, slot)


def _fresh_lock_in_child() -> None:
    """A forked child starts with a fresh lock of the probe: a thread of the parent may have held it at the fork."""
    global _probe_lock
    _probe_lock = threading.Lock()


os.register_at_fork(after_in_child=_fresh_lock_in_child)
