"""The creator's capsule list: only their own capsules, filters, search, pagination, htmx partial."""

from __future__ import annotations

import pytest
from django.urls import reverse

from capsules.models import Capsule

pytestmark = pytest.mark.django_db

LIST = reverse("capsules:list")


def titles(response) -> list[str]:
    return [capsule.title for capsule in response.context["page"].object_list]


@pytest.fixture
def shelf(owner, other_creator, make_capsule):
    """Four capsules of the owner's and a published public one of another creator's."""
    make_capsule(owner, "CODE", title="Largest number", difficulty="easy")
    make_capsule(owner, "CODE", title="Binary search in Go", runtime_config={"language": "go"}, difficulty="hard")
    make_capsule(owner, "DATABASE", title="Customers from Berlin", status="published", is_public=True)
    make_capsule(owner, "TERMINAL", title="Make a greeting file", status="validated", difficulty="medium")
    make_capsule(other_creator, "CODE", title="Someone else's largest number", status="published", is_public=True)


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={LIST}"


def test_it_lists_only_the_creators_own_capsules_newest_first(client, owner, shelf):
    client.force_login(owner)
    response = client.get(LIST)
    assert response.status_code == 200
    assert titles(response) == ["Make a greeting file", "Customers from Berlin", "Binary search in Go", "Largest number"]
    assert "Someone else" not in response.content.decode()


def test_another_creator_sees_only_their_own(client, other_creator, shelf):
    client.force_login(other_creator)
    assert titles(client.get(LIST)) == ["Someone else's largest number"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "CODE"}, ["Binary search in Go", "Largest number"]),
        ({"language": "go"}, ["Binary search in Go"]),
        ({"status": "published"}, ["Customers from Berlin"]),
        ({"difficulty": "hard"}, ["Binary search in Go"]),
        ({"q": "LARGEST"}, ["Largest number"]),
        ({"type": "CODE", "difficulty": "easy", "q": "number"}, ["Largest number"]),
        ({"type": "NOT-A-TYPE"}, ["Make a greeting file", "Customers from Berlin", "Binary search in Go", "Largest number"]),
    ],
)
def test_it_filters_by_type_language_status_difficulty_and_searches_titles(client, owner, shelf, query, expected):
    client.force_login(owner)
    assert titles(client.get(LIST, query)) == expected


def test_it_says_when_no_capsule_matches_and_how_to_clear_the_filters(client, owner, shelf):
    client.force_login(owner)
    html = client.get(LIST, {"q": "nothing like this"}).content.decode()
    assert "No capsules match these filters" in html


def test_it_welcomes_a_creator_without_capsules_with_a_way_to_make_one(client, owner):
    client.force_login(owner)
    html = client.get(LIST).content.decode()
    assert "You have no capsules yet" in html
    assert f'href="{reverse("capsules:new")}?type=DATABASE"' in html


def test_it_paginates_keeping_the_filters_in_the_page_links(client, owner, make_capsule, settings):
    settings.CAPSULE_LIST_PAGE_SIZE = 2
    for number in range(5):
        make_capsule(owner, "CODE", title=f"Exercise {number}")
    make_capsule(owner, "TERMINAL", title="Not code")
    client.force_login(owner)
    first = client.get(LIST, {"type": "CODE"})
    assert titles(first) == ["Exercise 4", "Exercise 3"]
    html = first.content.decode()
    assert "Page 1 of 3" in html
    assert 'href="?type=CODE&amp;page=2"' in html
    assert titles(client.get(LIST, {"type": "CODE", "page": 3})) == ["Exercise 0"]
    assert titles(client.get(LIST, {"type": "CODE", "page": 99})) == ["Exercise 0"]  # past the end: the last page


def test_an_htmx_request_gets_only_the_results_fragment(client, owner, shelf):
    client.force_login(owner)
    response = client.get(LIST, {"type": "TERMINAL"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert "Make a greeting file" in html and "Largest number" not in html
    assert "1 capsule matches these filters" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, owner, shelf):
    client.force_login(owner)
    response = client.get(LIST, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_the_filter_form_works_without_javascript_and_drives_htmx_when_present(client, owner, shelf):
    client.force_login(owner)
    html = client.get(LIST).content.decode()
    assert f'<form method="get" action="{LIST}"' in html
    assert f'hx-get="{LIST}" hx-target="#capsule-results" hx-push-url="true"' in html


def test_a_capsule_row_links_to_its_detail_and_edit_pages(client, owner, shelf):
    client.force_login(owner)
    capsule = Capsule.objects.get(title="Largest number")
    html = client.get(LIST).content.decode()
    assert f'href="{reverse("capsules:detail", args=[capsule.pk])}"' in html
    assert f'href="{reverse("capsules:edit", args=[capsule.pk])}"' in html
