"""The learner's workspace for CODE steps: Run and Submit inside a course embed and a capsule embed,
on the real judge. Who may post, the caps and limits, what the results show (and never show), completion,
and the three answers: an htmx fragment, JSON, and the whole page for a post without JavaScript."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from judges.sandbox import SandboxError
from playlists.models import LearnerEvent, LearnerProgress, Playlist
from playlists.selectors import embed_token, playlist_steps
from playlists.services import playlist_create
from playlists.views._embed_common import learner_token

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
OTHER_KEY = "another-learner-0123456789ab"
CORRECT = "def find_largest(numbers):\n    return sorted(numbers)[-1]\n"  # not the reference's max()
HALF_RIGHT = "def find_largest(numbers):\n    return 5\n"  # right for the visible [1, 5, 2], wrong for the hidden test
LEADING_SPACE = "def find_largest(numbers):\n    return ' ' + str(max(numbers))\n"  # prints " 5": looks right, is not
HIDDEN = capsule_data("CODE")["config_data"]["test_cases"][1]


@pytest.fixture
def code_capsule(owner, make_capsule) -> Capsule:
    return make_capsule(owner, "CODE", status="published", is_public=True)


@pytest.fixture
def course(owner, code_capsule, quick_capsules) -> Playlist:
    """Step 1 a quick capsule, step 2 the judged CODE capsule, step 3 another quick one."""
    first, last = quick_capsules(owner, 2, status="published", is_public=True)
    items = [{"capsule_id": str(c.pk)} for c in (first, code_capsule, last)]
    return playlist_create(creator=owner, title="Python 101", is_public=True, items=items)


def step_url(playlist: Playlist, step: int, action: str, query: str = "") -> str:
    url = reverse(f"playlists:step_{action}", args=[playlist.pk, step])
    return f"{url}?{query}" if query else url


def capsule_url(capsule: Capsule, action: str) -> str:
    return reverse(f"playlists:capsule_{action}", args=[capsule.pk])


def post(client: Client, url: str, code: str, *, htmx: bool = True, key: str | None = KEY, extra: dict | None = None, **headers):
    """A post as the workspace's form sends it (form-encoded; htmx adds HX-Request and the learner key)."""
    if htmx:
        headers["HX-Request"] = "true"
    if key:
        headers["X-Learner-Key"] = learner_token(key)
    body = urlencode({"code": code, **(extra or {})})
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded", headers=headers)


def text(response) -> str:
    return response.content.decode()


# --- Run ------------------------------------------------------------------------------------------------------


def test_run_shows_each_visible_tests_call_expected_and_actual_output_with_whitespace_made_visible(client, course):
    response = post(client, step_url(course, 2, "run"), LEADING_SPACE)
    html = text(response)

    assert response.status_code == 200
    assert 'Test 1: three numbers — <strong class="ws-verdict" data-verdict="WA">Wrong answer</strong>' in html
    assert '<pre class="ws-pre">print(find_largest([1, 5, 2]))</pre>' in html
    assert '5<span class="ws-mark">↵</span>\n</pre>' in html  # expected: 5 and a line end
    assert '<span class="ws-mark">·</span>5<span class="ws-mark">↵</span>\n</pre>' in html  # printed: a space first
    assert '<pre class="visually-hidden"> 5\n</pre>' in html  # the raw text, for screen readers
    assert "is a space" in html and "a line end" in html
    assert "0 of 1 example tests pass. Submit runs them with 1 hidden test." in html


def test_run_never_grades_a_hidden_test_or_completes_the_step(client, course):
    response = post(client, step_url(course, 2, "run"), CORRECT)
    html = text(response)

    assert "All 1 example tests pass. Submit runs them with 1 hidden test." in html
    assert "Hidden test" not in html and HIDDEN["test_call"] not in html
    assert "HX-Trigger" not in response and "step-dots" not in html
    assert not LearnerEvent.objects.exists()


