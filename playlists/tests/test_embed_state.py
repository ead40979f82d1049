"""The learner's state endpoints (`/embed/playlist/<id>/state`, `/embed/capsule/<id>/state`): the one place a
learner's own part of an embed comes from, now that the pages are the same for everyone (test_embed_cache.py).
embed-frame.js asks it once a page is up: the signed learner key (minted here for a new learner), where they left
off, the steps they completed, and a terminal step's saved directory. Never stored by any cache."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from capsules.models import Capsule
from judges.models import TerminalWorkspace
from playlists.models import LearnerEvent, LearnerProgress, Playlist
from playlists.selectors import embed_token, playlist_steps
from playlists.services import playlist_create
from playlists.tests.conftest import append_step, complete_steps, unjudged_capsule
from playlists.views._embed_common import learner_token

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
OTHER_KEY = "another-learner-0123456789ab"


def state_url(playlist: Playlist, query: str = "") -> str:
    url = reverse("playlists:embed_playlist_state", args=[playlist.pk])
    return f"{url}?{query}" if query else url


def complete(playlist: Playlist, *positions: int, key: str = KEY) -> None:
    complete_steps(playlist, key, *positions)


def assert_never_stored(response) -> None:
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control and "public" not in cache_control
    assert "Cookie" in response["Vary"] and "X-Learner-Key" in response["Vary"]


# --- The learner key -------------------------------------------------------------------------------------------


def test_a_new_learner_gets_a_random_signed_key_in_the_answer_its_header_and_a_lax_cookie_over_http(client, course):
    response = client.get(state_url(course))
    body = response.json()
    cookie = response.cookies[settings.EMBED_LEARNER_COOKIE]
    key = cookie.value.split(":")[0]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", key) and learner_token(key) == cookie.value
    assert body["learner_key"] == cookie.value == response["X-Learner-Key"]
    assert cookie["samesite"] == "Lax" and not cookie["secure"] and cookie["httponly"]
    assert cookie["max-age"] == settings.EMBED_LEARNER_COOKIE_AGE
    assert body == {
        "learner_key": cookie.value, "position": 1, "completed_steps": [], "course_complete": False, "terminal_prompt": None, "draft": None
    }
    assert Client().get(state_url(course)).json()["learner_key"] != cookie.value
    assert_never_stored(response)


def test_over_https_the_cookie_is_samesite_none_secure_and_partitioned_so_third_party_iframes_keep_it(client, course):
    cookie = client.get(state_url(course), secure=True).cookies[settings.EMBED_LEARNER_COOKIE]
    assert cookie["samesite"] == "None" and cookie["secure"]
    header = cookie.output(header="Set-Cookie:")
    assert header.startswith(f"Set-Cookie: {settings.EMBED_LEARNER_COOKIE}={cookie.value};")
    assert header.endswith("; Partitioned") and "SameSite=None" in header and "Secure" in header


def test_a_learner_who_already_has_the_cookie_does_not_get_it_again(client, course):
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    response = client.get(state_url(course))
    assert settings.EMBED_LEARNER_COOKIE not in response.cookies
    assert response.json()["learner_key"] == learner_token(KEY)


def test_the_key_embed_frame_js_sends_is_kept_without_telling_it_again(client, course):
    response = client.get(state_url(course), headers={"X-Learner-Key": learner_token(KEY)})
    assert response.json()["learner_key"] == learner_token(KEY)
    assert "X-Learner-Key" not in response


@pytest.mark.parametrize("forged", ["<script>", KEY, learner_token(KEY)[:-1] + "x"])
def test_a_key_the_server_did_not_sign_is_replaced_by_a_fresh_one(client, course, forged):
    client.cookies[settings.EMBED_LEARNER_COOKIE] = forged
    response = client.get(state_url(course))
    fresh = response.json()["learner_key"]
    assert fresh != forged and response.cookies[settings.EMBED_LEARNER_COOKIE].value == fresh


# --- Progress ---------------------------------------------------------------------------------------------------


def test_a_returning_learner_is_told_where_they_left_off_and_which_steps_they_completed(client, course):
    complete(course, 1, 3)
    LearnerProgress.objects.filter(learner_key=KEY).update(position=2)
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    body = client.get(state_url(course)).json()
    assert (body["position"], body["completed_steps"], body["course_complete"]) == (2, [1, 3], False)


def test_the_key_sent_in_the_header_wins_over_the_cookie(client, course):
    LearnerProgress.objects.create(playlist=course, learner_key=KEY, position=3)
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(OTHER_KEY)
    body = client.get(state_url(course), headers={"X-Learner-Key": learner_token(KEY)}).json()
    assert (body["learner_key"], body["position"]) == (learner_token(KEY), 3)


def test_every_step_complete_is_a_complete_course(client, course):
    complete(course, 1, 2, 3)
    body = client.get(state_url(course), headers={"X-Learner-Key": learner_token(KEY)}).json()
    assert body["completed_steps"] == [1, 2, 3] and body["course_complete"] is True


def test_a_step_added_after_the_learner_finished_opens_the_course_again(client, course, owner, quick_capsules):
    complete(course, 1, 2, 3)
    extra = quick_capsules(owner, 1, prefix="Bonus", status="published", is_public=True)[0]
    append_step(course, owner, extra)
    body = client.get(state_url(course), headers={"X-Learner-Key": learner_token(KEY)}).json()
    assert body["completed_steps"] == [1, 2, 3] and body["course_complete"] is False


def test_completed_steps_are_numbered_as_the_course_is_now(client, course, owner, other_creator):
    complete(course, 3)
    first = playlist_steps(course)[0]
    Capsule.objects.filter(pk=first.capsule_id).update(is_public=False)
    course.creator = other_creator  # step 1 is another creator's private capsule now: it drops out
    course.save()
    body = client.get(state_url(course), headers={"X-Learner-Key": learner_token(KEY)}).json()
    assert body["completed_steps"] == [2]


def test_a_resume_position_beyond_a_shortened_course_starts_again_at_step_1(client, course):
    LearnerProgress.objects.create(playlist=course, learner_key=KEY, position=9)
    body = client.get(state_url(course), headers={"X-Learner-Key": learner_token(KEY)}).json()
    assert body["position"] == 1


def test_asking_for_the_state_writes_nothing(client, course):
    client.get(state_url(course))
    client.get(state_url(course), headers={"X-Learner-Key": learner_token(KEY)})
    assert not LearnerProgress.objects.exists() and not LearnerEvent.objects.exists()


def test_the_state_costs_the_same_few_queries_whatever_the_courses_length(client, owner, quick_capsules, django_assert_num_queries):
    for count in (1, 200):
        capsules = quick_capsules(owner, count, prefix=f"N{count}", status="published", is_public=True)
        playlist = playlist_create(creator=owner, title=f"{count}", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])
        LearnerProgress.objects.create(playlist=playlist, learner_key=KEY, position=count)
        with django_assert_num_queries(3):  # the playlist, the learner's progress, the step ids
            assert client.get(state_url(playlist), headers={"X-Learner-Key": learner_token(KEY)}).json()["position"] == count
        with django_assert_num_queries(1):  # a stranger: nothing to look up but the playlist
            assert Client().get(state_url(playlist)).json()["position"] == 1


# --- Access -----------------------------------------------------------------------------------------------------


def test_a_private_courses_state_needs_its_token_or_its_owner(client, owner, other_creator, private_course):
    assert client.get(state_url(private_course)).status_code == 404
    assert client.get(state_url(private_course, "token=forged")).status_code == 404
    response = client.get(state_url(private_course, f"token={embed_token(private_course)}"))
    assert response.status_code == 200
    assert_never_stored(response)
    client.force_login(other_creator)
    assert client.get(state_url(private_course)).status_code == 404
    client.force_login(owner)
    assert client.get(state_url(private_course)).status_code == 200


def test_an_unknown_course_has_no_state_and_the_404_is_not_stored(client):
    response = client.get("/embed/playlist/00000000-0000-0000-0000-000000000000/state")
    assert response.status_code == 404 and response.json() == {"error": "Playlist or step not found"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_the_state_only_answers_reads(client, course):
    assert client.post(state_url(course)).status_code == 405


# --- Terminal steps -----------------------------------------------------------------------------------------------


@pytest.fixture
def terminal_course(owner, quick_capsules) -> tuple[Playlist, Capsule]:
    terminal = unjudged_capsule(owner, title="Shell", capsule_type="TERMINAL", status="published", is_public=True)
    terminal.save()
    first = quick_capsules(owner, 1, status="published", is_public=True)[0]
    playlist = playlist_create(
        creator=owner, title="Shell 101", is_public=True, items=[{"capsule_id": str(c.pk)} for c in (first, terminal)]
    )
    return playlist, terminal


def saved_workspace(capsule: Capsule, key: str, cwd: str) -> None:
    TerminalWorkspace.objects.create(capsule=capsule, learner_key=key, cwd=cwd, expires_at=timezone.now() + timedelta(hours=1))


def test_a_terminal_steps_state_names_the_prompt_of_the_learners_saved_directory(client, terminal_course):
    playlist, terminal = terminal_course
    saved_workspace(terminal, KEY, "/home/learner/data")
    saved_workspace(terminal, OTHER_KEY, "/tmp")
    headers = {"X-Learner-Key": learner_token(KEY)}
    assert client.get(state_url(playlist, "step=2"), headers=headers).json()["terminal_prompt"] == "learner:~/data$"
    assert client.get(state_url(playlist, "step=1"), headers=headers).json()["terminal_prompt"] is None
    assert client.get(state_url(playlist, "step=9"), headers=headers).json()["terminal_prompt"] is None
    assert client.get(state_url(playlist, "step=two"), headers=headers).status_code == 200


def test_a_learner_without_a_workspace_starts_at_home_and_a_stranger_is_told_nothing(client, terminal_course):
    playlist, _ = terminal_course
    assert (
        client.get(state_url(playlist, "step=2"), headers={"X-Learner-Key": learner_token(KEY)}).json()["terminal_prompt"] == "learner:~$"
    )
    assert Client().get(state_url(playlist, "step=2")).json()["terminal_prompt"] is None


# --- A capsule on its own ---------------------------------------------------------------------------------------


def capsule_state_url(capsule: Capsule) -> str:
    return reverse("playlists:embed_capsule_state", args=[capsule.pk])


def test_a_capsules_state_is_the_learner_key_and_its_terminals_saved_directory(client, terminal_course):
    _, terminal = terminal_course
    saved_workspace(terminal, KEY, "/home/learner/notes")
    response = client.get(capsule_state_url(terminal), headers={"X-Learner-Key": learner_token(KEY)})
    assert response.json() == {"learner_key": learner_token(KEY), "terminal_prompt": "learner:~/notes$", "draft": None}
    assert_never_stored(response)
    fresh = Client().get(capsule_state_url(terminal))
    assert fresh.json()["terminal_prompt"] is None and fresh.cookies[settings.EMBED_LEARNER_COOKIE]


def test_a_capsule_others_may_not_read_has_no_state_for_them(client, owner, quick_capsules):
    draft = quick_capsules(owner, 1, status="draft")[0]
    assert client.get(capsule_state_url(draft)).status_code == 404
    client.force_login(owner)
    assert client.get(capsule_state_url(draft)).status_code == 200
