"""Feedback that teaches, in the player: verdicts in words (their codes only as data), an author's hint under a
failed hidden test and under a terminal task whose Check failed, and hints written in Markdown rendered (and
sanitised) like the statement."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from capsules.models import Capsule
from judges.grading import VERDICT_LABELS, AttemptResult, GradedTest
from playlists.services import playlist_create
from playlists.tests.conftest import unjudged_capsule
from playlists.tests.test_workspace_terminal import KEY, post, text
from playlists.views._embed_common import learner_token
from playlists.views.workspace import result_context

pytestmark = pytest.mark.django_db

RESULT_CODE = "playlists/embed/workspace/_results.html#code"
WORDS = {
    "AC": "Passed", "WA": "Wrong answer", "TLE": "Time limit exceeded", "MLE": "Memory limit exceeded",
    "RE": "Runtime error", "CE": "Compile error", "OLE": "Output too long", "NR": "Not run",
}  # fmt: skip


# --- Verdicts in words ---------------------------------------------------------------------------------------


def test_every_verdict_has_its_words():
    assert VERDICT_LABELS == WORDS


def _rendered(tests: list[GradedTest]) -> str:
    result = AttemptResult(
        capsule_id="c", capsule_type="CODE", graded=True, passed=False, score=0.0, message="0 of 8 tests pass.", tests=tests
    )
    context = {**result_context(result), "summary_message": result.message, "status_message": result.message, "completion": None}
    return render_to_string(RESULT_CODE, context)


def test_the_results_panel_says_each_verdict_in_words_and_keeps_the_code_as_data():
    # Built as grading builds them (verdict_label set by the judge), and as an older stored result would be (unset).
    tests = [
        GradedTest(index=index, is_hidden=True, verdict=code, passed=code == "AC", verdict_label=WORDS[code] if index % 2 else "")
        for index, code in enumerate(WORDS)
    ]
    html = _rendered(tests)
    for number, (code, words) in enumerate(WORDS.items(), start=1):
        assert f'Hidden test {number} — <strong class="ws-verdict" data-verdict="{code}">{words}</strong>' in html
        assert f">{code}<" not in html


def test_a_failed_hidden_tests_hint_follows_its_verdict_escaped():
    html = _rendered(
        [
            GradedTest(
                index=2,
                is_hidden=True,
                verdict="WA",
                passed=False,
                verdict_label="Wrong answer",
                failure_message="check <b>upper-case</b> vowels",
            )
        ]
    )
    assert (
        'Hidden test 3 — <strong class="ws-verdict" data-verdict="WA">Wrong answer</strong>. '
        '<span class="ws-test__hint">Hint from the author: check &lt;b&gt;upper-case&lt;/b&gt; vowels</span>'
    ) in html


# --- Hints in Markdown -------------------------------------------------------------------------------------


def test_hints_are_rendered_markdown_without_scripts_or_unsafe_links(client, owner, quick_capsules):
    capsule = quick_capsules(owner, 1, status="published", is_public=True)[0]
    config = capsule.config_data | {
        "hints": ["Use `max()` on the **whole** list.", "<script>alert(1)</script>", "[read this](javascript:alert(1)) and\n\n- a\n- b"]
    }
    Capsule.objects.filter(pk=capsule.pk).update(config_data=config)
    html = client.get(reverse("playlists:embed_capsule", args=[capsule.pk])).content.decode()

    hints = re.findall(r'<details class="hint"><summary>Hint \d</summary><div class="prose hint__body">(.*?)</div></details>', html, re.S)
    assert len(hints) == 3
    assert "<p>Use <code>max()</code> on the <strong>whole</strong> list.</p>" in hints[0]
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in hints[1]  # shown as text
    assert "href" not in hints[2] and "<li>a</li>" in hints[2]  # the unsafe link stays text, never a link
    assert "`" not in hints[0]  # no raw Markdown left


# --- A terminal task's hint ---------------------------------------------------------------------------------

TASK_HINT = "Is the file called hello.txt, in your home directory?"


@pytest.fixture
def hinted_course(owner):
    """The sample TERMINAL capsule (tasks create-file, make-dir), create-file with its author's hint, alone in a course."""
    capsule = unjudged_capsule(owner, title="Make a greeting file", capsule_type="TERMINAL", status="published", is_public=True)
    capsule.config_data["tasks"][0]["failure_message"] = TASK_HINT
    capsule.save()
    return playlist_create(creator=owner, title="Shell", is_public=True, items=[{"capsule_id": str(capsule.pk)}])


def check_url(course, action: str = "check") -> str:
    return reverse(f"playlists:step_terminal_{action}", args=[course.pk, 1])


def test_the_page_holds_no_hint_before_a_check(client, hinted_course):
    html = client.get(reverse("playlists:embed_playlist", args=[hinted_course.pk])).content.decode()
    assert TASK_HINT not in html
    assert '<p id="term-task-reason-1" class="term-task__reason"></p>' in html  # the place a failed Check fills


def test_a_failed_check_shows_the_hint_under_the_task_and_a_passing_one_clears_it(client, hinted_course):
    failed = text(post(client, check_url(hinted_course), task="create-file"))
    assert f"Task create-file: not done yet. Hint from the author: {TASK_HINT}" in failed
    assert f'<p id="term-task-reason-1" class="term-task__reason" hx-swap-oob="true">Hint from the author: {TASK_HINT}</p>' in failed

    post(client, check_url(hinted_course, "run"), command="echo hello > hello.txt")
    passed = text(post(client, check_url(hinted_course), task="create-file"))
    assert "Task create-file: done." in passed and TASK_HINT not in passed
    assert '<p id="term-task-reason-1" class="term-task__reason" hx-swap-oob="true"></p>' in passed


def test_check_all_gives_each_failed_task_its_own_hint_or_none(client, hinted_course):
    html = text(post(client, check_url(hinted_course)))
    assert "0 of 2 tasks done." in html
    assert f'id="term-task-reason-1" class="term-task__reason" hx-swap-oob="true">Hint from the author: {TASK_HINT}</p>' in html
    assert '<p id="term-task-reason-2" class="term-task__reason" hx-swap-oob="true"></p>' in html  # make-dir has none


def test_json_and_the_page_without_javascript_carry_the_hint_too(client, hinted_course):
    body = post(client, check_url(hinted_course), htmx=False, task="create-file", headers={"Accept": "application/json"}).json()
    assert body["tasks"] == [
        {"task_id": "create-file", "description": "Create hello.txt containing hello", "passed": False, "failure_message": TASK_HINT}
    ]

    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    page = text(post(client, check_url(hinted_course), htmx=False, key=None))
    assert page.startswith("<!doctype html>")
    assert f'<p id="term-task-reason-1" class="term-task__reason">Hint from the author: {TASK_HINT}</p>' in page
    assert json.dumps(TASK_HINT)[1:-1] in page
