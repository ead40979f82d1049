"""Completing steps and courses: only a passing submit completes a step, recorded once; the
course is complete when every step is; the badge shows only then, and the last step otherwise says how far
the learner got. The shared glue in playlists/views/workspace.py: record_completion and the htmx answer
with the step dots and footer out of band and the HX-Trigger events embed-frame.js forwards to the host."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from playlists.models import LearnerEvent, LearnerProgress, Playlist
from playlists.selectors import embed_step, learner_progress, playlist_steps
from playlists.services import playlist_create, progress_record_view
from playlists.tests.conftest import complete_steps
from playlists.views._embed_common import EmbedOptions, Learner, course_context, learner_token, step_location
from playlists.views.workspace import (
    Completion,
    WorkspaceTarget,
    capsule_completion,
    record_completion,
    workspace_response,
)

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
TOKEN = learner_token(KEY)
LEARNER = Learner(key=KEY, token=TOKEN, known=True, in_cookie=False)
SUMMARY = "playlists/embed/workspace/_results.html#summary"


def complete(playlist: Playlist, *positions: int, key: str = KEY) -> None:
    complete_steps(playlist, key, *positions)


def page(client, playlist: Playlist, step: int) -> str:
    """The footer of `step` as this learner's answers render it (a passing submit's out-of-band swap, a post
    without JavaScript). The page itself is the same for everyone: embed-frame.js applies the same rule to it
    from the learner's state (test_embed_state.py; in a browser, tests/browser/test_embed_shared_page.py)."""
    progress = learner_progress(playlist, KEY)
    context = course_context(embed_step(playlist, step), EmbedOptions(), progress)
    return render_to_string("playlists/embed/playlist.html#footer", context)


def learner_request(*, htmx: bool = True, user=None, query: str = ""):
    request = RequestFactory().post("/workspace" + (f"?{query}" if query else ""), headers={"HX-Request": "true"} if htmx else {})
    request.user = user or AnonymousUser()
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]  # as django-htmx's middleware does
    return request


# --- Viewing completes nothing ----------------------------------------------------------------------------------


def test_viewing_the_last_step_no_longer_completes_the_course(course):
    steps = playlist_steps(course)
    progress = progress_record_view(playlist=course, learner_key=KEY, step=3, item_id=steps[2].item_id)

    assert progress.position == 3 and progress.completed_at is None
    assert list(LearnerEvent.objects.values_list("verb", flat=True)) == ["viewed"]


# --- The badge rule ---------------------------------------------------------------------------------------------


def test_the_last_step_of_an_unfinished_course_says_how_far_the_learner_got_and_links_the_open_steps(client, course):
    complete(course, 2)

    html = page(client, course, 3)

    assert "Course Completed" not in html
    assert "You reached the end — 1 of 3 steps complete." in html
    still_open = re.search(r'<p class="course-end__open">(.*?)</p>', html, re.S).group(1)
    assert re.findall(r'<a href="[^"]*\?step=(\d)"[^>]*>Step \d: Step \d</a>', still_open) == ["1", "3"]


def test_the_badge_shows_once_every_step_is_complete_on_any_step(client, course):
    complete(course, 1, 2, 3)

    for step in (1, 3):
        html = page(client, course, step)
        assert "Course Completed! Great job!" in html
        assert "You reached the end" not in html


def test_a_step_added_after_the_learner_finished_opens_the_course_again(client, course, owner, quick_capsules):
    complete(course, 1, 2, 3)
    extra = quick_capsules(owner, 1, prefix="Bonus", status="published", is_public=True)[0]
    items = [{"capsule_id": str(step.capsule_id)} for step in playlist_steps(course)] + [{"capsule_id": str(extra.pk)}]
    course = playlist_create(creator=owner, title="Longer", is_public=True, items=items)
    complete(course, 1, 2, 3)

    html = page(client, course, 4)

    assert "Course Completed" not in html and "You reached the end — 3 of 4 steps complete." in html


def test_a_middle_step_of_an_unfinished_course_shows_neither(client, course):
    html = page(client, course, 2)

    assert "Course Completed" not in html and "You reached the end" not in html


# --- record_completion --------------------------------------------------------------------------------------------


