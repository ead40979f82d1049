"""One visibility rule on every course path: the playlist API, the embed JSON, the embed page,
the gallery, oEmbed and the builder show a course's learners the same steps, and never a capsule the rule hides.

Every test starts from one public course of the owner's, "Intro" → "Middle" → "Outro", in which "Middle" was
a published public capsule when it was added and then changed (CHANGES): another creator unpublished it, made
it private, or moderation rejected or flagged it; or it is the owner's own and went back to draft. Learners
then see two steps; the owner sees all three, "Middle" with the reason learners do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from capsules.models import Capsule
from playlists.models import Playlist
from playlists.services import playlist_create

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
MIDDLE = "Middle, no longer for learners"


@dataclass(frozen=True)
class Change:
    name: str
    authored_by_owner: bool  # whose capsule "Middle" is: the course owner's own, or another creator's
    update: dict[str, Any]
    reason: str  # the hidden_reason the owner is told


CHANGES = [
    Change("unpublished by another creator", False, {"status": "draft"}, "private"),
    Change("validated again but no longer published", False, {"status": "validated"}, "private"),
    Change("made private by another creator", False, {"is_public": False}, "private"),
    Change("rejected by moderation", False, {"status": "rejected"}, "moderated"),
    Change("flagged by moderation", False, {"status": "flagged"}, "moderated"),
    Change("the owner's own draft", True, {"status": "draft"}, "unproven"),
    Change("the owner's own capsule, flagged", True, {"status": "flagged"}, "moderated"),
]


@dataclass
class Course:
    playlist: Playlist
    middle: Capsule
    change: Change


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture(params=CHANGES, ids=[change.name for change in CHANGES])
def course(request, owner, other_creator, quick_capsules) -> Course:
    change: Change = request.param
    intro, outro = quick_capsules(owner, 2, prefix="Own")  # validated, private: the owner's proven capsules
    Capsule.objects.filter(pk=intro.pk).update(title="Intro")
    Capsule.objects.filter(pk=outro.pk).update(title="Outro")
    author = owner if change.authored_by_owner else other_creator
    middle = quick_capsules(author, 1, prefix="Middle", status="published", is_public=True)[0]
    Capsule.objects.filter(pk=middle.pk).update(title=MIDDLE)
    playlist = playlist_create(
        creator=owner, title="Python 101", is_public=True, items=[{"capsule_id": str(c.pk)} for c in (intro, middle, outro)]
    )
    Capsule.objects.filter(pk=middle.pk).update(**change.update)  # after it was added
    middle.refresh_from_db()
    return Course(playlist=playlist, middle=middle, change=change)


@pytest.fixture(params=["anonymous", "other_creator", "staff"])
def stranger(request) -> User | None:
    """Anyone but the course's owner: an anonymous learner, another creator (the author of "Middle" in most
    cases: inside someone else's course they see what learners see), staff."""
    return None if request.param == "anonymous" else request.getfixturevalue(request.param)