def test_the_live_region_gets_the_result_sentence_out_of_band(client, course):
    html = text(post(client, step_url(course, 2, "run"), CORRECT))

    assert '<p id="ws-status" hx-swap-oob="innerHTML">All 1 example tests pass. Submit runs them with 1 hidden test.</p>' in html


def test_a_compile_error_is_shown_and_not_graded(client, course):
    html = text(post(client, step_url(course, 2, "run"), "def find_largest(:\n"))

    assert "Your code does not compile, so it was not graded." in html
    assert "SyntaxError" in html


# --- Submit ------------------------------------------------------------------------------------------------------


def test_submit_scores_every_test_and_shows_hidden_ones_as_pass_or_fail_only(client, course):
    response = post(client, step_url(course, 2, "submit"), HALF_RIGHT)
    html = text(response)

    assert "Score: <strong>50%</strong> (1 of 2 tests)" in html
    assert 'Hidden test 2 — <strong class="ws-verdict" data-verdict="WA">Wrong answer</strong></p>' in html  # no hint: none written
    assert 'Test 1: three numbers — <strong class="ws-verdict" data-verdict="AC">Passed</strong>' in html
    assert "HX-Trigger" not in response


def test_no_response_ever_carries_a_hidden_tests_call_or_expected_output_or_the_reference(client, course):
    responses = [
        post(client, step_url(course, 2, action), code, **({} if htmx else {"Accept": "application/json"}), htmx=htmx)
        for action in ("run", "submit") for code in (HALF_RIGHT, CORRECT) for htmx in (True, False)
    ]  # fmt: skip

    for response in responses:
        body = text(response)
        assert HIDDEN["test_call"] not in body and "[-3, -1, -7]" not in body
        assert "-1\\n" not in body and "-1↵" not in body
        assert "return max(numbers)" not in body  # the reference solution


def test_a_passing_submit_completes_the_step_marks_its_dot_and_tells_the_host(client, course):
    response = post(client, step_url(course, 2, "submit"), CORRECT)
    html = text(response)

    assert json.loads(response["HX-Trigger"]) == {"codecapsule:step-completed": {"step": 2}}
    dots = re.search(r'<nav class="dots" id="step-dots" aria-label="Steps" hx-swap-oob="true">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'class="dot[^"]*dot--completed" href="[^"]*\?step=(\d)"', dots) == ["2"]
    assert "Step 2 of 3 is complete." in html
    assert '<p id="ws-status" hx-swap-oob="innerHTML">All 2 tests pass. Step 2 complete.</p>' in html
    progress = LearnerProgress.objects.get(learner_key=KEY)
    assert progress.completed_items == [str(playlist_steps(course)[1].item_id)] and progress.completed_at is None


def test_a_step_is_completed_once_however_often_it_passes(client, course):
    for _ in range(3):
        post(client, step_url(course, 2, "submit"), CORRECT)

    assert list(LearnerEvent.objects.values_list("verb", "step")) == [("step-completed", 2)]


def test_a_failing_submit_completes_nothing(client, course):
    response = post(client, step_url(course, 2, "submit"), HALF_RIGHT)

    assert "HX-Trigger" not in response
    assert not LearnerProgress.objects.exists()


def test_solving_the_last_open_step_shows_the_badge_and_tells_the_host_the_course_is_complete(client, owner, code_capsule):
    course = playlist_create(creator=owner, title="One step", is_public=True, items=[{"capsule_id": str(code_capsule.pk)}])

    response = post(client, step_url(course, 1, "submit"), CORRECT)
    html = text(response)

    assert json.loads(response["HX-Trigger"]) == {"codecapsule:step-completed": {"step": 1}, "codecapsule:completed": {"total": 1}}
    assert re.search(r'id="course-footer" hx-swap-oob="true">.*Course Completed! Great job!', html, re.S)
    assert LearnerEvent.objects.filter(verb="completed").count() == 1


def test_the_creators_own_preview_passes_without_counting_as_a_learner(client, owner, course):
    client.force_login(owner)

    response = post(client, step_url(course, 2, "submit"), CORRECT)

    assert response.status_code == 200 and "All 2 tests pass." in text(response)
    assert "this is your own course’s preview" in text(response)
    assert not LearnerEvent.objects.exists()


def test_a_learner_without_a_key_is_graded_given_one_and_not_recorded(client, course):
    response = post(client, step_url(course, 2, "submit"), CORRECT, key=None)

    assert response.status_code == 200 and "All 2 tests pass." in text(response)
    token = response.cookies[settings.EMBED_LEARNER_COOKIE].value
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}:[A-Za-z0-9_-]{43}", token)  # a key the server signed
    assert response["X-Learner-Key"] == token  # embed-frame.js keeps it where cookies are refused
    assert not LearnerProgress.objects.exists()