def test_completing_a_step_records_it_once(course):
    step = embed_step(course, 2)

    first = record_completion(learner_request(), playlist=course, step=step, learner=LEARNER)
    again = record_completion(learner_request(), playlist=course, step=step, learner=LEARNER)

    assert (first.step, first.total, first.saved, first.course_complete) == (2, 3, True, False)
    assert again.saved and not again.newly_completed_course
    assert list(LearnerEvent.objects.values_list("verb", "step")) == [("step-completed", 2)]
    assert LearnerProgress.objects.get().completed_items == [str(step.current.item_id)]


def test_completing_the_last_open_step_completes_the_course_once(course):
    complete(course, 1, 3)

    completion = record_completion(learner_request(), playlist=course, step=embed_step(course, 2), learner=LEARNER)
    again = record_completion(learner_request(), playlist=course, step=embed_step(course, 2), learner=LEARNER)

    assert completion.course_complete and completion.newly_completed_course
    assert again.course_complete and not again.newly_completed_course
    assert LearnerEvent.objects.filter(verb="completed").count() == 1
    assert LearnerProgress.objects.get().completed_at is not None


def test_the_creators_own_preview_is_told_it_passed_but_nothing_is_recorded(course, owner):
    completion = record_completion(learner_request(user=owner), playlist=course, step=embed_step(course, 1), learner=LEARNER)

    assert not completion.saved and completion.step == 1
    assert not LearnerEvent.objects.exists() and not LearnerProgress.objects.exists()


def test_a_learner_without_a_key_we_know_has_no_progress_to_keep(course):
    stranger = Learner(key=KEY, token=TOKEN, known=False, in_cookie=False)

    completion = record_completion(learner_request(), playlist=course, step=embed_step(course, 1), learner=stranger)

    assert not completion.saved
    assert not LearnerProgress.objects.exists()


def test_the_trigger_names_the_step_and_the_course_only_when_it_became_complete():
    step_only = Completion(step=2, total=3, saved=True, course_complete=False, newly_completed_course=False)
    course_done = Completion(step=3, total=3, saved=True, course_complete=True, newly_completed_course=True)

    assert step_only.trigger() == {"codecapsule:step-completed": {"step": 2}}
    assert course_done.trigger() == {"codecapsule:step-completed": {"step": 3}, "codecapsule:completed": {"total": 3}}
    assert capsule_completion().trigger() == {"codecapsule:step-completed": {"step": 1}}


# --- The htmx answer to a passing submit ----------------------------------------------------------------------------


def respond(request, course: Playlist, position: int, completion: Completion | None):
    step = embed_step(course, position)
    options = EmbedOptions.from_query(request.GET)
    target = WorkspaceTarget(capsule=step.capsule, options=options, learner=LEARNER, location=step_location(step, options), step=step)
    return workspace_response(
        request, target, results_template=SUMMARY, context={"passed": True}, json_body={"passed": True},
        status_message="All 2 tests pass.", completion=completion,
    )  # fmt: skip


def test_a_passing_submit_marks_the_dot_and_swaps_the_footer_out_of_band_and_triggers_the_host_events(course):
    complete(course, 1, 3)
    request = learner_request()
    completion = record_completion(request, playlist=course, step=embed_step(course, 2), learner=LEARNER)

    response = respond(request, course, 2, completion)
    html = response.content.decode()

    assert json.loads(response["HX-Trigger"]) == {"codecapsule:step-completed": {"step": 2}, "codecapsule:completed": {"total": 3}}
    dots = re.search(r'<nav class="dots" id="step-dots" aria-label="Steps" hx-swap-oob="true">(.*?)</nav>', html, re.S).group(1)
    assert dots.count("dot--completed") == 3
    assert re.search(r'<footer class="course-footer" id="course-footer" hx-swap-oob="true">.*Course Completed! Great job!', html, re.S)
    assert '<p id="ws-status" hx-swap-oob="innerHTML">All 2 tests pass.</p>' in html
    assert "Step 2 is complete, and so is the whole course." in html
    assert "<html" not in html


def test_with_the_dots_hidden_only_the_footer_is_swapped(course):
    request = learner_request(query="progress=false")
    completion = record_completion(request, playlist=course, step=embed_step(course, 1), learner=LEARNER)

    html = respond(request, course, 1, completion).content.decode()

    assert 'id="step-dots"' not in html
    assert 'id="course-footer" hx-swap-oob="true"' in html


def test_a_result_that_completes_nothing_has_no_out_of_band_course_parts_or_trigger(course):
    response = respond(learner_request(), course, 1, None)

    assert "HX-Trigger" not in response
    assert "step-dots" not in response.content.decode() and "course-footer" not in response.content.decode()
