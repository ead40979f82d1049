"""The analytics page /playlists/<id>/analytics: what the owner sees, the period links, the empty state, who
may not see it, and a query count that does not grow with learners or steps."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from playlists.services import playlist_create
from playlists.tests.conftest import append_step
from playlists.tests.test_analytics import build_course, complete_step, move_events, open_step

pytestmark = pytest.mark.django_db


def analytics_url(playlist) -> str:
    return reverse("playlists:analytics", kwargs={"playlist_id": playlist.playlist_id})


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.fixture
def course(owner, make_capsule):
    return build_course(owner, make_capsule)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


# --- The owner -----------------------------------------------------------------------------------------------


def test_the_owner_sees_learners_completions_and_the_rate(owner_client, course):
    response = owner_client.get(analytics_url(course.playlist))

    page = text(response.content.decode())
    assert response.status_code == 200
    assert "Learners 4 4 all time" in page
    assert "Completed 1 finished the playlist" in page
    assert "Completion rate 25.0%" in page


def test_the_funnel_is_a_table_of_steps_with_bars_and_visible_numbers(owner_client, course):
    html = owner_client.get(analytics_url(course.playlist)).content.decode()

    page = text(html)
    assert "1 Code Variables 4 (100.0%) 2" in page
    assert "2 Code Loops 2 (50.0%) 1" in page
    assert "3 Code Functions 1 (25.0%) 1" in page
    assert 'style="width: 50.0%"' in html and 'style="width: 25.0%"' in html
    assert '<span class="bar" aria-hidden="true">' in html
    assert "The biggest drop is after step 1, Variables : 100.0% of learners open it, 50.0% open step 2." in page


def test_the_daily_chart_is_an_image_with_a_label_and_a_table_of_every_day(owner_client, course):
    html = owner_client.get(analytics_url(course.playlist)).content.decode()

    assert re.search(r'<svg class="daily-chart__svg"[^>]* role="img" aria-labelledby="daily-chart-label">', html)
    assert "peak 4, 4 learner-days in all" in html
    assert html.count('<rect class="daily-chart__bar"') == 30
    today = timezone.localdate()
    assert f'<time datetime="{today:%Y-%m-%d}">{today:%a, %b} {today.day}</time></th><td>4</td>' in html


def test_the_page_runs_no_script_of_its_own(owner_client, course):
    assert "<script" not in main_of(owner_client.get(analytics_url(course.playlist)).content.decode())


# --- The period ----------------------------------------------------------------------------------------------


def test_the_default_period_is_30_days_and_its_link_is_marked_current(owner_client, course):
    response = owner_client.get(analytics_url(course.playlist))

    assert response.context["days"] == 30
    html = response.content.decode()
    assert '<a class="button button--small button--secondary" href="?days=30" aria-current="page">30 days</a>' in html
    assert '<a class="button button--small button--ghost" href="?days=all">All time</a>' in html


def test_a_shorter_period_leaves_out_older_learners(owner_client, course):
    move_events("bob", timezone.now() - timedelta(days=10))

    page = text(owner_client.get(analytics_url(course.playlist), {"days": 7}).content.decode())

    assert "Learners 3 4 all time" in page and "Completion rate 33.3%" in page
    assert "last 7 days" in page


def test_all_time_takes_in_the_oldest_learners(owner_client, course):
    move_events("bob", timezone.now() - timedelta(days=200))

    assert owner_client.get(analytics_url(course.playlist), {"days": 90}).context["analytics"].learners == 3
    response = owner_client.get(analytics_url(course.playlist), {"days": "all"})
    page = text(response.content.decode())
    assert "Every learner since the playlist was shared." in page
    assert "Learners 4 Completed" in page  # no "all time" note when the period is all time


def test_a_period_with_no_learners_says_so_and_links_to_all_time(owner_client, course):
    for learner in ("ada", "bob", "cy", "dee"):
        move_events(learner, timezone.now() - timedelta(days=60))

    html = owner_client.get(analytics_url(course.playlist), {"days": 7}).content.decode()

    assert "No learner opened the playlist in this period." in text(html)
    assert 'href="?days=all">See all time</a>' in html
    assert "Completion rate —" in text(html)


def test_an_unknown_period_falls_back_to_30_days(owner_client, course):
    assert owner_client.get(analytics_url(course.playlist), {"days": "forever"}).context["days"] == 30


# --- Nobody yet ------------------------------------------------------------------------------------------------


def test_a_playlist_nobody_opened_shows_how_to_share_it(owner_client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE", title="Variables")
    playlist = playlist_create(creator=owner, title="Fresh", items=[{"capsule_id": str(capsule.pk)}])

    html = owner_client.get(analytics_url(playlist)).content.decode()

    assert "No learner has opened this playlist yet" in html
    share = reverse("playlists:share", kwargs={"playlist_id": playlist.playlist_id})
    assert f'<a class="button button--primary" href="{share}">Share or embed the playlist</a>' in html
    assert "period-nav" not in html and "daily-chart" not in main_of(html)


def test_a_playlist_with_learners_has_no_empty_state(owner_client, course):
    assert "No learner has opened this playlist yet" not in owner_client.get(analytics_url(course.playlist)).content.decode()


# --- Everyone else ------------------------------------------------------------------------------------------


def test_another_creator_gets_403_for_a_public_playlist(client, other_creator, course):
    client.force_login(other_creator)

    assert course.playlist.is_public
    assert client.get(analytics_url(course.playlist)).status_code == 403


def test_another_creator_gets_404_for_a_private_playlist(client, other_creator, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    playlist = playlist_create(creator=owner, title="Private", is_public=False, items=[{"capsule_id": str(capsule.pk)}])
    open_step(playlist, "ada", 1)
    client.force_login(other_creator)

    assert client.get(analytics_url(playlist)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, course):
    response = client.get(analytics_url(course.playlist))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_playlist_that_does_not_exist_is_404(owner_client):
    url = reverse("playlists:analytics", kwargs={"playlist_id": "00000000-0000-0000-0000-000000000000"})

    assert owner_client.get(url).status_code == 404


def test_the_page_only_answers_get(owner_client, course):
    assert owner_client.post(analytics_url(course.playlist)).status_code == 405


# --- The cost ---------------------------------------------------------------------------------------------------


def test_the_page_takes_the_same_queries_with_more_learners_and_steps(owner_client, course, make_capsule, django_assert_num_queries):
    # session, user, playlist, then the four of playlist_analytics
    with django_assert_num_queries(7):
        owner_client.get(analytics_url(course.playlist))

    append_step(course.playlist, course.owner, make_capsule(course.owner, "CODE", title="Classes"))
    for number in range(15):
        for step in range(1, 5):
            open_step(course.playlist, f"learner-{number}", step)
        complete_step(course.playlist, f"learner-{number}", 1)

    with django_assert_num_queries(7):
        response = owner_client.get(analytics_url(course.playlist))
    assert "Learners 19" in text(response.content.decode())