def test_windows_line_ends_from_a_form_post_are_graded_as_plain_line_ends(client, course):
    html = text(post(client, step_url(course, 2, "submit"), CORRECT.replace("\n", "\r\n")))

    assert "All 2 tests pass." in html


# --- JSON and no JavaScript ------------------------------------------------------------------------------------------


def test_a_json_client_gets_the_result_and_the_completion(client, course):
    response = post(client, step_url(course, 2, "submit"), CORRECT, htmx=False, Accept="application/json")

    body = response.json()
    assert response["Content-Type"] == "application/json"
    assert (body["mode"], body["passed"], body["score"]) == ("submit", True, 1.0)
    assert body["tests"][1] == {"index": 1, "is_hidden": True, "verdict": "AC", "passed": True, "verdict_label": "Passed"}
    assert body["completion"] == {"step": 2, "total": 3, "saved": True, "course_complete": False, "newly_completed_course": False}


def test_without_javascript_a_post_answers_the_whole_page_with_the_results_and_the_code_kept(client, course):
    response = post(client, step_url(course, 2, "submit"), HALF_RIGHT, htmx=False)
    html = text(response)

    assert response.status_code == 200 and html.startswith("<!doctype html>")
    assert "Content-Security-Policy" in response and "frame-ancestors *" in response["Content-Security-Policy"]
    assert f'">{HALF_RIGHT}</textarea>' in html
    assert re.search(r'<div id="ws-results" class="ws-results" aria-label="Results">.*Score: <strong>50%</strong>', html, re.S)
    embed = reverse("playlists:embed_playlist", args=[course.pk])
    assert f'href="{embed}?step=3"' in html  # navigation still points at the course page, not at …/submit
    assert f'<form class="ws-form" method="post" action="{step_url(course, 2, "run")}"' in html


def test_without_javascript_a_passing_submit_shows_the_completed_dot_in_the_page(client, course):
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    html = text(post(client, step_url(course, 2, "submit"), CORRECT, htmx=False, key=None))

    assert html.count("dot--completed") == 1
    assert "Step 2 of 3 is complete." in html


# --- Access ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def private_course(owner, code_capsule) -> Playlist:
    return playlist_create(creator=owner, title="Private", items=[{"capsule_id": str(code_capsule.pk)}])


def test_a_private_course_takes_posts_only_with_its_token_or_from_its_owner(client, owner, other_creator, private_course):
    token = embed_token(private_course)

    assert post(client, step_url(private_course, 1, "run"), CORRECT).status_code == 404
    assert post(client, step_url(private_course, 1, "run", "token=wrong"), CORRECT).status_code == 404
    assert post(client, step_url(private_course, 1, "run", f"token={token}"), CORRECT).status_code == 200
    client.force_login(other_creator)
    assert post(client, step_url(private_course, 1, "run"), CORRECT).status_code == 404
    client.force_login(owner)
    assert post(client, step_url(private_course, 1, "run"), CORRECT).status_code == 200


def test_the_not_found_answer_never_names_the_private_course(client, private_course):
    response = post(client, step_url(private_course, 1, "submit"), CORRECT)

    assert response.status_code == 404
    assert "Playlist or step not found." in text(response) and "Private" not in text(response)


