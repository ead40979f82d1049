"""The playlist services: every change is one transaction that leaves orders contiguous 1..N."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from codecapsule.errors import ValidationFailed
from playlists import services
from playlists.models import Playlist, PlaylistItem
from playlists.services import StalePlaylist

pytestmark = pytest.mark.django_db


def titles_in_order(playlist: Playlist) -> list[tuple[int, str]]:
    return list(PlaylistItem.objects.filter(playlist=playlist).order_by("order").values_list("order", "capsule__title"))


# --- Create ---------------------------------------------------------------------------------------------


def test_it_creates_a_playlist_with_items_in_the_orders_given(owner, quick_capsules):
    one, two, three = quick_capsules(owner, 3)

    playlist = services.playlist_create(
        creator=owner,
        title="  Python 101  ",
        items=[
            {"capsule_id": str(three.pk), "order": 30},
            {"capsule_id": str(one.pk), "order": 10},
            {"capsule_id": str(two.pk), "order": 20},
        ],
    )

    assert (playlist.title, playlist.version, playlist.is_public) == ("Python 101", 1, False)
    assert titles_in_order(playlist) == [(1, "Step 1"), (2, "Step 2"), (3, "Step 3")]


def test_an_item_without_an_order_takes_its_position(owner, quick_capsules):
    one, two = quick_capsules(owner, 2)

    playlist = services.playlist_create(creator=owner, title="T", items=[{"capsule_id": str(two.pk)}, {"capsule_id": str(one.pk)}])

    assert titles_in_order(playlist) == [(1, "Step 2"), (2, "Step 1")]


def test_it_reports_every_bad_item_by_its_path_and_saves_nothing(owner, other_creator, quick_capsules):
    mine = quick_capsules(owner, 1)[0]
    private_of_other = quick_capsules(other_creator, 1, prefix="Other")[0]

    with pytest.raises(ValidationFailed) as caught:
        services.playlist_create(
            creator=owner,
            title="",
            items=[{"capsule_id": str(mine.pk)}, {"capsule_id": "nope"}, {"order": 2}, {"capsule_id": str(mine.pk), "order": 9}],
        )

    assert caught.value.fields == {
        "title": "Field required",
        "items[1].capsule_id": "must be a UUID",
        "items[2].capsule_id": "Field required",
        "items[2].order": "is also the order of items[1]",
        "items[3].capsule_id": "is already item 1 of the playlist",
    }
    with pytest.raises(ValidationFailed) as caught:
        services.playlist_create(creator=owner, title="T", items=[{"capsule_id": str(private_of_other.pk)}])
    assert caught.value.fields == {"items[0].capsule_id": "is not one of your capsules or a published public capsule"}
    assert not Playlist.objects.exists()


def test_published_public_capsules_of_others_can_be_added_but_hidden_ones_of_mine_cannot(owner, other_creator, quick_capsules):
    public = quick_capsules(other_creator, 1, prefix="Public", status="published", is_public=True)[0]
    rejected = quick_capsules(owner, 1, prefix="Rejected", status="rejected")[0]

    playlist = services.playlist_create(creator=owner, title="T", items=[{"capsule_id": str(public.pk)}])
    assert titles_in_order(playlist) == [(1, "Public 1")]
    with pytest.raises(ValidationFailed):
        services.playlist_create(creator=owner, title="T", items=[{"capsule_id": str(rejected.pk)}])


# --- Set items (builder save, PUT items) ------------------------------------------------------------------


def test_set_items_adds_removes_and_reorders_keeping_the_item_ids_of_kept_capsules(owner, quick_capsules, three_step_playlist):
    playlist = three_step_playlist
    kept = {item.capsule.title: item.item_id for item in PlaylistItem.objects.filter(playlist=playlist).select_related("capsule")}
    extra = quick_capsules(owner, 1, prefix="Extra")[0]
    ids = {
        title: item.capsule_id
        for title, item in ((i.capsule.title, i) for i in PlaylistItem.objects.filter(playlist=playlist).select_related("capsule"))
    }

    services.playlist_set_items(playlist=playlist, actor=owner, capsule_ids=[ids["Step 3"], extra.pk, ids["Step 1"]], version=1)

    assert titles_in_order(playlist) == [(1, "Step 3"), (2, "Extra 1"), (3, "Step 1")]
    after = {item.capsule.title: item.item_id for item in PlaylistItem.objects.filter(playlist=playlist).select_related("capsule")}
    assert after["Step 3"] == kept["Step 3"] and after["Step 1"] == kept["Step 1"]
    assert playlist.version == 2 and Playlist.objects.get().version == 2


def test_a_stale_version_is_refused_and_changes_nothing(owner, three_step_playlist):
    playlist = three_step_playlist
    capsule_ids = list(PlaylistItem.objects.filter(playlist=playlist).order_by("order").values_list("capsule_id", flat=True))
    services.playlist_set_items(playlist=playlist, actor=owner, capsule_ids=capsule_ids[::-1], version=1)

    with pytest.raises(StalePlaylist) as caught:
        services.playlist_set_items(playlist=playlist, actor=owner, capsule_ids=capsule_ids, version=1)

    assert caught.value.http_status == 409
    assert caught.value.fields == {"version": "is 1; the current version is 2"}
    assert titles_in_order(playlist) == [(1, "Step 3"), (2, "Step 2"), (3, "Step 1")]


def test_only_the_owner_changes_a_playlist(other_creator, three_step_playlist):
    with pytest.raises(PermissionDenied):
        services.playlist_set_items(playlist=three_step_playlist, actor=other_creator, capsule_ids=[])
    with pytest.raises(PermissionDenied):
        services.playlist_update(playlist=three_step_playlist, actor=other_creator, title="Mine now")
    with pytest.raises(PermissionDenied):
        services.playlist_delete(playlist=three_step_playlist, actor=other_creator)
    assert Playlist.objects.get().title == "Python 101"


def test_a_capsule_unpublished_by_its_creator_may_stay_where_it_is(owner, other_creator, quick_capsules):
    public = quick_capsules(other_creator, 1, prefix="Public", status="published", is_public=True)[0]
    mine = quick_capsules(owner, 1, prefix="Mine")[0]
    playlist = services.playlist_create(creator=owner, title="T", items=[{"capsule_id": str(public.pk)}, {"capsule_id": str(mine.pk)}])
    public.is_public = False
    public.save()

    services.playlist_set_items(playlist=playlist, actor=owner, capsule_ids=[mine.pk, public.pk])

    assert titles_in_order(playlist) == [(1, "Mine 1"), (2, "Public 1")]


def test_set_items_refuses_a_capsule_listed_twice_or_one_the_creator_may_not_add_and_changes_nothing(
    owner, other_creator, quick_capsules, three_step_playlist
):
    ids = list(PlaylistItem.objects.filter(playlist=three_step_playlist).order_by("order").values_list("capsule_id", flat=True))
    private_of_other = quick_capsules(other_creator, 1, prefix="Other")[0]

    with pytest.raises(ValidationFailed) as caught:
        services.playlist_set_items(playlist=three_step_playlist, actor=owner, capsule_ids=[ids[0], ids[0], ids[1]])
    assert caught.value.fields == {"items": "lists a capsule more than once"}
    with pytest.raises(ValidationFailed) as caught:
        services.playlist_set_items(playlist=three_step_playlist, actor=owner, capsule_ids=[*ids, private_of_other.pk])
    assert caught.value.fields == {"items[3].capsule_id": "is not one of your capsules or a published public capsule"}

    assert titles_in_order(three_step_playlist) == [(1, "Step 1"), (2, "Step 2"), (3, "Step 3")]
    assert Playlist.objects.get().version == 1


def test_long_playlists_reverse_without_breaking_the_unique_order(owner, quick_capsules):
    capsules = quick_capsules(owner, 60)
    playlist = services.playlist_create(creator=owner, title="Long", items=[{"capsule_id": str(c.pk)} for c in capsules])

    services.playlist_set_items(playlist=playlist, actor=owner, capsule_ids=[c.pk for c in reversed(capsules)])

    orders = titles_in_order(playlist)
    assert [order for order, _ in orders] == list(range(1, 61))
    assert orders[0] == (1, "Step 60") and orders[-1] == (60, "Step 1")


def test_update_changes_details_only(owner, three_step_playlist):
    services.playlist_update(playlist=three_step_playlist, actor=owner, title="Renamed", description=" d ", is_public=True)

    saved = Playlist.objects.get()
    # A new title makes other open builders stale too: they would overwrite it.
    assert (saved.title, saved.description, saved.is_public, saved.version) == ("Renamed", "d", True, 2)
    with pytest.raises(StalePlaylist):
        services.playlist_update(playlist=three_step_playlist, actor=owner, title="Older edit", version=1)
    with pytest.raises(ValidationFailed) as caught:
        services.playlist_update(playlist=three_step_playlist, actor=owner, title="x" * 256, is_public="yes")
    assert caught.value.fields == {"title": "must be at most 255 characters", "is_public": "must be true or false"}


def test_replace_saves_details_and_items_with_one_version_step_or_nothing(owner, three_step_playlist):
    first = PlaylistItem.objects.get(playlist=three_step_playlist, order=1).capsule_id

    services.playlist_replace(playlist=three_step_playlist, actor=owner, title="New", items=[{"capsule_id": str(first)}], version=1)
    assert (Playlist.objects.get().title, Playlist.objects.get().version) == ("New", 2)

    with pytest.raises(StalePlaylist):
        services.playlist_replace(playlist=three_step_playlist, actor=owner, title="Stale", items=[], version=1)
    with pytest.raises(ValidationFailed) as caught:
        services.playlist_replace(playlist=three_step_playlist, actor=owner, title="", items=[{"capsule_id": "x"}])
    assert set(caught.value.fields) == {"title", "items[0].capsule_id"}
    assert (Playlist.objects.get().title, titles_in_order(three_step_playlist)) == ("New", [(1, "Step 1")])
