"""Warm sandboxes (judges/sandbox/warm.py and pool.py): started before a job needs them, each used for
exactly one job, replaced in the background, the job's own limits applied after it is taken, and never
a process left behind (not even when the server process dies)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from judges.limits import MB, limits_for
from judges.runtimes import TestSpec, Verdict, get_code_runtime, run_code_tests
from judges.sandbox import Sandbox, processes_of_uid, warm_pool

ROOT = os.geteuid() == 0
PROJECT = Path(__file__).resolve().parents[2]
LIMITS = limits_for("python").replace(wall_seconds=2.0, cpu_seconds=1.0)
PYTHON = get_code_runtime("python")


def ready_pool(count: int = 1) -> list[int]:
    """Make this process's pool keep warm sandboxes (a job asks for them) and wait for `count` of them."""
    pool = warm_pool()
    # A job takes a ready sandbox (if one of the current settings is there), drops those started under
    # other settings (an earlier test's), and asks for replacements.
    run_code_tests("python", "pass", [TestSpec(test_call="pass")], LIMITS)
    assert pool.wait_ready(count, timeout=15), "no warm sandbox became ready"
    return pool.ready_pids()


def start_time(pid: int) -> str | None:
    """The process's start time (field 22 of /proc/<pid>/stat): tells a process from a later one that
    reuses its pid. None once it has exited and been reaped."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def gone(pid: int, started: str | None = None, timeout: float = 5.0) -> bool:
    """Whether process `pid` (the one that started at `started`) has exited and been reaped."""
    end = time.monotonic() + timeout
    while True:
        now = start_time(pid)
        if now is None or (started is not None and now != started):
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.02)


def test_a_job_takes_a_ready_warm_sandbox_and_uses_it_exactly_once():
    ready = ready_pool()
    with Sandbox.open(LIMITS) as box:
        assert box.warm
        taken = box._warm.pid
        born = start_time(taken)
        assert taken in ready
        assert taken not in warm_pool().ready_pids(), "a taken sandbox is no longer offered to anyone"
        first = PYTHON.run("def f(x):\n    return x + 1\n", [TestSpec(test_call="print(f(1))", expected_output="2")], box=box)
        assert first.passed and first.sandboxed
        assert not box.warm, "the warm sandbox is used by one run only"
        assert gone(taken, born, timeout=0), "the warm sandbox ended with its job"
        if box.slot.uid is not None:  # we still hold the slot: nothing of the job may be left
            assert processes_of_uid(box.slot.uid) == []
        # A second run in the same box starts a fresh, cold sandbox (and works the same).
        second = PYTHON.run("def f(x):\n    return x + 1\n", [TestSpec(test_call="print(f(2))", expected_output="3")], box=box)
        assert second.passed
    assert taken not in warm_pool().ready_pids()


def test_a_replacement_starts_in_the_background_and_each_job_gets_a_different_sandbox():
    ready_pool()
    used = []
    for _ in range(3):
        assert warm_pool().wait_ready(1, timeout=15), "no replacement appeared"
        with Sandbox.open(LIMITS) as box:
            assert box.warm
            used.append(box._warm.pid)
            assert PYTHON.run("print(1)", [TestSpec(test_call="pass", expected_output="1")], box=box).passed
    assert len(set(used)) == 3, f"a warm sandbox served two jobs: {used}"
    assert warm_pool().wait_ready(1, timeout=15)
    assert not set(used) & set(warm_pool().ready_pids())


FORKS = (
    "import os, time, resource\n"
    "n = 0\n"
    "try:\n"
    "    while n < 500:\n"
    "        if os.fork() == 0:\n"
    "            time.sleep(5)\n"
    "            os._exit(0)\n"
    "        n += 1\n"
    "except OSError:\n"
    "    pass\n"
    "print(n, resource.getrlimit(resource.RLIMIT_NPROC)[0], resource.getrlimit(resource.RLIMIT_AS)[0],"
    " resource.getrlimit(resource.RLIMIT_CPU)[0])\n"
)


@pytest.mark.skipif(not ROOT, reason="RLIMIT_NPROC only holds for a dedicated uid, which needs root")
@pytest.mark.parametrize("processes, address_space_mb, cpu_seconds", [(12, 200, 1.0), (24, 300, 2.0)])
def test_each_job_in_a_warm_sandbox_gets_its_own_limits(processes, address_space_mb, cpu_seconds):
    """The warm sandbox started before anyone knew these limits: the harness applies them once it has
    read the job, and Sandbox.open sets the job's cgroup limits."""
    ready_pool()
    limits = LIMITS.replace(processes=processes, address_space_mb=address_space_mb, cpu_seconds=cpu_seconds, job_memory_mb=300 + processes)
    with Sandbox.open(limits) as box:
        assert box.warm
        if box.cgroup is not None:
            assert Path(box.cgroup.memory_limit).read_text().strip() == str(limits.job_memory_mb * MB)
            if box.cgroup.pids_limit:
                assert Path(box.cgroup.pids_limit).read_text().strip() == str(processes + 16)
        result = PYTHON.run(FORKS, [TestSpec(test_call="pass")], box=box)
    test = result.tests[0]
    assert test.verdict is Verdict.AC, test
    forks, nproc, address_space, cpu = map(int, test.stdout.split())
    assert nproc == processes
    assert address_space == address_space_mb * MB
    assert cpu == limits.cpu_rlimit
    # Every process of the uid counts: bwrap, the harness and the test itself were there before the forks.
    assert processes - 4 <= forks < processes