@pytest.mark.parametrize("step", [0, 4, 99])
def test_a_step_out_of_range_is_not_found(client, course, step):
    response = post(client, step_url(course, step, "run"), CORRECT)

    assert response.status_code == 404
    assert not LearnerEvent.objects.exists()


def test_the_token_and_theme_travel_in_the_forms_action(client, private_course):
    token = embed_token(private_course)
    html = text(client.get(reverse("playlists:embed_playlist", args=[private_course.pk]) + f"?step=1&theme=dark&token={token}"))

    assert f'hx-post="{step_url(private_course, 1, "submit")}?theme=dark&amp;token={token}"' in html


def test_a_capsule_embedded_alone_is_run_and_submitted_by_anyone_who_may_read_it(client, code_capsule):
    response = post(client, capsule_url(code_capsule, "submit"), CORRECT)

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"codecapsule:step-completed": {"step": 1}}
    assert "step-dots" not in text(response) and "course-footer" not in text(response)
    assert "Exercise complete." in text(response)
    assert not LearnerProgress.objects.exists()


@pytest.mark.parametrize("state", [{"status": "draft"}, {"is_public": False}])
def test_a_capsule_others_may_not_read_is_not_found(client, other_creator, owner, code_capsule, state):
    Capsule.objects.filter(pk=code_capsule.pk).update(**state)

    assert post(client, capsule_url(code_capsule, "run"), CORRECT).status_code == 404
    client.force_login(other_creator)
    assert post(client, capsule_url(code_capsule, "run"), CORRECT).status_code == 404
    client.force_login(owner)
    assert post(client, capsule_url(code_capsule, "run"), CORRECT).status_code == 200


def test_a_post_for_a_step_whose_capsule_changed_since_the_page_loaded_is_refused(client, course, code_capsule):
    other = playlist_steps(course)[0].capsule_id

    response = post(client, step_url(course, 2, "submit"), CORRECT, extra={"capsule": str(other)})

    assert response.status_code == 409
    assert "This course changed since the page was loaded" in text(response)
    assert post(client, step_url(course, 2, "run"), CORRECT, extra={"capsule": str(code_capsule.pk)}).status_code == 200


def test_a_terminal_step_has_no_run_or_submit(client, owner, make_capsule):
    terminal = make_capsule(owner, "TERMINAL", status="published", is_public=True)
    course = playlist_create(creator=owner, title="Shell", is_public=True, items=[{"capsule_id": str(terminal.pk)}])

    response = post(client, step_url(course, 1, "submit"), "echo hello > hello.txt")

    assert response.status_code == 404
    assert not LearnerProgress.objects.exists()


# --- Caps, limits, CSRF and a judge that is away ------------------------------------------------------------------


def test_code_over_the_size_cap_is_refused_with_a_clear_message_and_never_judged(client, course, monkeypatch, settings):
    settings.JUDGE_MAX_CODE_BYTES = 1024
    monkeypatch.setattr("playlists.views.workspace.grade_attempt", lambda **kwargs: pytest.fail("the judge must not run"))

    response = post(client, step_url(course, 2, "run"), "#" * 1025)

    assert response.status_code == 400
    assert "Your code is 1,025 bytes; the limit is 1,024 bytes." in text(response)


def test_a_body_declared_far_over_the_cap_is_refused_before_it_is_read(client, course, settings):
    settings.JUDGE_MAX_CODE_BYTES = 1024

    response = post(client, step_url(course, 2, "run"), "é" * 3000)  # 6 KB of code, 18 KB once percent-encoded

    assert response.status_code == 400
    assert "over the limit of 1,024 bytes" in text(response)


def test_a_json_client_gets_refusals_as_json(client, course, settings):
    settings.JUDGE_MAX_CODE_BYTES = 1024

    response = post(client, step_url(course, 2, "run"), "#" * 1025, htmx=False, Accept="application/json")

    assert response.status_code == 400 and response.json()["error"].startswith("Your code is 1,025 bytes")


