"""Who may read and who may change a capsule."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from capsules.selectors import capsule_list, capsules_readable_by, get_capsule_for_owner, get_capsule_for_reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def capsules(owner, make_capsule):
    return {
        "private": make_capsule(owner, title="Private draft", status="draft"),
        "public_draft": make_capsule(owner, "DATABASE", is_public=True, title="Public draft", status="draft"),
        "published": make_capsule(owner, "TERMINAL", status="published", is_public=True, title="Published"),
    }


def test_anonymous_reads_only_published_public_capsules(capsules):
    assert list(capsules_readable_by(AnonymousUser())) == [capsules["published"]]


def test_another_creator_reads_published_public_and_their_own(capsules, other_creator, make_capsule):
    mine = make_capsule(other_creator, title="Mine")
    assert set(capsules_readable_by(other_creator)) == {capsules["published"], mine}


def test_the_owner_reads_all_their_capsules(capsules, owner):
    assert set(capsules_readable_by(owner)) == set(capsules.values())


def test_a_private_capsule_is_a_404_for_others(capsules, other_creator):
    with pytest.raises(Http404):
        get_capsule_for_reader(other_creator, capsules["private"].pk)
    with pytest.raises(Http404):
        get_capsule_for_owner(other_creator, capsules["private"].pk)


def test_a_readable_capsule_of_someone_else_is_a_403_for_changes(capsules, other_creator):
    assert get_capsule_for_reader(other_creator, capsules["published"].pk) == capsules["published"]
    with pytest.raises(PermissionDenied):
        get_capsule_for_owner(other_creator, capsules["published"].pk)


def test_unknown_and_malformed_ids_are_404(owner):
    for capsule_id in (uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(Http404):
            get_capsule_for_reader(owner, capsule_id)


def test_list_filters_combine(capsules, owner):
    readable = capsules_readable_by(owner)
    assert list(capsule_list(queryset=readable, capsule_type="DATABASE")) == [capsules["public_draft"]]
    assert list(capsule_list(queryset=readable, status="published")) == [capsules["published"]]
    assert list(capsule_list(queryset=readable, search="  private ")) == [capsules["private"]]
    assert list(capsule_list(queryset=readable, language="bash", status="draft")) == []