def test_a_job_of_another_shape_starts_cold_and_leaves_the_pool_alone():
    ready = ready_pool()
    with Sandbox.open(LIMITS.replace(tmpfs_mb=LIMITS.tmpfs_mb + 1)) as box:
        assert not box.warm
        result = PYTHON.run("print(2)", [TestSpec(test_call="pass", expected_output="2")], box=box)
        assert result.passed
    assert set(ready) <= set(warm_pool().ready_pids())


def test_another_command_runs_cold_in_the_warm_sandboxs_slot():
    ready_pool()
    with Sandbox.open(LIMITS) as box:
        assert box.warm
        taken = box._warm.pid
        born = start_time(taken)
        run = box.run(["/bin/sh", "-c", "echo hello; cat"], stdin=b"in\n", deadline=5.0, stdout_cap=1000)
        assert (run.stdout, run.exit_code, run.sandboxed) == (b"hello\nin\n", 0, True)
        assert not box.warm
        assert gone(taken, born, timeout=0), "the unused warm sandbox was ended"
        if box.slot.uid is not None:
            assert processes_of_uid(box.slot.uid) == []


def test_a_box_that_never_runs_ends_its_warm_sandbox():
    ready_pool()
    with Sandbox.open(LIMITS) as box:
        taken = box._warm.pid
        born = start_time(taken)
    assert gone(taken, born, timeout=0)


def test_changed_settings_are_never_served_by_an_older_warm_sandbox(settings):
    stale = {pid: start_time(pid) for pid in ready_pool()}
    settings.JUDGE_CGROUPS = not settings.JUDGE_CGROUPS
    with Sandbox.open(LIMITS) as box:
        assert not box.warm, "a sandbox started under other settings was used"
        assert PYTHON.run("print(3)", [TestSpec(test_call="pass", expected_output="3")], box=box).passed
    assert all(gone(pid, born, timeout=0) for pid, born in stale.items()), "stale warm sandboxes are ended"


def test_no_warm_sandboxes_when_they_are_turned_off(settings):
    settings.JUDGE_WARM_SANDBOXES = 0
    with Sandbox.open(LIMITS) as box:
        assert not box.warm
        assert PYTHON.run("print(4)", [TestSpec(test_call="pass", expected_output="4")], box=box).passed


def test_a_job_larger_than_a_pipe_reaches_a_warm_sandbox_whole():
    ready_pool()
    padding = "# " + "x" * 60_000 + "\n"  # three programs of ~60 KB: the job is ~180 KB, a pipe holds 64 KB
    source = padding + "def f():\n    return 42\n"
    with Sandbox.open(LIMITS) as box:
        assert box.warm
        results = PYTHON.run_many([(source, [TestSpec(test_call="print(f())", expected_output="42")])] * 3, box=box)
    assert [result.passed for result in results] == [True, True, True]