def test_runs_are_rate_limited_per_learner_and_submits_have_their_own_allowance(client, course, settings):
    settings.EMBED_RUNS_PER_MINUTE = 2

    statuses = [post(client, step_url(course, 2, "run"), CORRECT).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    limited = post(client, step_url(course, 2, "run"), CORRECT)
    assert limited["Retry-After"] == "60" and "wait a moment" in text(limited) and "Your code is kept." in text(limited)
    assert post(client, step_url(course, 2, "run"), CORRECT, key=OTHER_KEY).status_code == 200
    assert post(client, step_url(course, 2, "submit"), CORRECT).status_code == 200


def test_one_address_minting_many_learner_keys_is_slowed_down(client, course, settings):
    settings.EMBED_GRADING_PER_MINUTE_PER_ADDRESS = 2

    statuses = [post(client, step_url(course, 2, "run"), CORRECT, key=f"{n}-learner-0123456789abcdef").status_code for n in range(3)]

    assert statuses == [200, 200, 429]


def test_a_judge_that_is_away_answers_503_with_a_retry_and_the_code_stays_in_the_page(client, course, monkeypatch):
    def broken(**kwargs):
        raise SandboxError("bwrap did not report its sandbox in time")

    monkeypatch.setattr("playlists.views.workspace.grade_attempt", broken)

    fragment = post(client, step_url(course, 2, "submit"), CORRECT)
    page = post(client, step_url(course, 2, "submit"), CORRECT, htmx=False)
    as_json = post(client, step_url(course, 2, "run"), CORRECT, htmx=False, Accept="application/json")

    assert (fragment.status_code, page.status_code, as_json.status_code) == (503, 503, 503)
    assert "Grading is unavailable right now — your code is kept." in text(fragment)
    submit = step_url(course, 2, "submit")
    assert f'formaction="{submit}" hx-post="{submit}" data-ws-action="submit">Retry</button>' in text(fragment)
    assert "bwrap" not in text(fragment)  # the judge's insides are not the learner's business
    assert f'">{CORRECT}</textarea>' in text(page)
    assert as_json.json() == {"error": "Grading is unavailable right now — your code is kept; Retry", "completion": None}
    assert not LearnerProgress.objects.exists()


def test_a_post_from_another_site_is_refused(client, course):
    response = post(client, step_url(course, 2, "submit"), CORRECT, Origin="https://evil.example")

    assert response.status_code == 403
    assert not LearnerEvent.objects.exists()


def test_the_embed_itself_needs_no_csrf_token(course):
    response = post(Client(enforce_csrf_checks=True), step_url(course, 2, "run"), CORRECT, Origin="http://testserver")

    assert response.status_code == 200


def test_run_and_submit_only_take_posts(client, course):
    assert client.get(step_url(course, 2, "run")).status_code == 405
    assert client.get(step_url(course, 2, "submit")).status_code == 405


# --- Cost ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [1, 40])
def test_a_passing_submit_costs_the_same_queries_whatever_the_courses_length(
    client, owner, code_capsule, quick_capsules, django_assert_max_num_queries, steps
):
    others = quick_capsules(owner, steps - 1, status="published", is_public=True)
    course = playlist_create(
        creator=owner, title="Long", is_public=True, items=[{"capsule_id": str(c.pk)} for c in [code_capsule, *others]]
    )
    post(client, step_url(course, 1, "submit"), CORRECT, key=OTHER_KEY)  # a first learner: warm caches, same path

    # Playlist, step titles, capsule; then the completion: a savepoint, the locked progress, its insert (in
    # a savepoint of get_or_create's), the update, the event, the release; a one-step course is then complete and
    # gets its summary (one grouped query of the learner's events).
    with django_assert_max_num_queries(12):
        response = post(client, step_url(course, 1, "submit"), CORRECT)
    assert "HX-Trigger" in response
