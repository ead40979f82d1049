"""The course embed page costs the same few queries whatever the course's length and whoever asks: the playlist
with the stamp of its content, then, when its rendering is not cached yet, the step titles and the current capsule.
A rendering cached under its ETag, or a revalidation, costs the first query alone."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from playlists.models import LearnerProgress, Playlist
from playlists.services import playlist_create
from playlists.views._embed_common import learner_token

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
RENDERING_QUERIES = 3  # the playlist and its stamp, the step titles, the current capsule
CACHED_QUERIES = 1  # the playlist and its stamp: the ETag names the rendering


@pytest.fixture(params=[1, 200], ids=["1 step", "200 steps"])
def course(request, owner, quick_capsules) -> Playlist:
    # quick_capsules: Capsule.objects.bulk_create from capsules.tests.samples.capsule_data, no judge runs.
    capsules = quick_capsules(owner, request.param, status="published", is_public=True)
    playlist = playlist_create(creator=owner, title="Long course", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])
    LearnerProgress.objects.create(playlist=playlist, learner_key=KEY, position=request.param, completed_items=[])
    return playlist


def embed_url(playlist: Playlist, query: str = "") -> str:
    return reverse("playlists:embed_playlist", args=[playlist.pk]) + (f"?{query}" if query else "")


def test_the_page_takes_three_queries_to_render_and_one_once_rendered(client, course, django_assert_num_queries):
    client.cookies[settings.EMBED_LEARNER_COOKIE] = learner_token(KEY)  # a returning learner costs nothing more
    with django_assert_num_queries(RENDERING_QUERIES):
        first = client.get(embed_url(course, "step=1"))
    with django_assert_num_queries(CACHED_QUERIES):
        again = client.get(embed_url(course, "step=1"))
    assert first.status_code == again.status_code == 200
    assert first.content == again.content


def test_the_htmx_fragment_takes_as_many(client, course, django_assert_num_queries):
    headers = {"HX-Request": "true", "X-Learner-Key": learner_token(KEY)}
    with django_assert_num_queries(RENDERING_QUERIES):
        response = client.get(embed_url(course, "step=1"), headers=headers)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<main id="course"')
    with django_assert_num_queries(CACHED_QUERIES):
        assert client.get(embed_url(course, "step=1"), headers=headers).content == response.content


def test_a_revalidation_takes_one_query_and_renders_nothing(client, course, django_assert_num_queries):
    etag = client.get(embed_url(course, "step=1&theme=dark"))["ETag"]
    with django_assert_num_queries(CACHED_QUERIES):
        assert client.get(embed_url(course, "step=1&theme=dark"), headers={"If-None-Match": etag}).status_code == 304


def test_the_embed_json_takes_as_many(api_client, course, django_assert_num_queries):
    url = f"/api/playlists/{course.pk}/embed?step=1"
    with django_assert_num_queries(RENDERING_QUERIES):
        first = api_client.get(url)
    with django_assert_num_queries(CACHED_QUERIES):
        assert api_client.get(url).content == first.content
