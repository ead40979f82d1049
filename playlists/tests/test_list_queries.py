"""The playlist lists at scale (benchmarks/scale_bench.py): the API list and the gallery take
the same queries however many playlists there are, and count items per row of the page (a correlated subquery)
instead of grouping every playlist's items before cutting out one page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from playlists.models import Playlist
from playlists.services import playlist_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_playlists(owner, quick_capsules):
    capsules = quick_capsules(owner, 3, status="published", is_public=True)

    def make(count: int, *, steps: int = 3, is_public: bool = True) -> list[Playlist]:
        return [
            playlist_create(
                creator=owner, title=f"Course {n}", is_public=is_public,
                items=[{"capsule_id": str(c.pk)} for c in capsules[:steps]],
            )
            for n in range(count)
        ]  # fmt: skip

    return make


def test_the_public_api_list_takes_two_queries_whatever_the_number_of_playlists(api_client, make_playlists, django_assert_num_queries):
    make_playlists(1)
    with django_assert_num_queries(2):  # the count, the page with its item counts
        assert api_client.get("/api/playlists/?scope=public").status_code == 200
    make_playlists(6)
    with django_assert_num_queries(2):
        assert len(api_client.get("/api/playlists/?scope=public").json()["results"]) == 7


def test_the_owners_api_list_takes_two_queries_whatever_the_number_of_playlists(owner_api, make_playlists, django_assert_num_queries):
    make_playlists(1, is_public=False)
    with django_assert_num_queries(2):
        assert owner_api.get("/api/playlists/").status_code == 200
    make_playlists(6, is_public=False)
    with django_assert_num_queries(2):
        assert len(owner_api.get("/api/playlists/").json()["results"]) == 7


def test_total_items_counts_each_playlists_own_items_and_zero_for_an_empty_one(api_client, make_playlists):
    make_playlists(1, steps=3)
    make_playlists(1, steps=1)
    make_playlists(1, steps=0)
    totals = sorted(p["total_items"] for p in api_client.get("/api/playlists/?scope=public").json()["results"])
    assert totals == [0, 1, 3]


def test_the_builders_list_shows_each_playlists_step_count(client, owner, make_playlists):
    make_playlists(1, steps=2, is_public=False)
    make_playlists(1, steps=0, is_public=False)
    client.force_login(owner)
    html = client.get(reverse("playlists:list")).content.decode()
    assert "2 steps" in html and "0 steps" in html


def test_a_gallery_page_deep_in_the_list_takes_two_queries(client, make_playlists, settings, django_assert_num_queries):
    settings.PLAYLIST_LIST_PAGE_SIZE = 2
    make_playlists(7)
    with django_assert_num_queries(2):  # the count, the page (with creators and step counts)
        html = client.get(reverse("playlists:gallery") + "?page=4").content.decode()
    assert "Page 4 of 4" in html and "3 steps" in html