def test_concurrent_jobs_never_share_a_sandbox():
    ready_pool()
    seen: list[tuple[int | None, int | None]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def job():
        try:
            with Sandbox.open(LIMITS) as box:
                barrier.wait(timeout=20)
                seen.append((box.slot.uid, box._warm.pid if box.warm else None))
                assert PYTHON.run("print(5)", [TestSpec(test_call="pass", expected_output="5")], box=box).passed
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    if ROOT:
        assert len({uid for uid, _ in seen}) == 3
    warm = [pid for _, pid in seen if pid is not None]
    assert len(warm) == len(set(warm))


def test_a_job_waiting_for_a_slot_gets_one_an_idle_warm_sandbox_gives_back(settings, tmp_path):
    # Private slots (and uids of this session's range that its own slots do not use): two slots, one of them
    # held by a warm sandbox.
    settings.JUDGE_SLOT_DIR = str(tmp_path / "slots")
    settings.JUDGE_UID_BASE += 50
    settings.JUDGE_SLOTS = 2
    settings.JUDGE_CGROUPS = False
    settings.JUDGE_SLOT_WAIT_SECONDS = 5
    run_code_tests("python", "pass", [TestSpec(test_call="pass")], LIMITS)  # asks for warm ones of these settings
    assert warm_pool().wait_ready(1, timeout=15)
    held = [name for name in os.listdir(settings.JUDGE_SLOT_DIR) if Path(settings.JUDGE_SLOT_DIR, name).read_bytes() == b"1"]
    assert len(held) == 1, "one private slot is held by a warm sandbox"
    started = time.monotonic()
    with Sandbox.open(LIMITS, warm=False) as first, Sandbox.open(LIMITS, warm=False) as second:
        assert first.slot.index != second.slot.index
        assert sh_ok(first) and sh_ok(second)
    assert time.monotonic() - started < 4


def sh_ok(box: Sandbox) -> bool:
    return box.run(["/bin/true"], deadline=5.0, stdout_cap=100).exit_code == 0


_DYING_SERVER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {project!r})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codecapsule.settings")
    import django
    django.setup()
    from judges.runtimes import TestSpec, run_code_tests
    from judges.sandbox import warm_pool
    run_code_tests("python", "pass", [TestSpec(test_call="pass")])
    assert warm_pool().wait_ready(1, timeout=15)
    entry = warm_pool()._ready[0]
    with open(f"/proc/{{entry.pid}}/task/{{entry.pid}}/children") as children:
        init = children.read().split()[0]  # the sandbox's pid 1 (the harness), as the host sees it
    print(entry.pid, init, flush=True)
    time.sleep(60)
    """
)


def test_a_warm_sandbox_dies_with_its_server_process():
    server = subprocess.Popen(
        [sys.executable, "-c", _DYING_SERVER.format(project=str(PROJECT))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "JUDGE_WARM_SANDBOXES": "1"},
    )
    try:
        line = server.stdout.readline()
        assert line, server.stderr.read()
        pids = [int(pid) for pid in line.split()]
        started = [start_time(pid) for pid in pids]
        assert None not in started
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
        server.stdout.close()
        server.stderr.close()
    for pid, born in zip(pids, started, strict=True):
        assert gone(pid, born), "the warm sandbox outlived its server process (--die-with-parent)"


def test_without_a_usable_bwrap_nothing_is_kept_warm_and_jobs_run_as_before(settings):
    settings.JUDGE_BWRAP_PATH = "/nonexistent/bwrap"
    settings.JUDGE_ALLOW_UNSANDBOXED = True  # development only: runs without a sandbox
    for _ in range(2):
        with Sandbox.open(LIMITS) as box:
            assert not box.warm and not box.sandboxed
            assert PYTHON.run("print(6)", [TestSpec(test_call="pass", expected_output="6")], box=box).passed
    end = time.monotonic() + 3
    while warm_pool().ready_pids() and time.monotonic() < end:  # an earlier start may still be finishing
        time.sleep(0.02)
    assert warm_pool().ready_pids() == [], "sandboxes of other settings are ended, none of these can start"
