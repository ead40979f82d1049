"""The course embed page costs the same few queries whatever the course's length: the playlist, the
learner's progress, the step titles, the current capsule."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from playlists.models import LearnerProgress, Playlist
from playlists.services import playlist_create
from playlists.views._embed_common import learner_token

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
LEARNER_QUERIES = 4  # playlist, learner progress, step titles, current capsule
STRANGER_QUERIES = 3  # no learner key reached us: nothing to look up for progress


@pytest.fixture(params=[1, 200], ids=["1 step", "200 steps"])
def course(request, owner, quick_capsules) -> Playlist:
    # quick_capsules: Capsule.objects.bulk_create from capsules.tests.samples.capsule_data, no judge runs.
    capsules = quick_capsules(owner, request.param, status="published", is_public=True)
    playlist = playlist_create(creator=owner, title="Long course", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])
    LearnerProgress.objects.create(playlist=playlist, learner_key=KEY, position=request.param, completed_items=[])
    return playlist


def embed_url(playlist: Playlist, query: str = "") -> str:
    return reverse("playlists:embed_playlist", args=[playlist.pk]) + (f"?{query}" if query else "")


def test_the_page_of_a_returning_learner_takes_four_queries(client, course, django_assert_num_queries):
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)
    with django_assert_num_queries(LEARNER_QUERIES):
        response = client.get(embed_url(course))  # resumes at the last step
    assert response.status_code == 200
    assert "You reached the end — 0 of" in response.content.decode()


def test_the_htmx_fragment_takes_four_queries(client, course, django_assert_num_queries):
    with django_assert_num_queries(LEARNER_QUERIES):
        response = client.get(embed_url(course, "step=1"), headers={"HX-Request": "true", "X-Learner-Key": learner_token(KEY)})
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<main id="course"')


def test_a_strangers_page_skips_the_progress_lookup(client, course, django_assert_num_queries):
    with django_assert_num_queries(STRANGER_QUERIES):
        assert client.get(embed_url(course, "step=1&theme=dark")).status_code == 200
