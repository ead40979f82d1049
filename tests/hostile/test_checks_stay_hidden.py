"""Hidden stays hidden for TERMINAL capsules: a validation script that runs the learner's program cannot be read by
that program, so the learner cannot learn it bit by bit from Check's pass or fail — through the embed's terminal
(commands, then Check) or the attempts API (commands, then every check).

The learner's `hello.sh` is asked by the check to print `Hello`. The spy prints it only when it finds the check's
text — in its parent's command line, environment, open files or memory, in any process's command line, or in a
file — so a check that passes means the check leaked. Before checks ran in the checker shell, it passed: the
script was its parent's command line.
"""

from __future__ import annotations

import re
import shlex

import pytest

from capsules.models import Capsule
from tests.hostile.conftest import leaks

MARKER = "check-marker-papaya"
CHECK = f': {MARKER}\n[ "$(bash ./hello.sh 2>/dev/null)" = Hello ] && echo pass || {{ echo fail; exit 1; }}\n'
# Says Hello only if the check's text is somewhere it can read. (The needle is put together at run time, so that
# the spy's own file does not contain it.)
SPY = r"""needle=check-marker; needle=$needle-papaya
seen() { grep -aqs "$needle" "$@" 2>/dev/null; }
for place in /proc/$PPID/cmdline /proc/$PPID/environ /proc/1/cmdline /proc/1/environ; do
  seen "$place" && { echo Hello; exit; }
done
for fd in /proc/$PPID/fd/*; do [ -f "$fd" ] && seen "$fd" && { echo Hello; exit; }; done
for pid in /proc/[0-9]*; do seen "$pid/cmdline" && { echo Hello; exit; }; done
python3 -c '
import sys
pid, needle = sys.argv[1], sys.argv[2].encode()
try:
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
        for line in maps:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            try:
                mem.seek(start)
                if needle in mem.read(end - start):
                    print("Hello")
                    break
            except (OSError, ValueError, OverflowError):
                pass
except OSError:
    pass
' "$PPID" "$needle"
"""
PLANT_SPY = f"cat > hello.sh <<'EOF'\n{SPY}EOF"
PLANT_HONEST = "echo 'echo Hello' > hello.sh"


@pytest.fixture
def exercise(owner, publish):
    capsule = Capsule.objects.create(
        title="Say hello", capsule_type="TERMINAL", problem_statement_md="Write `hello.sh`, which prints `Hello`.",
        language="bash", runtime_tier="sandbox-bash", creator=owner,
        config_data={
            "hints": [], "setup_script": "",
            "tasks": [
                {"task_id": "hello", "description": "hello.sh prints Hello", "validation_script": CHECK, "solution_commands": PLANT_HONEST},
            ],
        },
    )  # fmt: skip
    return publish(capsule)


def task_passed(page: str) -> bool:
    """Whether the terminal says the task is done, after a Check."""
    match = re.search(r"(All 1 tasks done|0 of 1 tasks done)\.", page)
    assert match, page[:2000]
    return match.group(1) == "All 1 tasks done"


def test_the_spy_run_by_the_check_cannot_read_it_through_the_terminal(learner, exercise):
    _capsule, course = exercise
    learner.terminal(course, "run", command=PLANT_SPY)
    page = learner.terminal(course, "check")

    assert not task_passed(page)
    assert leaks(page, (MARKER,)) == []


def test_the_spy_run_by_the_check_cannot_read_it_through_the_attempts_api(learner, exercise):
    capsule, _course = exercise
    answer = learner.attempt(capsule, PLANT_SPY + "\nbash hello.sh; ls -la /proc/1/ /judge 2>&1 | head -40")

    assert answer["tasks"] == [{"task_id": "hello", "description": "hello.sh prints Hello", "passed": False}]
    assert leaks(str(answer), (MARKER,)) == []


def test_the_spy_finds_the_check_when_a_plain_shell_runs_it(learner, exercise):
    # The control for the spy: the same check run by an ordinary `bash -c` (as checks ran before) is in that
    # shell's command line, and the spy says Hello.
    capsule, _course = exercise
    answer = learner.attempt(capsule, PLANT_SPY + f"\nbash -c {shlex.quote(CHECK)}")

    assert answer["output"].strip().endswith("pass")


def test_an_honest_hello_passes_the_same_check(learner, exercise):
    # The control: the check does run the learner's hello.sh, and judges its output.
    capsule, course = exercise
    assert learner.attempt(capsule, PLANT_HONEST)["passed"] is True
    learner.terminal(course, "run", command=PLANT_HONEST)
    assert task_passed(learner.terminal(course, "check"))
