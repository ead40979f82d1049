"""Host processes of a job: running a command as a slot's uid (`as_uid`), finding and killing every
process of a judge uid (`processes_of_uid`, `kill_uid`: a slot's uid is swept after an abnormal end), and
the pidfd/wait4 helpers that stop a sandbox early (`stop_sandbox`) and reap bwrap (`reap`). Shared by slots,
cold and warm sandboxes and the availability probe.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from contextlib import suppress

from judges.sandbox.bwrap import HOST_ENV
from judges.sandbox.errors import SandboxError

_SETPRIV = "/usr/bin/setpriv"


def as_uid(uid: int | None, command: list[str]) -> tuple[list[str], dict]:
    """`command` and subprocess arguments that make it run as host uid `uid` (gid the same, no
    supplementary groups) from its first instruction on; unchanged when `uid` is None.

    Through util-linux's setpriv (setreuid/setregid/setgroups, then exec), so that subprocess can start
    the child with vfork: with user=/group= it must fork() the whole server process instead, which
    costs milliseconds for a large one and holds the GIL all along (a job's reader thread waits). Where
    setpriv is missing, subprocess's own user=/group= switch does the same.
    """
    if uid is None:
        return command, {}
    if os.access(_SETPRIV, os.X_OK):
        return [_SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--", *command], {}
    return command, {"user": uid, "group": uid, "extra_groups": []}


# --- Processes of a uid ------------------------------------------------------------------------------


def processes_of_uid(uid: int) -> list[int]:
    """Pids of every live host process whose real or effective uid is `uid` (reads /proc/<pid>/status).

    Zombies are left out: they are dead, hold no memory, cannot be killed, and wait only for their parent
    (often the host's init, once a sandbox's pid 1 is gone) to reap them. Counting them made kill_uid wait
    its whole grace period for nothing and made "no process left" checks flaky under load.
    """
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as status:
                for line in status:
                    if line.startswith(b"State:") and line.split()[1] == b"Z":
                        break
                    if line.startswith(b"Uid:"):
                        real, effective = line.split()[1:3]
                        if int(real) == uid or int(effective) == uid:
                            found.append(int(entry.name))
                        break
        except OSError:
            continue  # exited meanwhile
    return found


def kill_uid(uid: int, *, wait: float = 2.0) -> None:
    """SIGKILL every process of host uid `uid`, and wait up to `wait` seconds until they are gone.

    The signals are sent by kill(-1) from a helper running as that uid, so exactly the processes of
    that uid are reached. Only for the dedicated judge uids, only as root.
    """
    if uid == 0 or os.geteuid() != 0:
        raise SandboxError("kill_uid needs root and a judge uid")
    deadline = time.monotonic() + wait
    command, drop = as_uid(uid, ["/bin/kill", "-KILL", "-1"])
    while True:
        subprocess.run(
            command,
            **drop,
            env=HOST_ENV,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        # SIGKILL is asynchronous: a process is gone once the kernel has torn it down and reaped it.
        if not processes_of_uid(uid) or time.monotonic() > deadline:
            return
        time.sleep(0.005)


# --- Stopping and reaping a sandbox ----------------------------------------------------------------


def stop_sandbox(proc: subprocess.Popen, sandbox_init: int | None) -> bool:
    """End a sandbox early: kill its pid 1 (the kernel then kills the whole pid namespace and bwrap
    reaps it and exits), or, before bwrap has reported that pid, the whole process group.
    True if it ended through its pid 1 (nothing of it can be left), False if the group was killed."""
    if sandbox_init is not None:
        try:
            signal.pidfd_send_signal(sandbox_init, signal.SIGKILL)
        except OSError:
            pass
        else:
            if wait_exit(proc.pid, 2.0):
                return True
    kill_group(proc.pid)
    return False


def open_sandbox_init(info: bytes) -> int | None:
    """A pidfd for the sandbox's pid 1 from bwrap's --info-fd JSON (None if not reported)."""
    try:
        pid = json.loads(info)["child-pid"]
        return os.pidfd_open(pid)
    except (ValueError, KeyError, TypeError, OSError):
        return None


def kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def wait_exit(pid: int, timeout: float) -> bool:
    """Wait until child `pid` has exited, without reaping it (wait4 still gets its usage). False on timeout."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(pidfd)


def reap(proc: subprocess.Popen) -> tuple[int | None, int | None, float]:
    """wait4() the child: exit code or signal, and the CPU time of its whole reaped tree."""
    while True:
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:  # already reaped elsewhere; no usage to report
            return proc.returncode, None, 0.0
    proc.returncode = os.waitstatus_to_exitcode(status)  # keeps Popen from warning that it still runs
    cpu = usage.ru_utime + usage.ru_stime
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status), cpu
    return os.WEXITSTATUS(status), None, cpu
