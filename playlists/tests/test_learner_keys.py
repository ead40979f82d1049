"""Learner keys the server issues and signs (playlists/views/_embed_common.py): only those name a learner."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from playlists.models import LearnerProgress
from playlists.services import playlist_create
from playlists.views._embed_common import learner_of, learner_token

KEY = "learner-key-0123456789abcdef"


def learner_with(*, header: str | None = None, cookie: str | None = None):
    request = RequestFactory().get("/", headers={"X-Learner-Key": header} if header else {})
    if cookie:
        request.COOKIES[settings.EMBED_LEARNER_COOKIE] = cookie
    return learner_of(request)  # type: ignore[arg-type]  # learner_of reads no request.htmx


def test_a_signed_key_names_its_learner():
    learner = learner_with(header=learner_token(KEY))
    assert (learner.key, learner.known, learner.counted_as) == (KEY, True, KEY)


@pytest.mark.django_db
@pytest.mark.parametrize("forged", [KEY, f"{KEY}:not-the-signature-of-it-0123456789abcdefghijk", learner_token(KEY)[:-1] + "x"])
def test_a_key_the_server_did_not_sign_names_nobody(forged):
    learner = learner_with(header=forged)
    assert not learner.known and learner.key != KEY and learner.counted_as == "-"


@pytest.mark.django_db
def test_a_key_from_before_signing_that_owns_progress_is_kept_and_signed(owner, quick_capsules):
    capsules = quick_capsules(owner, 1, status="published", is_public=True)
    course = playlist_create(creator=owner, title="Course", is_public=True, items=[{"capsule_id": str(capsules[0].pk)}])
    LearnerProgress.objects.create(playlist=course, learner_key=KEY, position=1)

    response = Client().get(reverse("playlists:embed_playlist_state", args=[course.pk]), headers={"X-Learner-Key": KEY})

    assert response["X-Learner-Key"] == learner_token(KEY)  # embed-frame.js keeps the signed form from now on
    assert response.json()["learner_key"] == learner_token(KEY)
    assert learner_with(header=KEY).known


@pytest.mark.django_db
def test_a_made_up_key_without_progress_gets_a_new_signed_one():
    learner = learner_with(header="made-up-key-0123456789abcdef")
    assert not learner.known and learner.token == learner_token(learner.key) and learner.key != "made-up-key-0123456789abcdef"


def test_the_header_wins_over_the_cookie_when_both_are_signed():
    learner = learner_with(header=learner_token(KEY), cookie=learner_token("another-learner-0123456789ab"))
    assert learner.key == KEY and not learner.in_cookie
