"""processes_of_uid: what kill_uid waits for and the hostile tests count as "left behind"."""

from __future__ import annotations

import os
import subprocess
import time

from judges.sandbox import processes_of_uid


def _wait_until_zombie(pid: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/status", "rb") as status:
            if any(line.startswith(b"State:") and line.split()[1] == b"Z" for line in status):
                return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not become a zombie")


def test_it_lists_live_processes_of_the_uid_but_not_zombies():
    alive = subprocess.Popen(["sleep", "30"])
    dead = subprocess.Popen(["true"])  # exits at once; not waited for, so it stays a zombie
    try:
        _wait_until_zombie(dead.pid)

        found = processes_of_uid(os.getuid())

        assert alive.pid in found
        assert dead.pid not in found
    finally:
        alive.kill()
        alive.wait()
        dead.wait()
