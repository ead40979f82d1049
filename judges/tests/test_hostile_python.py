"""Hostile Python programs: each ends with a clear verdict within its limit, leaves no
process of its uid behind, and the next job runs normally."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from judges.limits import limits_for
from judges.runtimes import TestResult, TestSpec, Verdict, get_code_runtime, run_code_tests
from judges.sandbox import Sandbox, processes_of_uid

LIMITS = limits_for("python").replace(wall_seconds=1.5, cpu_seconds=1.0, processes=32)
PROJECT = Path(__file__).resolve().parents[2]


def hostile(source: str, call: str = "pass", *, expected: str | None = None, limits=LIMITS) -> TestResult:
    """Run one hostile program as a one-test job; check that nothing of its uid survives the job."""
    started = time.monotonic()
    with Sandbox.open(limits) as box:
        result = get_code_runtime("python").run(source, [TestSpec(test_call=call, expected_output=expected)], box=box)
        if box.slot.uid is not None:  # we still hold the slot: any process of this uid is the job's
            assert processes_of_uid(box.slot.uid) == [], "a process of the job outlived it"
    assert time.monotonic() - started < limits.wall_seconds + 3, "the job took far longer than its limit"
    assert result.sandboxed
    return result.tests[0]


def test_a_fork_bomb_is_stopped_by_the_process_limit_and_the_clock():
    test = hostile("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n")
    assert test.verdict is Verdict.TLE


def test_the_process_limit_holds():
    counting = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    while n < 1000:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(5)\n"
        "            os._exit(0)\n"
        "        n += 1\n"
        "except OSError as exc:\n"
        "    print('stopped', exc.errno)\n"
        "print(n < 32)\n"
    )
    test = hostile(counting)
    assert test.verdict is Verdict.AC
    assert test.stdout == "stopped 11\nTrue\n"  # EAGAIN before the limit of 32


def test_a_memory_bomb_is_mle():
    # A small address space, so the bomb goes off before it spends much CPU time zeroing pages.
    test = hostile("chunks = []\nwhile True:\n    chunks.append(bytearray(20 * 2**20))\n", limits=LIMITS.replace(address_space_mb=160))
    assert test.verdict is Verdict.MLE
    assert "memory" in test.message


def test_an_endless_loop_is_tle_by_cpu_time():
    # A wall limit well above the CPU limit: the CPU limit must fire first even on a busy machine.
    test = hostile("while True:\n    pass\n", limits=LIMITS.replace(wall_seconds=8.0))
    assert test.verdict is Verdict.TLE and test.signal_name == "SIGXCPU"
    assert "CPU time" in test.message


def test_sleeping_past_the_wall_limit_is_tle():
    test = hostile("import time\ntime.sleep(60)\n")
    assert test.verdict is Verdict.TLE and "wall clock" in test.message
    assert test.wall_seconds < LIMITS.wall_seconds + 0.5


def test_a_gigabyte_of_output_is_cut_and_ole():
    test = hostile("import sys\nchunk = 'x' * 2**20\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n")
    assert test.verdict is Verdict.OLE
    assert len(test.stdout) == LIMITS.output_bytes and test.stdout_truncated
    assert test.wall_seconds < 1


def test_a_gigabyte_on_stderr_is_ole_too():
    test = hostile("import sys\nwhile True:\n    sys.stderr.write('e' * 65536)\n")
    assert test.verdict is Verdict.OLE and test.stderr_truncated


def test_filling_the_disk_stops_at_the_file_size_limit():
    test = hostile("with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 2**20)\n")
    assert test.verdict is Verdict.OLE and "larger than 16 MB" in test.message
    assert "File too large" in test.stderr


def test_filling_the_disk_with_many_files_stops_at_the_tmpfs_size():
    test = hostile("for i in range(10_000):\n    with open(f'/tmp/f{i}', 'wb') as f:\n        f.write(b'x' * 2**20)\n")
    assert test.verdict is Verdict.RE and "No space left on device" in test.message


def test_there_is_no_network_neither_loopback_services_nor_the_internet():
    program = (
        "import socket\n"
        "for address in [('127.0.0.1', 5432), ('127.0.0.1', 8000), ('1.1.1.1', 80), ('8.8.8.8', 53)]:\n"
        "    try:\n"
        "        socket.create_connection(address, timeout=1)\n"
        "        print('connected', address)\n"
        "    except OSError as exc:\n"
        "        print(type(exc).__name__, exc.errno)\n"
        "try:\n"
        "    socket.getaddrinfo('example.com', 80)\n"
        "    print('resolved')\n"
        "except OSError as exc:\n"
        "    print('no dns')\n"
    )
    test = hostile(program)
    assert test.stdout == "ConnectionRefusedError 111\nConnectionRefusedError 111\nOSError 101\nOSError 101\nno dns\n"


def test_secret_files_and_the_project_are_not_there():
    paths = [
        "/etc/shadow",
        "/etc/gshadow",
        str(PROJECT / "codecapsule" / "settings.py"),
        str(PROJECT),
        "/root",
        "/var/lib/postgresql",
        "/home",
    ]
    program = (
        "import os\nfor p in "
        + repr(paths)
        + ":\n    print(p, os.path.exists(p) and os.listdir(p) if os.path.isdir(p) else os.path.exists(p))\n"
    )
    test = hostile(program)
    assert test.verdict is Verdict.AC
    lines = test.stdout.splitlines()
    assert lines[:6] == [f"{p} False" for p in paths[:6]]
    assert lines[6] == "/home ['learner']"  # only the empty work directory


def test_the_server_environment_is_invisible_even_through_proc(monkeypatch):
    monkeypatch.setenv("CODECAPSULE_FAKE_SECRET", "sk-test-must-not-leak")
    program = (
        "import os\n"
        "print(sorted(os.environ))\n"
        "for pid in os.listdir('/proc'):\n"
        "    if pid.isdigit():\n"
        "        try:\n"
        "            print(pid, open(f'/proc/{pid}/environ', 'rb').read())\n"
        "        except OSError as exc:\n"
        "            print(pid, exc.strerror)\n"
    )
    test = hostile(program)
    assert "sk-test-must-not-leak" not in test.stdout and "CODECAPSULE_FAKE_SECRET" not in test.stdout
    assert test.stdout.splitlines()[0] == "['HOME', 'LANG', 'PATH', 'PWD']"


def test_other_processes_are_invisible_and_the_harness_is_untouchable():
    program = (
        "import os\n"
        "pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
        "print(pids == [1, os.getpid()])\n"
        "for path in ('/proc/1/fd', '/proc/1/mem', '/proc/1/environ', '/proc/1/cwd'):\n"
        "    try:\n"
        "        os.listdir(path) if path.endswith(('fd', 'cwd')) else open(path, 'rb').read(1)\n"
        "        print('open', path)\n"
        "    except OSError as exc:\n"
        "        print(exc.strerror)\n"
    )
    test = hostile(program)
    assert test.stdout == "True\n" + "Permission denied\n" * 4
    assert str(os.getpid()) not in test.stdout


def test_writing_outside_the_work_directory_fails():
    program = (
        "import os\n"
        "for path in ('/usr/bin/evil', '/etc/passwd', '/evil', '/proc/sys/kernel/hostname', '/judge/harness.py', '/home/evil'):\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        print('wrote', path)\n"
        "    except OSError as exc:\n"
        "        print('refused', path)\n"
        "open('inside.txt', 'w').write('fine')\n"
        "open('/tmp/inside.txt', 'w').write('fine')\n"
    )
    test = hostile(program)
    assert test.verdict is Verdict.AC
    assert "wrote" not in test.stdout and test.stdout.count("refused") == 6


def test_planted_symlinks_are_never_followed_by_the_host(tmp_path):
    program = (
        "import os\n"
        "for name in ('result.json', 'solution.py', 'main.js', 'stdout', '.bash_history'):\n"
        "    os.symlink('/etc/shadow', name)\n"
        f"os.symlink({str(tmp_path)!r}, 'host-tmp')\n"
        "print('planted')\n"
    )
    test = hostile(program, expected="planted")
    assert test.verdict is Verdict.AC
    assert list(tmp_path.iterdir()) == []


def test_a_background_process_dies_with_the_job():
    program = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "    os._exit(0)\n"
        "time.sleep(0.1)\n"
        "print('parent done')\n"
    )
    test = hostile(program)  # hostile() checks that no process of the uid is left
    assert test.verdict is Verdict.AC and test.stdout == "parent done\n"


def test_killing_the_parent_does_not_stop_the_judge():
    attack = (
        "import os, signal\n"
        "for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP, signal.SIGINT, signal.SIGHUP):\n"
        "    os.kill(os.getppid(), sig)\n"
        "    os.kill(1, sig)\n"
        "try:\n"
        "    os.kill(-1, signal.SIGKILL)\n"
        "except OSError:\n"
        "    pass\n"
        "print('still judged')\n"
    )
    with Sandbox.open(LIMITS) as box:
        result = get_code_runtime("python").run(
            "", [TestSpec(test_call=attack), TestSpec(test_call="print('next')", expected_output="next")], box=box
        )
    assert result.verdicts == [Verdict.AC, Verdict.AC]
    assert result.tests[0].stdout == "still judged\n"


def test_a_program_cannot_read_the_other_tests_of_its_job():
    # The fork inherits the harness's memory and its stack: walk every frame above the program and every
    # object the collector knows, looking for the other test's call. The harness empties the list of
    # calls (which the job dict shares) in the child before the program runs.
    snoop = (
        "import gc, sys\n"
        "def count():\n"
        "    marker = ''.join(['HIDDEN', '_MARKER'])  # built at run time: not a constant of this code\n"
        "    hits = sum(marker in repr(o) for o in gc.get_objects() if isinstance(o, (list, dict, tuple)))\n"
        "    frame = sys._getframe(1)  # every caller, up to the harness's main()\n"
        "    while frame is not None:\n"
        "        hits += sum(marker in repr(v) for v in [*frame.f_locals.values(), *frame.f_globals.values()])\n"
        "        frame = frame.f_back\n"
        "    return hits\n"
        "print(count())\n"
    )
    result = run_code_tests("python", "", [TestSpec(test_call=snoop, expected_output="0"), TestSpec(test_call="'HIDDEN_MARKER'")], LIMITS)
    assert result.passed, result.tests[0]


@pytest.mark.parametrize("round_", range(2))
def test_the_next_job_runs_normally(round_):
    result = run_code_tests(
        "python",
        "def f(x):\n    return x * 2\n",
        [TestSpec(test_call=f"print(f({i}))", expected_output=str(2 * i)) for i in range(5)],
        LIMITS,
    )
    assert result.passed


def test_a_fork_bomb_of_memory_hogs_is_stopped_by_the_job_memory_limit():
    from django.conf import settings

    from judges.sandbox.cgroups import slot_cgroup

    if slot_cgroup(settings.JUDGE_UID_BASE) is None:
        pytest.skip("no memory cgroups on this host: each process is still bounded by RLIMIT_AS")
    hogs = (
        "import os, time\n"
        "for _ in range(12):\n"
        "    if os.fork() == 0:\n"
        "        block = bytearray(100 * 2**20)  # each one under its own address-space limit\n"
        "        block[::4096] = b'x' * len(block[::4096])\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "time.sleep(30)\n"
    )
    limits = LIMITS.replace(wall_seconds=10.0, job_memory_mb=400)
    started = time.monotonic()
    test = hostile(hogs, limits=limits)
    assert test.verdict is Verdict.MLE, test
    assert "400 MB" in test.message
    assert time.monotonic() - started < 8
