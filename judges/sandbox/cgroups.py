"""Each slot's memory and pids cgroup (v1 or v2, where root may create cgroups; JUDGE_CGROUPS): it bounds a
whole job's RAM and tmpfs (JUDGE_JOB_MEMORY_MB) and its processes, which rlimits cannot, and counts the
kernel's OOM kills. Created once per slot and process; a sandbox waits on bwrap's --block-fd until both of
bwrap's processes are in it (`enter_cgroup`), so nothing of the job runs outside.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from contextlib import suppress
from dataclasses import dataclass

from django.conf import settings

from judges.limits import MB, Limits

logger = logging.getLogger("judges.sandbox")  # one logger for the whole package (its name before the split)


# --- Cgroups ------------------------------------------------------------------------------------------

_CGROUP_ROOT = "/sys/fs/cgroup"
_CGROUP_NAME = "codecapsule-judge"


@dataclass
class SlotCgroup:
    """A slot's memory (and pids) cgroup: bounds a whole job's RAM and tmpfs, which rlimits cannot."""

    procs: list[str]  # cgroup.procs of each controller's directory (v1) or of the one directory (v2)
    memory_limit: str
    pids_limit: str | None
    events: str  # v1 memory.oom_control, v2 memory.events: both count "oom_kill N"

    def configure(self, limits: Limits) -> None:
        _write(self.memory_limit, str(limits.job_memory_mb * MB))
        if self.pids_limit:
            _write(self.pids_limit, str(limits.processes + 16))  # + bwrap and the harness

    def enter(self, pid: int) -> None:
        for path in self.procs:
            _write(path, str(pid))

    def oom_kills(self) -> int:
        try:
            with open(self.events) as handle:
                for line in handle:
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0


_cgroup_lock = threading.Lock()
_cgroups: dict[int, SlotCgroup | None] = {}


def slot_cgroup(uid: int | None, enabled: bool | None = None) -> SlotCgroup | None:
    """The cgroup of the slot whose uid is `uid`, created on first use; None where cgroups are off (`enabled`,
    default JUDGE_CGROUPS) or not ours to create (not root: then there is no slot uid either). Named after the
    uid, not the slot's number: each instance on the host has its own uids (slots.py), so two instances' jobs
    never share a memory limit or OOM counter."""
    if not (settings.JUDGE_CGROUPS if enabled is None else enabled) or os.geteuid() != 0 or uid is None:
        return None
    with _cgroup_lock:
        if uid not in _cgroups:
            try:
                _cgroups[uid] = _create_cgroup(uid)
            except OSError as exc:
                logger.warning("judge: no memory cgroup for the slot of uid %s (rlimits only): %s", uid, exc)
                _cgroups[uid] = None
        return _cgroups[uid]


def _create_cgroup(uid: int) -> SlotCgroup:
    index = f"uid-{uid}"
    if os.path.exists(f"{_CGROUP_ROOT}/cgroup.controllers"):  # cgroup v2, unified
        parent = f"{_CGROUP_ROOT}/{_CGROUP_NAME}"
        os.makedirs(parent, exist_ok=True)
        _write(f"{parent}/cgroup.subtree_control", "+memory")
        with suppress(OSError):
            _write(f"{parent}/cgroup.subtree_control", "+pids")
        directory = f"{parent}/{index}"
        os.makedirs(directory, exist_ok=True)
        if os.path.exists(f"{directory}/memory.swap.max"):
            _write(f"{directory}/memory.swap.max", "0")
        pids = f"{directory}/pids.max"
        return SlotCgroup(
            [f"{directory}/cgroup.procs"], f"{directory}/memory.max", pids if os.path.exists(pids) else None, f"{directory}/memory.events"
        )
    memory = f"{_CGROUP_ROOT}/memory/{_CGROUP_NAME}/{index}"  # cgroup v1
    os.makedirs(memory, exist_ok=True)
    procs = [f"{memory}/cgroup.procs"]
    pids_limit = None
    if os.path.isdir(f"{_CGROUP_ROOT}/pids"):
        pids = f"{_CGROUP_ROOT}/pids/{_CGROUP_NAME}/{index}"
        os.makedirs(pids, exist_ok=True)
        procs.append(f"{pids}/cgroup.procs")
        pids_limit = f"{pids}/pids.max"
    return SlotCgroup(procs, f"{memory}/memory.limit_in_bytes", pids_limit, f"{memory}/memory.oom_control")


def _write(path: str, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def enter_cgroup(cgroup: SlotCgroup | None, bwrap_pid: int, info: bytes, block_w: int | None) -> None:
    """Put bwrap and the sandbox's pid 1 into the slot's cgroup, then let the sandbox go on."""
    if block_w is None or cgroup is None:
        return
    try:
        cgroup.enter(bwrap_pid)
        cgroup.enter(json.loads(info)["child-pid"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("judge: could not move a sandbox into its cgroup: %s", exc)
    with suppress(OSError):  # bwrap is gone already
        os.write(block_w, b"x")


def _fresh_lock_in_child() -> None:
    """A forked child starts with a fresh lock of the cgroups: a thread of the parent may have held it at the fork."""
    global _cgroup_lock
    _cgroup_lock = threading.Lock()


os.register_at_fork(after_in_child=_fresh_lock_in_child)
