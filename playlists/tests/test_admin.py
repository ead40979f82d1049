"""Admin: staff see playlists with their steps and unlist public ones; nothing is edited in place."""

from __future__ import annotations

import pytest
from django.test import Client

from playlists.models import Playlist

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_staff_see_a_playlist_and_its_steps(staff_client, three_step_playlist):
    listing = staff_client.get("/admin/playlists/playlist/")
    page = staff_client.get(f"/admin/playlists/playlist/{three_step_playlist.pk}/change/")

    assert listing.status_code == 200 and b"Python 101" in listing.content
    assert page.status_code == 200
    assert all(title in page.content.decode() for title in ("Step 1", "Step 2", "Step 3"))


def test_unlisting_makes_public_playlists_private(staff_client, three_step_playlist):
    Playlist.objects.filter(pk=three_step_playlist.pk).update(is_public=True)

    response = staff_client.post(
        "/admin/playlists/playlist/", {"action": "unlist", "_selected_action": [str(three_step_playlist.pk)]}, follow=True
    )

    assert b"Unlisted 1 playlist(s)." in response.content
    assert Playlist.objects.get().is_public is False


def test_creators_cannot_open_the_admin(client, owner, three_step_playlist):
    client.force_login(owner)

    assert client.get(f"/admin/playlists/playlist/{three_step_playlist.pk}/change/").status_code == 302
