"""The one visibility rule: Capsule.objects.visible_to / visible_q, and the
capsule API reading through it.

A creator reads their own capsules whatever their status; everyone reads published AND public ones; inside a
course, the course owner's own capsules the judge proved count too. A capsule that was published and public
and then changed (unpublished, made private, rejected, flagged) is gone for everyone but its creator.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from capsules.models import Capsule, HiddenReason, course_hidden_reason

pytestmark = pytest.mark.django_db

# What became of a capsule that was published and public.
TAKEN_BACK: dict[str, dict[str, Any]] = {
    "unpublished (back to draft)": {"status": "draft"},
    "validated again, not published": {"status": "validated"},
    "made private": {"is_public": False},
    "rejected by moderation": {"status": "rejected"},
    "flagged by moderation": {"status": "flagged"},
}


@pytest.fixture(params=list(TAKEN_BACK), ids=list(TAKEN_BACK))
def taken_back(request, other_creator, make_capsule) -> Capsule:
    """Another creator's capsule that was published and public, then changed."""
    capsule = make_capsule(other_creator, title="Taken back", status="published", is_public=True)
    Capsule.objects.filter(pk=capsule.pk).update(**TAKEN_BACK[request.param])
    capsule.refresh_from_db()
    return capsule


@pytest.fixture
def still_public(other_creator, make_capsule) -> Capsule:
    return make_capsule(other_creator, title="Still public", status="published", is_public=True)


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def listed_titles(user) -> set[str]:
    response = api_as(user).get("/api/capsules/")
    assert response.status_code == 200
    return {capsule["title"] for capsule in response.json()["results"]}


# --- The capsule API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["anonymous", "owner", "staff"])
def test_a_capsule_taken_back_leaves_the_list_and_its_detail_is_not_found(request, reader, taken_back, still_public):
    user = None if reader == "anonymous" else request.getfixturevalue(reader)

    assert listed_titles(user) == {"Still public"}
    response = api_as(user).get(f"/api/capsules/{taken_back.pk}")
    assert response.status_code == 404
    assert "Taken back" not in response.content.decode()


def test_its_creator_still_lists_and_reads_it_whole(other_creator, taken_back, still_public):
    assert listed_titles(other_creator) == {"Taken back", "Still public"}
    body = api_as(other_creator).get(f"/api/capsules/{taken_back.pk}").json()
    assert "reference_solution" in body["config_data"]


def test_the_owners_own_draft_is_theirs_alone(owner, other_creator, make_capsule):
    draft = make_capsule(owner, title="Owner's draft", status="draft", is_public=True)

    assert api_as(owner).get(f"/api/capsules/{draft.pk}").status_code == 200
    for stranger in (None, other_creator):
        assert api_as(stranger).get(f"/api/capsules/{draft.pk}").status_code == 404
        assert "Owner's draft" not in listed_titles(stranger)


# --- The queryset -----------------------------------------------------------------------------------------


@pytest.fixture
def shelf(owner, other_creator, make_capsule) -> dict[str, Capsule]:
    states = {
        "own draft": (owner, "draft", False),
        "own validated": (owner, "validated", False),
        "own published private": (owner, "published", False),
        "own flagged": (owner, "flagged", True),
        "their published public": (other_creator, "published", True),
        "their validated public": (other_creator, "validated", True),
        "their published private": (other_creator, "published", False),
        "their rejected": (other_creator, "rejected", True),
    }
    return {
        name: make_capsule(creator, title=name, status=status, is_public=is_public) for name, (creator, status, is_public) in states.items()
    }


def titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


def test_a_stranger_sees_only_published_public_capsules(shelf):
    assert titles(Capsule.objects.visible_to(AnonymousUser())) == {"their published public"}
    assert titles(Capsule.objects.visible_to(None)) == {"their published public"}


def test_a_creator_sees_their_own_of_any_status_and_published_public_ones(shelf, owner):
    assert titles(Capsule.objects.visible_to(owner)) == {
        "own draft", "own validated", "own published private", "own flagged", "their published public",
    }  # fmt: skip


def test_in_a_course_learners_see_the_owners_proven_capsules_and_published_public_ones(shelf, owner):
    assert titles(Capsule.objects.visible_to(None, course_owner_id=owner.pk)) == {
        "own validated", "own published private", "their published public",
    }  # fmt: skip


def test_the_rule_is_one_sql_filter(shelf, owner, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(list(Capsule.objects.visible_to(owner, course_owner_id=owner.pk))) == 5


def test_the_hidden_reason_says_why_a_courses_learners_do_not_see_a_capsule(shelf, owner):
    reasons = dict(Capsule.objects.annotate(reason=course_hidden_reason(course_owner_id=owner.pk)).values_list("title", "reason"))

    assert reasons == {
        "own draft": HiddenReason.UNPROVEN,
        "own validated": None,
        "own published private": None,
        "own flagged": HiddenReason.MODERATED,
        "their published public": None,
        "their validated public": HiddenReason.PRIVATE,
        "their published private": HiddenReason.PRIVATE,
        "their rejected": HiddenReason.MODERATED,
    }
