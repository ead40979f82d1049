"""Creator pages for playlists: the list, the builder (new and edit; htmx and no-JavaScript paths) and delete.

Each page is tested from both sides: the owner, another creator (403 for a playlist they can read, 404 for
one they cannot) and an anonymous visitor (sent to log in).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule
from playlists.models import Playlist, PlaylistItem
from playlists.services import playlist_create, playlist_set_items
from playlists.tests.conftest import capsule_ids_in_order, reverse_steps

pytestmark = pytest.mark.django_db

NEW = reverse("playlists:new")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def titles_in(playlist: Playlist) -> list[str]:
    return list(PlaylistItem.objects.filter(playlist=playlist).order_by("order").values_list("capsule__title", flat=True))


def posted_steps(response) -> list[str]:
    return [step.title for step in response.context["steps"]]


def builder_post(*capsules: Capsule, **fields: Any) -> dict[str, Any]:
    return {"title": "Python 101", "description": "", "capsule": [str(capsule.pk) for capsule in capsules], **fields}


@pytest.fixture
def two_sum(owner, make_capsule) -> Capsule:
    return make_capsule(owner, "CODE", title="Two Sum")


@pytest.fixture
def customers(owner, make_capsule) -> Capsule:
    return make_capsule(owner, "DATABASE", title="Customers from Berlin")


@pytest.fixture
def public_joins(other_creator, make_capsule) -> Capsule:
    """Another creator's published public capsule: anyone may add it."""
    return make_capsule(other_creator, "DATABASE", status="published", is_public=True, title="Join the orders")


@pytest.fixture
def others_draft(other_creator, make_capsule) -> Capsule:
    """Another creator's private draft: nobody else may add it."""
    return make_capsule(other_creator, "CODE", title="Somebody else's draft")


@pytest.fixture
def course(owner, two_sum, customers, public_joins) -> Playlist:
    return playlist_create(
        creator=owner,
        title="Python 101",
        description="Three steps",
        items=[{"capsule_id": c.pk} for c in (two_sum, customers, public_joins)],
    )


def edit_url(playlist: Playlist) -> str:
    return reverse("playlists:edit", args=[playlist.pk])


