"""The completion summary a learner sees on finishing a course: each step with its title, its result and the
time from their first view of it to its completion (their LearnerEvents), drawn with an SVG icon (no emoji)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from playlists.models import LearnerEvent, LearnerProgress, Playlist
from playlists.selectors import embed_step, learner_progress, playlist_steps
from playlists.services import progress_record_view
from playlists.tests.conftest import complete_steps
from playlists.views._embed_common import EmbedOptions, StepOutcome, course_context, format_duration

pytestmark = pytest.mark.django_db

KEY = "summary-learner-0123456789ab"


def view(playlist: Playlist, position: int, key: str = KEY) -> None:
    steps = playlist_steps(playlist)
    progress_record_view(playlist=playlist, learner_key=key, step=position, item_id=steps[position - 1].item_id)


def shift_events(playlist: Playlist, verb: str, position: int, by: timedelta) -> None:
    """Move a step's recorded events in time, as if the learner had taken that long."""
    events = LearnerEvent.objects.filter(playlist=playlist, learner_key=KEY, verb=verb, step=position)
    for event in events:
        LearnerEvent.objects.filter(pk=event.pk).update(created_at=event.created_at + by)


def context_for(playlist: Playlist, position: int, key: str = KEY) -> dict:
    return course_context(embed_step(playlist, position), EmbedOptions(), learner_progress(playlist, key))


def test_a_completed_course_lists_every_step_with_its_result_and_the_time_from_first_view_to_completion(course):
    for position in (1, 2, 3):
        view(course, position)
    view(course, 1)  # a second look does not restart the clock: the first view counts
    complete_steps(course, KEY, 1, 2, 3)
    shift_events(course, "step-completed", 1, timedelta(seconds=42))
    shift_events(course, "step-completed", 2, timedelta(minutes=3, seconds=5))
    LearnerProgress.objects.filter(playlist=course, learner_key=KEY).update(
        started_at=timezone.now() - timedelta(minutes=12), completed_at=timezone.now()
    )

    context = context_for(course, 3)

    assert context["course_complete"] is True
    assert [(o.position, o.title, o.done) for o in context["completion_steps"]] == [
        (1, "Step 1", True), (2, "Step 2", True), (3, "Step 3", True),
    ]  # fmt: skip
    times = [o.time_taken for o in context["completion_steps"]]
    assert times[0] == "42 s" and times[1] == "3 min 5 s" and re.fullmatch(r"\d+ s", times[2])
    assert context["completion_time"] == "12 min"


def test_a_step_completed_without_a_recorded_view_has_no_time_rather_than_a_wrong_one(course):
    view(course, 2)
    complete_steps(course, KEY, 1, 2, 3)

    outcomes = context_for(course, 1)["completion_steps"]

    assert [o.time_taken for o in outcomes][0] == "" and outcomes[1].time_taken.endswith(" s")


def test_no_summary_before_the_course_is_complete_nor_for_the_page_everyone_shares(course):
    complete_steps(course, KEY, 1, 2)

    assert context_for(course, 3)["completion_steps"] == []
    shared = course_context(embed_step(course, 3), EmbedOptions(), None)
    assert shared["completion_steps"] == [] and shared["completion_time"] == ""


def test_another_learners_events_do_not_count(course):
    view(course, 1, key="someone-else-0123456789abc")
    complete_steps(course, KEY, 1, 2, 3)

    assert [o.time_taken for o in context_for(course, 1)["completion_steps"]] == ["", "", ""]


def test_the_footer_draws_the_summary_with_an_svg_icon_and_no_emoji(course):
    for position in (1, 2, 3):
        view(course, position)
    complete_steps(course, KEY, 1, 2, 3)

    html = render_to_string("playlists/embed/playlist.html#footer", context_for(course, 2))

    badge = re.search(r'<p class="completion-badge" role="status">(.*?)</p>', html, re.S).group(1)
    assert re.search(r'<svg class="completion__icon"[^>]*aria-hidden="true"', badge)
    assert badge.strip().endswith("Course Completed! Great job!")
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td>', html)
    assert rows == [("1. Step 1", "Passed"), ("2. Step 2", "Passed"), ("3. Step 3", "Passed")]
    assert not re.search("[\U0001F300-\U0001FAFF]", html)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0 s"), (59.6, "1 min"), (61, "1 min 1 s"), (3600, "1 h"), (3720, "1 h 2 min"), (3 * 86400, "3 days"), (-5, "0 s")],
)
def test_durations_read_like_a_person_would_say_them(seconds, shown):
    assert format_duration(seconds) == shown


def test_step_outcome_is_a_plain_value():
    assert StepOutcome(position=1, title="A", done=True, time_taken="1 s") == StepOutcome(1, "A", True, "1 s")
