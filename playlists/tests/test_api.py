"""/api/playlists/: CRUD in the seed's shapes, PUT …/items with a version check, and the embed endpoint."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from playlists.models import Playlist, PlaylistItem
from playlists.selectors import embed_token
from playlists.services import playlist_create

pytestmark = pytest.mark.django_db


def order_of(playlist: Playlist) -> list[str]:
    return list(PlaylistItem.objects.filter(playlist=playlist).order_by("order").values_list("capsule__title", flat=True))


@pytest.fixture
def other_api(other_creator) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_creator)
    return client


# --- Create and read ------------------------------------------------------------------------------------


def test_it_creates_a_playlist_from_the_seeds_body(owner_api, owner, quick_capsules):
    one, two = quick_capsules(owner, 2)

    response = owner_api.post(
        "/api/playlists/",
        {
            "title": "Python 101: The Complete Intro",
            "description": "A 2-part series",
            "is_public": True,
            "items": [{"capsule_id": str(two.pk), "order": 1}, {"capsule_id": str(one.pk), "order": 2}],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    playlist = Playlist.objects.get()
    assert response["Location"] == f"/api/playlists/{playlist.pk}"
    assert {key: body[key] for key in ("playlist_id", "creator_id", "title", "is_public", "version", "total_items")} == {
        "playlist_id": str(playlist.pk),
        "creator_id": str(owner.pk),
        "title": "Python 101: The Complete Intro",
        "is_public": True,
        "version": 1,
        "total_items": 2,
    }
    assert [(item["order"], item["capsule"]["title"]) for item in body["items"]] == [(1, "Step 2"), (2, "Step 1")]
    # The owner sees their own capsules whole.
    assert "reference_solution" in body["items"][0]["capsule"]["config_data"]


def test_create_errors_are_field_paths_and_nothing_is_saved(owner_api):
    response = owner_api.post("/api/playlists", {"title": " ", "items": [{"capsule_id": 7}]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"title": "must be a non-empty string", "items[0].capsule_id": "must be a UUID"}
    assert not Playlist.objects.exists()


def test_anonymous_callers_cannot_create(api_client):
    response = api_client.post("/api/playlists/", {"title": "T"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_list_shows_my_playlists_and_scope_public_shows_everyones_public_ones(
    owner_api, other_api, owner, other_creator, three_step_playlist
):
    playlist_create(creator=other_creator, title="Theirs, public", is_public=True)
    playlist_create(creator=other_creator, title="Theirs, private")

    mine = owner_api.get("/api/playlists/").json()
    public = owner_api.get("/api/playlists/?scope=public").json()

    assert [(p["title"], p["total_items"]) for p in mine["results"]] == [("Python 101", 3)]
    assert [p["title"] for p in public["results"]] == ["Theirs, public"]
    assert owner_api.get("/api/playlists/?scope=all").status_code == 400


def test_anonymous_callers_list_public_playlists(api_client, other_creator):
    playlist_create(creator=other_creator, title="Public", is_public=True)
    playlist_create(creator=other_creator, title="Private")

    assert [p["title"] for p in api_client.get("/api/playlists/").json()["results"]] == ["Public"]


def test_a_private_playlist_is_a_404_for_others_and_a_public_one_is_readable_learner_safe(other_api, owner, three_step_playlist):
    url = f"/api/playlists/{three_step_playlist.pk}"
    assert other_api.get(url).status_code == 404

    Playlist.objects.filter(pk=three_step_playlist.pk).update(is_public=True)
    body = other_api.get(url).json()
    assert [item["capsule"]["title"] for item in body["items"]] == ["Step 1", "Step 2", "Step 3"]
    assert all("reference_solution" not in item["capsule"]["config_data"] for item in body["items"])


# --- Update, delete -------------------------------------------------------------------------------------


def test_patch_changes_details_and_put_with_items_replaces_them_in_one_go(owner_api, three_step_playlist):
    url = f"/api/playlists/{three_step_playlist.pk}"

    patched = owner_api.patch(url, {"description": "New"}, format="json").json()
    assert (patched["title"], patched["description"]) == ("Python 101", "New")

    first = PlaylistItem.objects.get(playlist=three_step_playlist, order=1).capsule_id
    assert patched["version"] == 2
    put = owner_api.put(url, {"title": "Only one", "items": [{"capsule_id": str(first)}], "version": 2}, format="json")
    assert put.status_code == 200
    assert (put.json()["title"], put.json()["version"], order_of(three_step_playlist)) == ("Only one", 3, ["Step 1"])


def test_a_put_with_a_bad_item_changes_nothing(owner_api, three_step_playlist):
    response = owner_api.put(
        f"/api/playlists/{three_step_playlist.pk}", {"title": "Renamed", "items": [{"capsule_id": "x"}]}, format="json"
    )

    assert response.status_code == 400
    assert Playlist.objects.get().title == "Python 101"
    assert order_of(three_step_playlist) == ["Step 1", "Step 2", "Step 3"]


def test_other_creators_cannot_change_or_delete_a_public_playlist(other_api, three_step_playlist):
    Playlist.objects.filter(pk=three_step_playlist.pk).update(is_public=True)
    url = f"/api/playlists/{three_step_playlist.pk}"

    assert other_api.patch(url, {"title": "Mine"}, format="json").status_code == 403
    assert other_api.delete(url).status_code == 403
    assert other_api.put(url + "/items", {"items": []}, format="json").status_code == 403
    assert Playlist.objects.get().title == "Python 101" and order_of(three_step_playlist) == ["Step 1", "Step 2", "Step 3"]


def test_the_owner_deletes_a_playlist_and_its_items(owner_api, three_step_playlist):
    assert owner_api.delete(f"/api/playlists/{three_step_playlist.pk}").status_code == 204
    assert not Playlist.objects.exists() and not PlaylistItem.objects.exists()


# --- PUT /items -----------------------------------------------------------------------------------------


def test_put_items_sets_the_full_ordered_list(owner_api, three_step_playlist):
    ids = list(PlaylistItem.objects.filter(playlist=three_step_playlist).order_by("order").values_list("capsule_id", flat=True))

    response = owner_api.put(
        f"/api/playlists/{three_step_playlist.pk}/items",
        {"items": [{"capsule_id": str(ids[2])}, {"capsule_id": str(ids[0])}], "version": 1},
        format="json",
    )

    assert response.status_code == 200
    assert [(i["order"], i["capsule"]["title"]) for i in response.json()["items"]] == [(1, "Step 3"), (2, "Step 1")]
    assert response.json()["version"] == 2


def test_put_items_accepts_a_bare_list(owner_api, three_step_playlist):
    ids = list(PlaylistItem.objects.filter(playlist=three_step_playlist).order_by("order").values_list("capsule_id", flat=True))

    response = owner_api.put(f"/api/playlists/{three_step_playlist.pk}/items", [{"capsule_id": str(ids[1])}], format="json")

    assert response.status_code == 200 and order_of(three_step_playlist) == ["Step 2"]


def test_a_stale_reorder_is_a_409_and_changes_nothing(owner_api, three_step_playlist):
    url = f"/api/playlists/{three_step_playlist.pk}/items"
    ids = [str(i) for i in PlaylistItem.objects.filter(playlist=three_step_playlist).order_by("order").values_list("capsule_id", flat=True)]
    owner_api.put(url, {"items": [{"capsule_id": i} for i in reversed(ids)], "version": 1}, format="json")

    response = owner_api.put(url, {"items": [{"capsule_id": i} for i in ids], "version": 1}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_playlist"
    assert order_of(three_step_playlist) == ["Step 3", "Step 2", "Step 1"]


def test_put_items_without_items_is_a_400(owner_api, three_step_playlist):
    response = owner_api.put(f"/api/playlists/{three_step_playlist.pk}/items", {"version": 1}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"items": "Field required"}


# --- Embed ----------------------------------------------------------------------------------------------


def test_the_embed_answers_in_the_seeds_shape_with_a_learner_safe_capsule(api_client, three_step_playlist):
    Playlist.objects.filter(pk=three_step_playlist.pk).update(is_public=True)

    body = api_client.get(f"/api/playlists/{three_step_playlist.pk}/embed?step=2").json()

    assert body["playlist"] == {
        "playlist_id": str(three_step_playlist.pk),
        "title": "Python 101",
        "total_items": 3,
        "current_position": 2,
    }
    assert body["navigation"] == {"has_previous": True, "has_next": True, "previous_title": "Step 1", "next_title": "Step 3"}
    assert body["current_capsule"]["title"] == "Step 2"
    config = body["current_capsule"]["config_data"]
    assert "reference_solution" not in config
    assert [test.get("test_call") for test in config["test_cases"]] == ["print(find_largest([1, 5, 2]))", None]


def test_the_embed_defaults_to_step_one_and_ends_without_a_next(api_client, three_step_playlist):
    Playlist.objects.filter(pk=three_step_playlist.pk).update(is_public=True)
    url = f"/api/playlists/{three_step_playlist.pk}/embed"

    first = api_client.get(url).json()
    last = api_client.get(url + "?step=3").json()

    first_step = (first["playlist"]["current_position"], first["navigation"]["has_previous"], first["navigation"]["previous_title"])
    assert first_step == (1, False, None)
    assert (last["navigation"]["has_next"], last["navigation"]["next_title"]) == (False, None)


@pytest.mark.parametrize("query", ["?step=0", "?step=4", "?step=two", "?step=-1"])
def test_a_missing_step_is_the_seeds_404(api_client, three_step_playlist, query):
    Playlist.objects.filter(pk=three_step_playlist.pk).update(is_public=True)

    response = api_client.get(f"/api/playlists/{three_step_playlist.pk}/embed{query}")

    assert (response.status_code, response.json()) == (404, {"error": "Playlist or step not found"})


def test_a_private_playlist_embeds_only_with_its_token(api_client, three_step_playlist):
    url = f"/api/playlists/{three_step_playlist.pk}/embed"

    assert api_client.get(url).json() == {"error": "Playlist or step not found"}
    assert api_client.get(url + "?token=forged").status_code == 404
    assert api_client.get(f"{url}?token={embed_token(three_step_playlist)}").status_code == 200
    assert api_client.get("/api/playlists/00000000-0000-0000-0000-000000000000/embed").status_code == 404


def test_the_embed_skips_capsules_hidden_by_moderation_or_unpublished_by_others(api_client, owner, other_creator, quick_capsules):
    mine = quick_capsules(owner, 2, prefix="Mine")
    theirs = quick_capsules(other_creator, 1, prefix="Theirs", status="published", is_public=True)[0]
    playlist = playlist_create(
        creator=owner, title="Mixed", is_public=True, items=[{"capsule_id": str(c.pk)} for c in (mine[0], theirs, mine[1])]
    )
    theirs.is_public = False
    theirs.save()
    mine[1].status = "flagged"
    mine[1].save()

    body = api_client.get(f"/api/playlists/{playlist.pk}/embed").json()

    assert (body["playlist"]["total_items"], body["navigation"]["has_next"]) == (1, False)


def test_the_embed_json_runs_the_same_queries_for_1_and_200_steps(api_client, owner, quick_capsules, django_assert_num_queries):
    for count in (1, 200):
        capsules = quick_capsules(owner, count, prefix=f"N{count}")
        playlist = playlist_create(creator=owner, title=f"{count}", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])
        with django_assert_num_queries(3):
            response = api_client.get(f"/api/playlists/{playlist.pk}/embed?step={count}")
        assert response.json()["playlist"]["total_items"] == count


# --- OPTIONS (found by the schemathesis run, prodtests/test_api_fuzz.py) ----------------------------------


@pytest.mark.parametrize("playlist_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid"])
def test_options_on_a_missing_playlist_describes_the_endpoint_without_write_actions(owner_api, playlist_id):
    response = owner_api.options(f"/api/playlists/{playlist_id}")

    assert response.status_code == 200
    assert "PUT" not in response.json().get("actions", {})


def test_options_offers_put_to_the_owner_only(owner_api, other_api, three_step_playlist):
    three_step_playlist.is_public = True
    three_step_playlist.save()
    path = f"/api/playlists/{three_step_playlist.playlist_id}"

    assert "PUT" in owner_api.options(path).json()["actions"]
    assert "PUT" not in other_api.options(path).json().get("actions", {})