# --- Who may see what -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "new"])
def test_anonymous_visitors_are_sent_to_log_in_from_the_pages_without_a_playlist(client, name):
    response = client.get(reverse(f"playlists:{name}"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["edit", "share", "delete"])
def test_anonymous_visitors_are_sent_to_log_in_from_a_playlists_pages(client, course, name):
    response = client.get(reverse(f"playlists:{name}", args=[course.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["edit", "share", "delete"])
@pytest.mark.parametrize(("is_public", "status"), [(True, 403), (False, 404)])
def test_another_creator_gets_403_for_a_public_playlist_and_404_for_a_private_one(other_creator, course, name, is_public, status):
    Playlist.objects.filter(pk=course.pk).update(is_public=is_public)

    response = logged_in(other_creator).get(reverse(f"playlists:{name}", args=[course.pk]))

    assert response.status_code == status


def test_an_anonymous_save_is_not_accepted(client, two_sum):
    response = client.post(NEW, builder_post(two_sum, save="1"))

    assert response.status_code == 302
    assert not Playlist.objects.exists()


# --- The list ---------------------------------------------------------------------------------------------


def test_the_list_shows_the_owners_playlists_with_their_steps_visibility_and_actions(owner, course):
    Playlist.objects.filter(pk=course.pk).update(is_public=True)

    response = logged_in(owner).get(reverse("playlists:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Python 101" in html and "3 steps" in html and "Public" in html
    for name in ("edit", "share", "analytics", "delete"):
        assert reverse(f"playlists:{name}", args=[course.pk]) in html


def test_the_list_leaves_out_other_creators_playlists(owner, other_creator, course):
    playlist_create(creator=other_creator, title="Their own course", is_public=True)

    html = logged_in(owner).get(reverse("playlists:list")).content.decode()

    assert "Python 101" in html
    assert "Their own course" not in html


def test_the_list_without_playlists_offers_a_new_one(owner):
    html = logged_in(owner).get(reverse("playlists:list")).content.decode()

    assert "You have no playlists yet" in html
    assert html.count(f'href="{NEW}"') == 2  # the page header and the empty state


def test_the_list_is_paginated(settings, owner):
    settings.PLAYLIST_LIST_PAGE_SIZE = 2
    for title in ("First", "Second", "Third"):
        playlist_create(creator=owner, title=title)

    first = logged_in(owner).get(reverse("playlists:list"))
    second = logged_in(owner).get(reverse("playlists:list"), {"page": 2})

    assert [p.title for p in first.context["page"]] == ["Third", "Second"]
    assert [p.title for p in second.context["page"]] == ["First"]
    assert "Page 2 of 2" in second.content.decode()


def test_an_htmx_page_of_the_list_is_only_the_results(owner, course):
    response = logged_in(owner).get(reverse("playlists:list"), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "Python 101" in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


# --- The builder: what it shows ---------------------------------------------------------------------------


def test_the_builder_offers_own_and_published_public_capsules_only(owner, two_sum, public_joins, others_draft):
    response = logged_in(owner).get(NEW)

    assert {capsule.title for capsule in response.context["pool"]} == {"Two Sum", "Join the orders"}
    html = response.content.decode()
    assert "Somebody else" not in html
    assert f'name="add" value="{two_sum.pk}"' in html


def test_the_new_builder_has_the_seeds_placeholders_and_cannot_save_without_steps(owner, two_sum):
    html = logged_in(owner).get(NEW).content.decode()

    assert 'placeholder="Playlist title (e.g., Python 101: The Complete Intro)"' in html
    assert 'placeholder="Description (e.g., A 5-part series for absolute beginners)"' in html
    assert 'type="checkbox" name="is_public"' in html
    save = html[html.index('name="save"') : html.index("Save playlist &amp; get embed code")]
    assert "disabled" in save
    assert 'aria-live="polite"' in html


def test_the_capsule_filter_narrows_by_title_and_type(owner, two_sum, customers, public_joins):
    client = logged_in(owner)

    by_type = client.get(NEW, {"type": "DATABASE"})
    by_title = client.get(NEW, {"q": "join", "type": "DATABASE"})

    assert {c.title for c in by_type.context["pool"]} == {"Customers from Berlin", "Join the orders"}
    assert [c.title for c in by_title.context["pool"]] == ["Join the orders"]


def test_an_htmx_filter_answers_only_the_capsule_list_and_marks_what_is_already_added(owner, two_sum, customers):
    response = logged_in(owner).get(NEW, {"q": "", "capsule": [str(two_sum.pk)]}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<form" not in html and "<html" not in html
    assert html.count("pool-card--added") == 1
    added = html[html.index(f'data-capsule-id="{two_sum.pk}"') :]
    assert "In playlist" in added[: added.index("</li>")]


def test_the_capsule_list_shows_at_most_the_configured_number(settings, owner, quick_capsules):
    settings.PLAYLIST_BUILDER_CAPSULES = 2
    quick_capsules(owner, 3)

    response = logged_in(owner).get(NEW)

    assert len(response.context["pool"]) == 2
    assert "Showing the newest 2 matches" in response.content.decode()


def test_the_edit_builder_shows_the_steps_in_order_with_the_version_it_was_rendered_from(owner, course):
    reverse_steps(course, owner)

    response = logged_in(owner).get(edit_url(course))

    assert posted_steps(response) == ["Join the orders", "Customers from Berlin", "Two Sum"]
    html = response.content.decode()
    assert 'name="version" value="2"' in html
    assert html.index(f'name="capsule" value="{course.items.get(order=1).capsule_id}"') < html.index(
        f'name="capsule" value="{course.items.get(order=3).capsule_id}"'
    )


# --- The builder without JavaScript: buttons post the list back ------------------------------------------


def test_add_without_javascript_appends_the_capsule_and_saves_nothing(owner, two_sum, public_joins):
    response = logged_in(owner).post(NEW, builder_post(two_sum, add=str(public_joins.pk)))

    assert response.status_code == 200
    assert posted_steps(response) == ["Two Sum", "Join the orders"]
    assert response.context["announcement"] == "Added Join the orders at position 2"
    assert response.context["form"]["title"].value() == "Python 101"  # what was typed survives the round trip
    assert not Playlist.objects.exists()


def test_adding_a_capsule_that_is_already_there_keeps_it_once(owner, two_sum):
    response = logged_in(owner).post(NEW, builder_post(two_sum, add=str(two_sum.pk)))

    assert posted_steps(response) == ["Two Sum"]
    assert response.context["announcement"] == "Two Sum is already in the playlist"


def test_adding_a_capsule_the_creator_may_not_use_is_refused(owner, two_sum, others_draft):
    response = logged_in(owner).post(NEW, builder_post(two_sum, add=str(others_draft.pk)))

    assert posted_steps(response) == ["Two Sum"]
    assert "cannot be added" in response.context["announcement"]
    assert "Somebody else" not in response.content.decode()


def test_moving_a_step_up_without_javascript_swaps_it_announces_it_and_keeps_the_focus(owner, two_sum, customers, public_joins):
    response = logged_in(owner).post(NEW, builder_post(two_sum, customers, public_joins, up=str(public_joins.pk)))

    assert posted_steps(response) == ["Two Sum", "Join the orders", "Customers from Berlin"]
    assert response.context["announcement"] == "Moved Join the orders to position 2"
    assert [step.autofocus for step in response.context["steps"]] == ["", "up", ""]


def test_moving_a_step_down_to_the_end_focuses_its_move_up_button(owner, two_sum, customers):
    response = logged_in(owner).post(NEW, builder_post(two_sum, customers, down=str(two_sum.pk)))

    assert posted_steps(response) == ["Customers from Berlin", "Two Sum"]
    assert response.context["steps"][1].autofocus == "up"  # Move down is disabled on the last step
    html = response.content.decode()
    assert "autofocus" in html


def test_removing_a_step_without_javascript_drops_it(owner, two_sum, customers):
    response = logged_in(owner).post(NEW, builder_post(two_sum, customers, remove_step=str(two_sum.pk)))

    assert posted_steps(response) == ["Customers from Berlin"]
    assert response.context["announcement"] == "Removed Two Sum"


def test_a_no_javascript_post_keeps_the_capsule_filter(owner, two_sum, customers):
    response = logged_in(owner).post(f"{NEW}?type=DATABASE", builder_post(two_sum, add=str(customers.pk)))

    assert [c.title for c in response.context["pool"]] == ["Customers from Berlin"]
    assert f'action="{NEW}?type=DATABASE"' in response.content.decode()


# --- Saving -----------------------------------------------------------------------------------------------


def test_saving_a_new_playlist_creates_it_in_order_and_goes_to_the_embed_code(owner, two_sum, customers, public_joins):
    response = logged_in(owner).post(NEW, builder_post(public_joins, two_sum, customers, is_public="on", save="1"))

    playlist = Playlist.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("playlists:share", args=[playlist.pk])
    assert (playlist.creator, playlist.title, playlist.is_public) == (owner, "Python 101", True)
    assert titles_in(playlist) == ["Join the orders", "Two Sum", "Customers from Berlin"]


def test_an_htmx_save_answers_with_a_client_redirect(owner, two_sum):
    response = logged_in(owner).post(NEW, builder_post(two_sum, save="1"), HTTP_HX_REQUEST="true")

    playlist = Playlist.objects.get()
    assert response["HX-Redirect"] == reverse("playlists:share", args=[playlist.pk])


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "   "}, "title", "Give the playlist a title."),
        ({"capsule": []}, "steps", "Add at least one capsule to the playlist."),
    ],
)
def test_it_refuses_to_save_without_a_title_or_without_steps(owner, two_sum, fields, field, message):
    response = logged_in(owner).post(NEW, {**builder_post(two_sum, save="1"), **fields})

    assert response.status_code == 200
    form = response.context["form"]
    assert (form.errors.get("title", [""])[0] if field == "title" else form.steps_error) == message
    assert message in response.content.decode()
    assert not Playlist.objects.exists()


def test_a_step_the_creator_may_not_use_is_reported_next_to_that_step(owner, two_sum, others_draft):
    response = logged_in(owner).post(NEW, builder_post(two_sum, others_draft, save="1"))

    steps = response.context["steps"]
    assert steps[0].errors == []
    assert steps[1].errors == ["is not one of your capsules or a published public capsule"]
    assert steps[1].title == "Unavailable capsule"  # the page never shows a title it may not
    html = response.content.decode()
    assert "step--invalid" in html and "Somebody else" not in html
    assert not Playlist.objects.exists()


def test_a_too_long_title_is_reported_on_the_title(owner, two_sum):
    response = logged_in(owner).post(NEW, builder_post(two_sum, title="x" * 256, save="1"))

    assert "title" in response.context["form"].errors
    assert not Playlist.objects.exists()


def test_saving_an_edit_changes_details_and_order_together(owner, course, two_sum, public_joins):
    response = logged_in(owner).post(
        edit_url(course), builder_post(public_joins, two_sum, title="Python 102", description="Now two", version=course.version, save="1")
    )

    course.refresh_from_db()
    assert response.status_code == 302
    assert (course.title, course.description, course.version) == ("Python 102", "Now two", 2)
    assert titles_in(course) == ["Join the orders", "Two Sum"]


def test_it_refuses_a_stale_save_and_saves_nothing(owner, course, two_sum, customers):
    rendered_version = course.version
    reverse_steps(course, owner)

    response = logged_in(owner).post(
        edit_url(course), builder_post(two_sum, customers, title="Renamed", version=rendered_version, save="1")
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "This playlist was changed elsewhere — " in html
    assert f'<a href="{edit_url(course)}">refresh to see the current version</a>' in html
    course.refresh_from_db()
    assert course.title == "Python 101"  # the details were rolled back with the steps
    assert titles_in(course) == ["Join the orders", "Customers from Berlin", "Two Sum"]
    assert posted_steps(response) == ["Two Sum", "Customers from Berlin"]  # the creator's work is still on the page


def test_an_htmx_stale_save_gets_the_builder_fragment_with_the_message(owner, course, two_sum):
    playlist_set_items(playlist=course, actor=owner, capsule_ids=capsule_ids_in_order(course))  # same order, new version

    response = logged_in(owner).post(edit_url(course), builder_post(two_sum, version=1, save="1", q="", type=""), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert html.lstrip().startswith("<form") and "<html" not in html
    assert "This playlist was changed elsewhere" in html
    assert titles_in(course) == ["Two Sum", "Customers from Berlin", "Join the orders"]


def test_an_htmx_refused_save_keeps_the_filter_it_was_sent(owner, two_sum, customers):
    response = logged_in(owner).post(NEW, builder_post(two_sum, title="", save="1", q="Berlin", type=""), HTTP_HX_REQUEST="true")

    assert [c.title for c in response.context["pool"]] == ["Customers from Berlin"]
    assert "Give the playlist a title." in response.content.decode()


def test_an_edit_save_without_the_version_it_was_made_from_is_refused(owner, course, two_sum):
    response = logged_in(owner).post(edit_url(course), builder_post(two_sum, save="1"))

    assert response.status_code == 200
    assert "did not say which version" in response.content.decode()
    assert titles_in(course) == ["Two Sum", "Customers from Berlin", "Join the orders"]


def test_a_capsule_its_creator_unpublished_may_stay_in_the_playlist(owner, course, public_joins, two_sum):
    Capsule.objects.filter(pk=public_joins.pk).update(is_public=False)

    page = logged_in(owner).get(edit_url(course))
    response = logged_in(owner).post(edit_url(course), builder_post(public_joins, two_sum, version=course.version, save="1"))

    assert "Join the orders" in posted_steps(page)
    assert response.status_code == 302
    assert titles_in(course) == ["Join the orders", "Two Sum"]


def test_another_creator_cannot_save_over_a_public_playlist(other_creator, course, two_sum):
    Playlist.objects.filter(pk=course.pk).update(is_public=True)

    response = logged_in(other_creator).post(edit_url(course), builder_post(two_sum, title="Mine now", version=1, save="1"))

    course.refresh_from_db()
    assert response.status_code == 403
    assert course.title == "Python 101"


# --- Delete -----------------------------------------------------------------------------------------------


def test_delete_asks_for_confirmation_first(owner, course):
    response = logged_in(owner).get(reverse("playlists:delete", args=[course.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Delete “Python 101”?" in html and 'method="post"' in html
    assert Playlist.objects.filter(pk=course.pk).exists()


def test_delete_removes_the_playlist_but_not_its_capsules(owner, course):
    response = logged_in(owner).post(reverse("playlists:delete", args=[course.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("playlists:list")
    assert not Playlist.objects.filter(pk=course.pk).exists()
    assert Capsule.objects.filter(title="Two Sum").exists()


@pytest.mark.parametrize(("is_public", "status"), [(True, 403), (False, 404)])
def test_another_creator_cannot_delete_a_playlist(other_creator, course, is_public, status):
    Playlist.objects.filter(pk=course.pk).update(is_public=is_public)

    response = logged_in(other_creator).post(reverse("playlists:delete", args=[course.pk]))

    assert response.status_code == status
    assert Playlist.objects.filter(pk=course.pk).exists()
