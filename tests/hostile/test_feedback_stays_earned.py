"""Feedback beyond the verdict — an author's hint for a failed hidden test or a failed terminal task — is earned by
failing, and says only what its author wrote.

CODE: a hidden test's `failure_message` is nowhere a learner can read before a Submit fails that test (the embed
page, its state, the capsule API, a Run, a passing Submit), and the failing Submit shows it without the test's call,
expected output or description.

TERMINAL: a failed Check shows the task's declared hint and never a line the validation script printed. The learner
works on the files the script reads, and tries to make the script print itself: a file read with a shell builtin is
a symlink to /proc/self/environ (in the checker shell that is the environment it started with, which holds the
script), shims named like the commands it runs wait in the usual bin directories, and start-up files a shell might
read say what they found. The control test shows the symlink does make the script print itself — which is why its
output is never shown (judges/workspace.py, "Why a check's output is never shown").
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from capsules.models import Capsule
from judges.runtimes import Check, run_shell_session
from tests.hostile.conftest import LEARNER, leaks

HINT = "hint-marker-lime: capitals need shouting too"
SHOUT = 'def shout(text):\n    # reference-marker-kiwi\n    return text.upper() + "!"\n'
HALF_RIGHT = 'def shout(text):\n    return "HELLO!"\n'  # right for the visible test only


@pytest.fixture
def code_exercise(owner, publish):
    def case(argument: str, *, hidden: bool, description: str, **extra: str) -> dict:
        return {
            "description": description, "test_call": f'print(shout("{argument}"))',
            "expected_output": argument.upper() + "!\n", "is_hidden": hidden, **extra,
        }  # fmt: skip

    capsule = Capsule.objects.create(
        title="Shout", capsule_type="CODE", problem_statement_md="Return the text in capitals with a `!`.",
        language="python", runtime_tier="sandbox-python", creator=owner,
        config_data={
            "boilerplate_code": "def shout(text):\n    pass\n", "reference_solution": SHOUT, "hints": [],
            "test_cases": [
                case("hello", hidden=False, description="says hello"),
                case("zebra-quartz-one", hidden=True, description="description-marker-mango", failure_message=HINT),
            ],
        },
    )  # fmt: skip
    return publish(capsule)


def _before_any_failure(client, capsule: Capsule, course) -> str:
    """Everything a learner reads of the exercise before submitting anything."""
    pages = [
        client.get(reverse("playlists:embed_playlist", args=[course.pk])),
        client.get(reverse("playlists:embed_playlist_state", args=[course.pk]) + "?step=1", headers={"X-Learner-Key": LEARNER}),
        client.get(reverse("playlists:embed_capsule", args=[capsule.pk])),
        client.get(f"/api/capsules/{capsule.pk}"),
        client.get(reverse("api-playlist-embed", args=[course.pk])),
    ]
    assert [page.status_code for page in pages] == [200] * len(pages)
    return "".join(page.content.decode() for page in pages)


def test_a_hidden_tests_hint_is_nowhere_before_a_failing_submit(client, learner, code_exercise):
    capsule, course = code_exercise
    assert leaks(_before_any_failure(client, capsule, course), ("hint-marker-lime",)) == []
    # A failing Run runs only the visible tests; a passing Submit fails nothing.
    assert leaks(learner.embed(course, "run", "def shout(text):\n    return ''\n"), ("hint-marker-lime",)) == []
    passing = learner.embed(course, "submit", SHOUT)
    assert "All 2 tests pass." in passing and leaks(passing, ("hint-marker-lime",)) == []


def test_a_failing_submit_shows_the_hint_in_words_and_nothing_of_the_test(learner, code_exercise):
    capsule, course = code_exercise
    page = learner.embed(course, "submit", HALF_RIGHT)

    assert "Hidden test 2 — <strong" in page and ">Wrong answer</strong>. " in page
    assert f'<span class="ws-test__hint">Hint from the author: {HINT}</span>' in page
    assert 'data-verdict="WA"' in page
    assert leaks(page) == []  # no hidden call, expected output, description or reference

    answer = learner.attempt(capsule, HALF_RIGHT)
    hidden = answer["tests"][1]
    assert hidden == {
        "index": 1,
        "is_hidden": True,
        "verdict": "WA",
        "passed": False,
        "verdict_label": "Wrong answer",
        "failure_message": HINT,
    }
    assert leaks(json.dumps(answer)) == []


# --- TERMINAL ---------------------------------------------------------------------------------------------

MARKER = "check-marker-guava"
TASK_HINT = "Does answer.txt hold the word yes?"
# Reads the learner's file with a builtin, runs commands a shim could stand in for, and says too much when it fails:
# everything it prints on a failure is what a "reason line" would have shown.
CHECK = (
    f": {MARKER}\n"
    "got=$(< answer.txt)\n"
    'if [ "$got" = yes ] && grep -qx yes answer.txt; then echo pass; else echo "fail: expected yes ({MARKER}), got $got"; exit 1; fi\n'
).replace("{MARKER}", MARKER)
SHIM = '#!/bin/bash\necho "shim saw: $*"\nexit 0\n'
PLANT = " && ".join(
    [
        "ln -s /proc/self/environ answer.txt",
        "mkdir -p bin .local/bin",
        *(
            f"printf '%s' {json.dumps(SHIM)} > {where}/{name} && chmod +x {where}/{name}"
            for where in ("bin", ".local/bin")
            for name in ("grep", "test", "[")
        ),
        "echo 'echo rc-saw-$BASH_EXECUTION_STRING' > .bashrc",
        "cp .bashrc .profile && cp .bashrc .bash_profile",
    ]
)


@pytest.fixture
def terminal_exercise(owner, publish):
    capsule = Capsule.objects.create(
        title="Say yes", capsule_type="TERMINAL", problem_statement_md="Write `yes` into `answer.txt`.",
        language="bash", runtime_tier="sandbox-bash", creator=owner,
        config_data={
            "hints": [], "setup_script": "",
            "tasks": [{
                "task_id": "yes", "description": "answer.txt says yes", "validation_script": CHECK,
                "solution_commands": "echo yes > answer.txt", "failure_message": TASK_HINT,
            }],
        },
    )  # fmt: skip
    return publish(capsule)


def test_the_symlink_does_make_the_check_print_itself(terminal_exercise):
    # The control: in the checker shell, a builtin read of /proc/self/environ is the script. A check's printed
    # line shown to the learner would have leaked it.
    session = run_shell_session("", [PLANT, Check(CHECK)])
    assert session.steps[0].ok, session.steps[0].message
    assert MARKER in session.steps[1].stdout


def test_a_failed_check_shows_the_declared_hint_and_never_what_the_check_printed(learner, terminal_exercise):
    _capsule, course = terminal_exercise
    learner.terminal(course, "run", command=PLANT)
    for page in (learner.terminal(course, "check", task="yes"), learner.terminal(course, "check")):
        assert "not done yet" in page or "0 of 1 tasks done" in page
        assert f"Hint from the author: {TASK_HINT}" in page
        assert leaks(page, (MARKER, "shim saw", "rc-saw", "CODECAPSULE_CHECK", "expected yes")) == []


def test_the_attempts_api_gives_the_declared_hint_only(learner, terminal_exercise):
    capsule, _course = terminal_exercise
    answer = learner.attempt(capsule, PLANT)
    assert answer["tasks"] == [{"task_id": "yes", "description": "answer.txt says yes", "passed": False, "failure_message": TASK_HINT}]
    assert leaks(json.dumps(answer), (MARKER, "shim saw", "rc-saw", "CODECAPSULE_CHECK", "expected yes")) == []


def test_a_passing_check_shows_no_hint(learner, terminal_exercise):
    capsule, course = terminal_exercise
    learner.terminal(course, "run", command="echo yes > answer.txt")
    page = learner.terminal(course, "check")
    assert "All 1 tasks done" in page and TASK_HINT not in page
    assert "failure_message" not in json.dumps(learner.attempt(capsule, "echo yes > answer.txt"))
