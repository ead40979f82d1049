"""Who may frame what: embed pages may live in other sites' iframes (frame-ancestors from
EMBED_FRAME_ANCESTORS, no X-Frame-Options); every other page refuses to be framed. And which playlists
an embed shows: public ones, private ones only with their token."""

from __future__ import annotations

import pytest
from django.urls import reverse

from playlists.models import Playlist
from playlists.selectors import embed_token
from playlists.services import playlist_create

pytestmark = pytest.mark.django_db

ANCESTORS = ["https://blog.example.com", "https://docs.example.org"]


@pytest.fixture(autouse=True)
def _narrow_ancestors(settings):
    # A specific list, so the test tells the embed policy from a hard-coded "*".
    settings.EMBED_FRAME_ANCESTORS = ANCESTORS


@pytest.fixture
def public_course(owner, quick_capsules) -> Playlist:
    capsules = quick_capsules(owner, 2, status="published", is_public=True)
    return playlist_create(creator=owner, title="Open", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])


@pytest.fixture
def private_course(owner, quick_capsules) -> Playlist:
    capsules = quick_capsules(owner, 2, prefix="Secret")
    return playlist_create(creator=owner, title="Closed", items=[{"capsule_id": str(c.pk)} for c in capsules])


def assert_frameable_by_the_configured_sites(response) -> None:
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://blog.example.com https://docs.example.org" in policy
    assert "frame-ancestors 'none'" not in policy
    assert "script-src 'self'" in policy  # the rest of the strict policy still holds
    assert "X-Frame-Options" not in response


def assert_never_framed(response) -> None:
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def embed(playlist: Playlist, query: str = "") -> str:
    return reverse("playlists:embed_playlist", args=[playlist.pk]) + (f"?{query}" if query else "")


def test_a_course_embed_page_may_be_framed_by_the_configured_sites(client, public_course):
    response = client.get(embed(public_course, "step=2"))
    assert response.status_code == 200
    assert_frameable_by_the_configured_sites(response)


def test_the_htmx_fragment_of_a_course_carries_the_embed_policy_too(client, public_course):
    assert_frameable_by_the_configured_sites(client.get(embed(public_course, "step=2"), headers={"HX-Request": "true"}))


def test_a_capsule_embed_page_may_be_framed(client, owner, quick_capsules):
    capsule = quick_capsules(owner, 1, status="published", is_public=True)[0]
    assert_frameable_by_the_configured_sites(client.get(reverse("playlists:embed_capsule", args=[capsule.pk])))


def test_the_embed_not_found_page_may_be_framed_so_the_learner_sees_it(client, public_course):
    response = client.get(embed(public_course, "step=9"))
    assert response.status_code == 404
    assert_frameable_by_the_configured_sites(response)


def test_with_the_default_setting_any_site_may_frame_an_embed(client, public_course, settings):
    settings.EMBED_FRAME_ANCESTORS = ["*"]
    assert "frame-ancestors *" in client.get(embed(public_course))["Content-Security-Policy"]


@pytest.mark.parametrize("url_name", ["login", "signup", "playlists:gallery", "admin:login", "capsules:home"])
def test_site_pages_refuse_to_be_framed(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert_never_framed(response)


def test_the_dashboard_refuses_to_be_framed(client, owner):
    client.force_login(owner)
    response = client.get(reverse("capsules:list"))
    assert response.status_code == 200
    assert_never_framed(response)


def test_a_public_course_gallery_page_refuses_to_be_framed(client, public_course):
    response = client.get(reverse("playlists:gallery_playlist", args=[public_course.pk]))
    assert response.status_code == 200
    assert_never_framed(response)


def test_a_public_course_needs_no_token(client, public_course):
    assert client.get(embed(public_course)).status_code == 200


def test_a_private_course_without_its_token_is_not_found(client, private_course):
    response = client.get(embed(private_course))
    assert response.status_code == 404
    assert "Closed" not in response.content.decode()


def test_a_private_course_with_a_wrong_token_is_not_found(client, private_course, public_course):
    assert client.get(embed(private_course, "token=forged")).status_code == 404
    assert client.get(embed(private_course, f"token={embed_token(public_course)}")).status_code == 404


def test_a_private_course_with_its_token_is_shown(client, private_course):
    response = client.get(embed(private_course, f"token={embed_token(private_course)}"))
    assert response.status_code == 200
    assert "Closed" in response.content.decode()
