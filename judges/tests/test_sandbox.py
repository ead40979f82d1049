"""The sandbox itself (judges/sandbox/): isolation, limits on what comes back, and refusing to run unsandboxed."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from pathlib import Path

import pytest

from judges.limits import limits_for
from judges.runtimes import TestSpec, Verdict, run_code_tests
from judges.sandbox import Sandbox, SandboxUnavailable, processes_of_uid

ROOT = os.geteuid() == 0
LIMITS = limits_for("python").replace(wall_seconds=2.0, cpu_seconds=1.0)


def sh(box: Sandbox, script: str, **kwargs):
    kwargs.setdefault("deadline", 5.0)
    kwargs.setdefault("stdout_cap", 65536)
    return box.run(["/bin/sh", "-c", script], **kwargs)


def test_it_runs_a_command_and_returns_its_output_exit_code_and_times():
    with Sandbox.open(LIMITS) as box:
        run = sh(box, "echo out; echo err >&2; exit 3")
    assert run.sandboxed
    assert (run.stdout, run.stderr, run.exit_code, run.signal, run.timed_out) == (b"out\n", b"err\n", 3, None, False)
    assert 0 < run.wall_seconds < 5


def test_it_passes_stdin_and_read_only_files_without_host_paths():
    with Sandbox.open(LIMITS) as box:
        run = sh(
            box,
            f"cat; cat {box.judge_path('data.txt')}; echo x > {box.judge_path('data.txt')} || echo read-only",
            stdin=b"from stdin\n",
            files={"data.txt": b"from a file\n"},
        )
    assert run.stdout.startswith(b"from stdin\nfrom a file\n")
    assert run.stdout.endswith(b"read-only\n")


@pytest.mark.skipif(not ROOT, reason="uid switching needs root")
def test_it_runs_as_an_unprivileged_host_uid_with_no_capabilities():
    with Sandbox.open(LIMITS) as box:
        run = sh(box, "id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; sleep 0.3 & cat /proc/$!/status | grep '^Uid'")
        assert box.slot.uid is not None and box.slot.uid >= 1000
    lines = run.stdout.decode().splitlines()
    assert lines[0] == "1000"  # the uid inside; on the host it is the slot's uid (checked by the hostile tests)
    assert "CapEff:\t0000000000000000" in lines
    assert "NoNewPrivs:\t1" in lines


def test_the_server_environment_never_reaches_the_program(monkeypatch):
    monkeypatch.setenv("CODECAPSULE_FAKE_SECRET", "sk-test-do-not-leak")
    with Sandbox.open(LIMITS) as box:
        run = sh(box, "env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'")
    assert b"sk-test-do-not-leak" not in run.stdout
    assert b"CODECAPSULE_FAKE_SECRET" not in run.stdout


def test_only_the_system_directories_are_visible_read_only():
    project = Path(__file__).resolve().parents[2]
    with Sandbox.open(LIMITS) as box:
        run = sh(
            box,
            f"ls / ; test -e {project} && echo PROJECT; test -e /etc/shadow && echo SHADOW; test -e /root && echo ROOT;"
            " touch /usr/x /etc/x /x 2>/dev/null || echo RO; touch ~/ok && echo HOME-RW",
        )
    top = set(run.stdout.decode().split())
    assert "PROJECT" not in top and "SHADOW" not in top and "ROOT" not in top
    assert {"RO", "HOME-RW"} <= top
    assert "root" not in top and "work" not in top


def test_output_over_the_cap_is_cut_and_the_sandbox_stopped():
    with Sandbox.open(LIMITS) as box:
        run = sh(box, "yes", stdout_cap=1000)
    assert run.stdout_truncated and len(run.stdout) == 1000
    assert run.wall_seconds < 2


def test_the_host_deadline_kills_the_whole_sandbox():
    with Sandbox.open(LIMITS) as box:
        run = sh(box, "sleep 30 & sleep 30", deadline=0.5)
        assert run.timed_out and run.exit_code != 0  # bwrap reports its pid 1 killed: 128 + SIGKILL
        if box.slot.uid is not None:
            assert processes_of_uid(box.slot.uid) == []


@pytest.mark.skipif(not ROOT, reason="uid switching needs root")
def test_concurrent_jobs_get_different_slots_and_uids():
    uids: list[int] = []
    barrier = threading.Barrier(3)

    def job():
        with Sandbox.open(LIMITS) as box:
            barrier.wait(timeout=10)
            uids.append(box.slot.uid)
            sh(box, "true")

    threads = [threading.Thread(target=job) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(uids)) == 3


# --- No sandbox --------------------------------------------------------------------------------------


@pytest.fixture
def world_writable_dir():
    path = tempfile.mkdtemp(prefix="judge-marker-")
    os.chmod(path, 0o777)
    yield Path(path)
    for child in Path(path).iterdir():
        child.unlink()
    os.rmdir(path)


def _marker_program(directory: Path) -> str:
    return f"open({str(directory / 'ran')!r}, 'w').write('ran')\nprint('ok')\n"


def test_a_missing_bwrap_refuses_the_job_and_runs_nothing(settings, world_writable_dir):
    settings.JUDGE_BWRAP_PATH = "/nonexistent/bwrap"
    settings.JUDGE_ALLOW_UNSANDBOXED = False
    with pytest.raises(SandboxUnavailable, match="bubblewrap was not found at JUDGE_BWRAP_PATH='/nonexistent/bwrap'"):
        run_code_tests("python", _marker_program(world_writable_dir), [TestSpec(test_call="pass")], LIMITS)
    assert not (world_writable_dir / "ran").exists()


def test_a_bwrap_that_cannot_create_namespaces_refuses_the_job(settings, world_writable_dir):
    fake = world_writable_dir / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    settings.JUDGE_BWRAP_PATH = str(fake)
    settings.JUDGE_ALLOW_UNSANDBOXED = False
    with pytest.raises(SandboxUnavailable, match="cannot create a sandbox here: bwrap: No permissions"):
        run_code_tests("python", _marker_program(world_writable_dir), [TestSpec(test_call="pass")], LIMITS)
    assert not (world_writable_dir / "ran").exists()


def test_allow_unsandboxed_runs_without_bwrap_for_development(settings, world_writable_dir):
    settings.JUDGE_BWRAP_PATH = "/nonexistent/bwrap"
    settings.JUDGE_ALLOW_UNSANDBOXED = True
    result = run_code_tests(
        "python", _marker_program(world_writable_dir), [TestSpec(test_call="print(2 + 2)", expected_output="ok\n4\n")], LIMITS
    )
    assert result.sandboxed is False
    assert result.tests[0].verdict is Verdict.AC, result.tests[0]
    assert (world_writable_dir / "ran").read_text() == "ran"


def test_allow_unsandboxed_still_applies_the_limits(settings):
    settings.JUDGE_BWRAP_PATH = "/nonexistent/bwrap"
    settings.JUDGE_ALLOW_UNSANDBOXED = True
    result = run_code_tests("python", "while True: pass", [TestSpec(test_call="pass")], LIMITS)
    assert result.sandboxed is False
    assert result.tests[0].verdict is Verdict.TLE


@pytest.mark.skipif(not ROOT, reason="cgroups need root")
def test_a_job_runs_in_its_slots_memory_cgroup_when_the_host_has_them():
    with Sandbox.open(LIMITS) as box:
        if box.cgroup is None:
            pytest.skip("no writable cgroup hierarchy on this host")
        run = sh(box, f"cat {box.oom_events_path}; cat /proc/self/cgroup")
        uid = box.slot.uid
    assert b"oom_kill" in run.stdout
    # Named after the slot's uid: another instance on the host (other uids) never shares its limit or counter.
    assert f"codecapsule-judge/uid-{uid}".encode() in run.stdout


def test_without_cgroups_the_rlimits_still_apply(settings):
    settings.JUDGE_CGROUPS = False
    with Sandbox.open(LIMITS) as box:
        assert box.cgroup is None and box.oom_events_path is None
    result = run_code_tests("python", "x = bytearray(2**30)", [TestSpec(test_call="pass")], LIMITS)
    assert result.tests[0].verdict is Verdict.MLE