def api_as(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def assert_nothing_of_the_middle_in(content: str, course: Course) -> None:
    assert MIDDLE not in content
    assert str(course.middle.pk) not in content


# --- The playlist API ---------------------------------------------------------------------------------------


def test_anyone_but_the_owner_reads_only_the_steps_learners_see_numbered_as_the_embed(course, stranger):
    response = api_as(stranger).get(f"/api/playlists/{course.playlist.pk}")

    body = response.json()
    assert response.status_code == 200
    assert body["total_items"] == 2
    assert [(item["order"], item["title"], item["capsule"]["title"]) for item in body["items"]] == [
        (1, "Intro", "Intro"),
        (2, "Outro", "Outro"),
    ]
    assert all(item["learner_visible"] and item["hidden_reason"] is None for item in body["items"])
    assert all("reference_solution" not in item["capsule"]["config_data"] for item in body["items"])
    assert_nothing_of_the_middle_in(response.content.decode(), course)


def test_the_owner_reads_every_item_and_why_learners_do_not_see_one(course, owner):
    body = api_as(owner).get(f"/api/playlists/{course.playlist.pk}").json()

    assert body["total_items"] == 3
    assert [(item["order"], item["title"], item["learner_visible"], item["hidden_reason"]) for item in body["items"]] == [
        (1, "Intro", True, None),
        (2, MIDDLE, False, course.change.reason),
        (3, "Outro", True, None),
    ]


def test_the_owner_gets_their_own_hidden_capsule_whole_but_not_another_creators_they_may_no_longer_read(course, owner):
    middle = api_as(owner).get(f"/api/playlists/{course.playlist.pk}").json()["items"][1]

    assert middle["capsule_id"] == str(course.middle.pk)
    if course.change.authored_by_owner:
        assert "reference_solution" in middle["capsule"]["config_data"]
    else:  # the capsule API answers them 404 for it too: one rule
        assert middle["capsule"] is None
        assert api_as(owner).get(f"/api/capsules/{course.middle.pk}").status_code == 404


def test_the_public_list_counts_the_steps_learners_see_and_the_owners_list_every_item(course, owner, stranger):
    public = api_as(stranger).get("/api/playlists/?scope=public").json()["results"]
    mine = api_as(owner).get("/api/playlists/").json()["results"]
    owner_in_public = api_as(owner).get("/api/playlists/?scope=public").json()["results"]

    assert [(p["title"], p["total_items"]) for p in public] == [("Python 101", 2)]
    assert [(p["title"], p["total_items"]) for p in mine] == [("Python 101", 3)]
    assert [(p["title"], p["total_items"]) for p in owner_in_public] == [("Python 101", 3)]


def test_the_api_write_answers_tell_the_owner_too(course, owner):
    ids = [str(capsule_id) for capsule_id in course.playlist.items.order_by("order").values_list("capsule_id", flat=True)]

    response = api_as(owner).put(
        f"/api/playlists/{course.playlist.pk}/items", {"items": [{"capsule_id": i} for i in reversed(ids)]}, format="json"
    )

    assert response.status_code == 200
    assert [(item["title"], item["hidden_reason"]) for item in response.json()["items"]] == [
        ("Outro", None),
        (MIDDLE, course.change.reason),
        ("Intro", None),
    ]


# --- The embed JSON and page ------------------------------------------------------------------------------


def test_the_embed_json_numbers_only_the_steps_learners_see(course, api_client):
    url = f"/api/playlists/{course.playlist.pk}/embed"

    second = api_client.get(url + "?step=2")
    first = api_client.get(url + "?step=1").json()

    assert second.status_code == 200
    assert (second.json()["playlist"]["total_items"], second.json()["current_capsule"]["title"]) == (2, "Outro")
    assert (first["navigation"]["next_title"], second.json()["navigation"]["previous_title"]) == ("Outro", "Intro")
    assert api_client.get(url + "?step=3").status_code == 404
    assert_nothing_of_the_middle_in(second.content.decode() + str(first), course)


def test_the_embed_json_and_the_playlist_api_agree(course, api_client):
    detail = api_client.get(f"/api/playlists/{course.playlist.pk}").json()
    embed = api_client.get(f"/api/playlists/{course.playlist.pk}/embed?step=1").json()

    assert detail["total_items"] == embed["playlist"]["total_items"]
    for item in detail["items"]:
        step = api_client.get(f"/api/playlists/{course.playlist.pk}/embed?step={item['order']}").json()
        assert step["current_capsule"]["id"] == item["capsule_id"]


def test_the_embed_page_skips_the_hidden_step(course, client):
    url = reverse("playlists:embed_playlist", args=[course.playlist.pk])

    second = client.get(url + "?step=2")

    html = second.content.decode()
    assert second.status_code == 200
    assert "(Step 2 of 2)" in html
    assert re.search(r'<h2 id="step-title"[^>]*>([^<]*)</h2>', html).group(1) == "Outro"
    assert_nothing_of_the_middle_in(html + client.get(url + "?step=1").content.decode(), course)
    assert client.get(url + "?step=3").status_code == 404


def test_the_owners_preview_shows_what_learners_see(course, client, owner):
    client.force_login(owner)

    html = client.get(reverse("playlists:embed_playlist", args=[course.playlist.pk]) + "?step=2").content.decode()

    assert "(Step 2 of 2)" in html and MIDDLE not in html


# --- The gallery and oEmbed --------------------------------------------------------------------------------


def test_the_gallery_counts_and_lists_only_the_steps_learners_see(course, client):
    gallery = client.get(reverse("playlists:gallery")).content.decode()
    page = client.get(reverse("playlists:gallery_playlist", args=[course.playlist.pk])).content.decode()

    assert "Python 101" in gallery and "2 steps" in gallery
    assert "2 steps" in page and "Intro" in page and "Outro" in page
    assert_nothing_of_the_middle_in(gallery + page, course)


def test_oembed_describes_the_course_without_its_hidden_step(course, client):
    response = client.get(reverse("playlists:oembed"), {"url": f"{SITE}/embed/playlist/{course.playlist.pk}"})

    assert response.status_code == 200
    assert response.json()["title"] == "Python 101"
    assert_nothing_of_the_middle_in(response.content.decode(), course)


def test_oembed_and_the_embed_page_of_the_hidden_capsule_alone_are_not_found(course, client, other_creator):
    oembed = client.get(reverse("playlists:oembed"), {"url": f"{SITE}/embed/capsule/{course.middle.pk}"})
    alone = client.get(reverse("playlists:embed_capsule", args=[course.middle.pk]))

    assert oembed.status_code == 404
    assert alone.status_code == 404 and MIDDLE not in alone.content.decode()


def test_its_author_still_opens_the_hidden_capsule_alone(course, client, owner, other_creator):
    client.force_login(owner if course.change.authored_by_owner else other_creator)

    assert client.get(reverse("playlists:embed_capsule", args=[course.middle.pk])).status_code == 200


# --- The builder ---------------------------------------------------------------------------------------------


def test_the_builder_labels_the_step_learners_do_not_see_with_the_reason(course, owner):
    client = Client()
    client.force_login(owner)

    response = client.get(reverse("playlists:edit", args=[course.playlist.pk]))

    html = response.content.decode()
    labels = {"private": "Not published and public", "moderated": "Hidden by moderation", "unproven": "Not validated yet"}
    assert [(step.title, step.hidden_reason) for step in response.context["steps"]] == [
        ("Intro", None),
        (MIDDLE, course.change.reason),
        ("Outro", None),
    ]
    assert html.count("Hidden from learners:") == 1
    assert f'data-hidden-reason="{course.change.reason}">Hidden from learners: {labels[course.change.reason]}</span>' in html


# --- Cost ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["owner", "anonymous"])
def test_the_playlist_detail_takes_two_queries_however_many_items_are_hidden(
    request, reader, owner, other_creator, quick_capsules, django_assert_num_queries
):
    user = request.getfixturevalue(reader) if reader == "owner" else None
    for count in (1, 40):
        borrowed = quick_capsules(other_creator, count, prefix=f"N{count}", status="published", is_public=True)
        playlist = playlist_create(creator=owner, title=f"{count}", is_public=True, items=[{"capsule_id": str(c.pk)} for c in borrowed])
        Capsule.objects.filter(pk__in=[c.pk for c in borrowed[::2]]).update(is_public=False)
        with django_assert_num_queries(2):  # the playlist, its items with their capsules (and the rule's verdicts)
            body = api_as(user).get(f"/api/playlists/{playlist.pk}").json()
        assert body["total_items"] == (count if reader == "owner" else count // 2)
