"""TERMINAL checks run where the learner's programs cannot read them (judges/runtimes/harness.py, "Checks").

A validation script often runs the learner's own program (`./hello.sh`). That program is the learner's code, with
the same uid as the check: it must not be able to read the check's text — through its parent's argv, environment,
open files or memory, or by tracing it — or it could learn the check bit by bit from Check's pass/fail.
"""

from __future__ import annotations

import pytest

from judges.limits import limits_for
from judges.runtimes import Check, run_shell_session

LIMITS = limits_for("bash").replace(wall_seconds=3.0, cpu_seconds=2.0)
MARKER = "CHECK-MARKER-8d1f0c"
# The learner's program: looks for the check everywhere a same-uid process can, and prints what it found.
# (The needle is put together at run time, so that the spy's own file does not contain it.)
SPY = r"""#!/bin/bash
found=
needle="CHECK-"; needle="${needle}MARKER"; export needle
look() { if grep -aq "$needle" "$@" 2>/dev/null; then found="$found $1"; fi; }
look /proc/$PPID/cmdline
look /proc/$PPID/environ
for fd in /proc/$PPID/fd/*; do [ -f "$fd" ] && look "$fd"; done  # files, not the pipes it writes to
look /proc/$PPID/mem
env | grep -v '^needle=' | grep -q "$needle" && found="$found own-environment"
for pid in /proc/[0-9]*; do look "$pid/cmdline"; look "$pid/environ"; done
grep -arq "$needle" "$HOME" /tmp /dev/shm /judge 2>/dev/null && found="$found files"
python3 - "$PPID" <<'PY' && found="$found memory"
import os, sys
pid = int(sys.argv[1])
needle = os.environ["needle"].encode()
try:
    maps = open(f"/proc/{pid}/maps").read().splitlines()
    with open(f"/proc/{pid}/mem", "rb") as mem:
        for line in maps:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            try:
                mem.seek(start)
                if needle in mem.read(end - start):
                    sys.exit(0)
            except OSError:
                pass
except OSError:
    pass
sys.exit(1)
PY
echo "parent: $(tr '\0' ' ' < /proc/$PPID/cmdline)"
echo "found:${found:- nothing}"
"""
CHECK = f""": {MARKER}
expected="Hello"
out=$(./spy.sh)
echo "$out"
[ -n "$out" ] && echo pass
"""


@pytest.fixture
def session():
    plant = f"cat > spy.sh <<'EOF'\n{SPY}EOF\nchmod +x spy.sh"
    return run_shell_session(plant, [Check(CHECK)], LIMITS)


def test_the_learners_program_finds_nothing_of_the_check_that_runs_it(session):
    output = session.steps[0].stdout

    assert session.setup_ok
    assert "found: nothing" in output, output
    assert "pass" in output, "the check ran the learner's program"


def test_the_same_spy_finds_a_script_that_runs_it_as_a_plain_command():
    # The control: run as an ordinary step (`bash -c <script>`, as checks ran before), the script is in the
    # shell's argv and memory for its children to read, and the spy says so.
    plant = f"cat > spy.sh <<'EOF'\n{SPY}EOF\nchmod +x spy.sh"
    session = run_shell_session(plant, [CHECK], LIMITS)

    found = next(line for line in session.steps[0].stdout.splitlines() if line.startswith("found:"))
    assert "/cmdline" in found and "memory" in found, found


def test_the_check_is_not_in_its_shells_argv(session):
    output = session.steps[0].stdout
    parent = next(line for line in output.splitlines() if line.startswith("parent: "))

    assert MARKER not in parent and "CODECAPSULE_CHECK" in parent  # only the bootstrap that moves it out of the way


def test_a_checks_exit_status_and_output_are_its_own():
    session = run_shell_session("", [Check("echo checked; exit 3"), Check("echo fine")], LIMITS)

    assert (session.steps[0].stdout, session.steps[0].exit_code) == ("checked\n", 3)
    assert (session.steps[1].stdout, session.steps[1].exit_code) == ("fine\n", 0)


def test_a_check_runs_in_the_workspace_the_steps_before_it_left():
    session = run_shell_session("", ["echo hi > note.txt", Check('[ "$(cat note.txt)" = hi ] && echo pass')], LIMITS)

    assert session.steps[1].stdout == "pass\n"


def test_the_checker_shell_is_not_readable_by_the_sandboxs_user():
    session = run_shell_session("", ["cat /judge/checker-bash > /dev/null && echo readable || echo refused"], LIMITS)
    # A session without checks has no checker shell at all; one with a check has it execute-only.
    assert "refused" in session.steps[0].stdout
    with_check = run_shell_session(
        "", [Check("true"), "cat /judge/checker-bash > /dev/null && echo readable || echo refused; ls -l /judge/checker-bash"], LIMITS
    )
    assert "refused" in with_check.steps[1].stdout
    assert "---x--x--x" in with_check.steps[1].stdout
