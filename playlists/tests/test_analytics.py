"""Creator analytics of a playlist (playlists/analytics.py): the numbers on events recorded by the real progress
services, per-step counts that follow items through a reorder, the period, the daily chart and the fixed
query count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from playlists.analytics import DAILY_ACTIVE_DAYS, analytics_days, playlist_analytics
from playlists.models import LearnerEvent, Playlist
from playlists.selectors import playlist_steps
from playlists.services import playlist_create, playlist_set_items, progress_record_step_completed, progress_record_view
from playlists.tests.conftest import append_step

pytestmark = pytest.mark.django_db

TITLES = ("Variables", "Loops", "Functions")


# --- Learners, through the services the embed page calls ---------------------------------------------------


def open_step(playlist: Playlist, learner: str, step: int) -> None:
    steps = playlist_steps(playlist)
    progress_record_view(playlist=playlist, learner_key=learner, step=step, item_id=steps[step - 1].item_id)


def complete_step(playlist: Playlist, learner: str, step: int) -> None:
    steps = playlist_steps(playlist)
    progress_record_step_completed(
        playlist=playlist,
        learner_key=learner,
        step=step,
        item_id=steps[step - 1].item_id,
        all_item_ids=[summary.item_id for summary in steps],
    )


def move_events(learner: str, when: datetime) -> None:
    """Pretend everything `learner` did happened at `when` (created_at is auto_now_add)."""
    LearnerEvent.objects.filter(learner_key=learner).update(created_at=when)


@dataclass
class Course:
    playlist: Playlist
    owner: object


def build_course(owner, make_capsule) -> Course:
    """Variables → Loops → Functions, and four learners:

    ada   opens steps 1, 2 and 3, completes steps 1, 2 and 3 (which completes the course)
    bob   opens steps 1 and 2, completes step 1
    cy    opens step 1 twice
    dee   opens step 1
    """
    capsules = [make_capsule(owner, "CODE", title=title) for title in TITLES]
    playlist = playlist_create(
        creator=owner, title="Python basics", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules]
    )
    for step in (1, 2, 3):
        open_step(playlist, "ada", step)
    complete_step(playlist, "ada", 1)
    complete_step(playlist, "ada", 2)
    complete_step(playlist, "ada", 3)
    open_step(playlist, "bob", 1)
    open_step(playlist, "bob", 2)
    complete_step(playlist, "bob", 1)
    open_step(playlist, "cy", 1)
    open_step(playlist, "cy", 1)
    open_step(playlist, "dee", 1)
    return Course(playlist=playlist, owner=owner)


@pytest.fixture
def course(owner, make_capsule) -> Course:
    return build_course(owner, make_capsule)


def funnel(analytics) -> list[tuple]:
    return [(step.position, step.title, step.viewed, step.viewed_percent, step.completed) for step in analytics.steps]


# --- Learners and completions --------------------------------------------------------------------------------


def test_it_counts_learners_those_who_completed_and_the_completion_rate(course):
    analytics = playlist_analytics(course.playlist, days=30)

    assert (analytics.learners, analytics.completed, analytics.completion_percent) == (4, 1, 25.0)
    assert analytics.learners_all_time == 4 and analytics.has_learners


def test_each_step_counts_the_distinct_learners_who_opened_it_and_who_completed_it(course):
    assert funnel(playlist_analytics(course.playlist, days=30)) == [
        (1, "Variables", 4, 100.0, 2),  # cy opened it twice: one learner
        (2, "Loops", 2, 50.0, 1),
        (3, "Functions", 1, 25.0, 1),
    ]


def test_completing_a_step_twice_counts_once(course):
    complete_step(course.playlist, "bob", 1)

    assert playlist_analytics(course.playlist).steps[0].completed == 2


def test_the_biggest_drop_is_between_the_steps_where_most_learners_stop(course):
    before, after = playlist_analytics(course.playlist).biggest_drop

    assert (before.position, after.position) == (1, 2)  # 4 → 2, then 2 → 1


def test_after_a_reorder_each_step_keeps_the_history_of_its_capsule(course):
    capsules = {step.title: step.capsule_id for step in playlist_steps(course.playlist)}
    playlist_set_items(
        playlist=course.playlist, actor=course.owner, capsule_ids=[capsules["Functions"], capsules["Variables"], capsules["Loops"]]
    )

    assert funnel(playlist_analytics(course.playlist)) == [
        (1, "Functions", 1, 25.0, 1),
        (2, "Variables", 4, 100.0, 2),
        (3, "Loops", 2, 50.0, 1),
    ]


def test_a_removed_step_leaves_the_funnel_but_its_learners_still_count(course):
    variables, _loops, functions = playlist_steps(course.playlist)
    playlist_set_items(playlist=course.playlist, actor=course.owner, capsule_ids=[variables.capsule_id, functions.capsule_id])

    analytics = playlist_analytics(course.playlist)

    assert [(step.position, step.title, step.viewed) for step in analytics.steps] == [(1, "Variables", 4), (2, "Functions", 1)]
    assert analytics.learners == 4


def test_a_new_step_starts_with_no_learners(course, make_capsule):
    capsule = make_capsule(course.owner, "CODE", title="Classes")
    append_step(course.playlist, course.owner, capsule)

    assert funnel(playlist_analytics(course.playlist))[-1] == (4, "Classes", 0, 0.0, 0)


def test_events_of_another_playlist_do_not_count(course, owner):
    other = playlist_create(
        creator=owner, title="Another", items=[{"capsule_id": str(playlist_steps(course.playlist)[0].capsule_id)}]
    )
    open_step(other, "eve", 1)
    open_step(other, "ada", 1)

    analytics = playlist_analytics(course.playlist)

    assert analytics.learners == 4 and analytics.steps[0].viewed == 4
    assert playlist_analytics(other).learners == 2


# --- The period ------------------------------------------------------------------------------------------


def test_the_period_leaves_out_learners_who_were_active_only_before_it(course):
    now = timezone.now()
    move_events("bob", now - timedelta(days=10))

    week = playlist_analytics(course.playlist, days=7, now=now)

    assert (week.learners, week.completed, week.completion_percent) == (3, 1, 33.3)
    assert funnel(week) == [(1, "Variables", 3, 100.0, 1), (2, "Loops", 1, 33.3, 1), (3, "Functions", 1, 33.3, 1)]
    assert week.learners_all_time == 4
    assert playlist_analytics(course.playlist, days=30, now=now).learners == 4


def test_a_completion_before_the_period_is_not_one_of_its_completions(course):
    now = timezone.now()
    move_events("ada", now - timedelta(days=45))

    assert playlist_analytics(course.playlist, days=30, now=now).completed == 0
    assert playlist_analytics(course.playlist, days=90, now=now).completed == 1


def test_all_time_takes_in_every_event(course):
    now = timezone.now()
    move_events("ada", now - timedelta(days=400))

    analytics = playlist_analytics(course.playlist, days=None, now=now)

    assert (analytics.days, analytics.since) == (None, None)
    assert (analytics.learners, analytics.completed) == (4, 1)


def test_the_period_ends_at_now(course):
    now = timezone.now()
    move_events("dee", now + timedelta(hours=1))  # not yet, as far as `now` is concerned

    assert playlist_analytics(course.playlist, days=7, now=now).learners == 3


@pytest.mark.parametrize(
    ("value", "days"), [("7", 7), ("30", 30), ("90", 90), ("all", None), (None, 30), ("365", 30), ("week", 30), ("", 30)]
)
def test_the_period_is_one_of_the_offered_ones_or_30_days(value, days):
    assert analytics_days(value) == days


# --- Daily active learners ---------------------------------------------------------------------------------


def test_daily_active_learners_cover_the_last_30_days_and_count_a_learner_once_a_day(course):
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    move_events("ada", noon - timedelta(days=3))
    move_events("bob", noon - timedelta(days=40))  # before the window
    move_events("cy", noon - timedelta(hours=1))  # two events today
    move_events("dee", noon - timedelta(hours=2))

    daily = playlist_analytics(course.playlist, days=7, now=noon).daily

    assert len(daily) == DAILY_ACTIVE_DAYS
    assert daily[-1].day == noon.date() and daily[0].day == noon.date() - timedelta(days=DAILY_ACTIVE_DAYS - 1)
    assert (daily[-1].learners, daily[-1].percent_of_peak) == (2, 100.0)
    assert (daily[-4].learners, daily[-4].percent_of_peak) == (1, 50.0)
    assert sum(day.learners for day in daily) == 3


def test_a_learner_active_on_two_days_counts_on_each(course):
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    move_events("ada", noon - timedelta(days=1))
    for learner in ("bob", "cy", "dee"):
        move_events(learner, noon - timedelta(days=20))
    open_step(course.playlist, "ada", 2)
    LearnerEvent.objects.filter(pk=LearnerEvent.objects.latest("id").pk).update(created_at=noon)

    analytics = playlist_analytics(course.playlist, now=noon)

    assert [day.learners for day in analytics.daily[-2:]] == [1, 1]
    assert (analytics.daily_peak, analytics.daily_total) == (3, 5)


# --- Nobody yet, and the cost -------------------------------------------------------------------------------


def test_a_playlist_nobody_opened_has_steps_but_no_learners_or_rate(owner, make_capsule):
    capsule = make_capsule(owner, "CODE", title="Variables")
    playlist = playlist_create(creator=owner, title="Fresh", items=[{"capsule_id": str(capsule.pk)}])

    analytics = playlist_analytics(playlist)

    assert not analytics.has_learners
    assert (analytics.learners, analytics.completed, analytics.completion_percent) == (0, 0, None)
    assert funnel(analytics) == [(1, "Variables", 0, 0.0, 0)]
    assert analytics.biggest_drop is None
    assert analytics.daily_peak == 0 and {day.percent_of_peak for day in analytics.daily} == {0.0}


def test_it_takes_four_queries_whatever_the_number_of_steps_and_events(course, make_capsule, django_assert_num_queries):
    with django_assert_num_queries(4):
        playlist_analytics(course.playlist, days=30)

    append_step(course.playlist, course.owner, make_capsule(course.owner, "CODE", title="Classes"))
    for number in range(20):
        for step in range(1, 5):
            open_step(course.playlist, f"learner-{number}", step)
            complete_step(course.playlist, f"learner-{number}", step)

    with django_assert_num_queries(4):
        analytics = playlist_analytics(course.playlist, days=30)
    assert analytics.learners == 24 and analytics.completed == 21 and len(analytics.steps) == 4
