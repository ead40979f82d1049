"""The capsule lists at scale (benchmarks/scale_bench.py): the same queries however many
capsules there are, read in the order of an index rather than by sorting every matching row."""

from __future__ import annotations

import pytest
from django.db import connection

from capsules.models import Capsule
from playlists.tests.conftest import unjudged_capsule

pytestmark = pytest.mark.django_db


def add_capsules(creator, count: int, **fields) -> None:
    Capsule.objects.bulk_create(unjudged_capsule(creator, title=f"Capsule {n}", **fields) for n in range(count))


def test_the_public_list_takes_two_queries_whatever_the_number_of_capsules(api_client, owner, django_assert_num_queries):
    add_capsules(owner, 1, status="published", is_public=True)
    with django_assert_num_queries(2):  # the count, the page
        assert api_client.get("/api/capsules/").status_code == 200
    add_capsules(owner, 45, status="published", is_public=True)
    add_capsules(owner, 5)  # not published: not listed
    with django_assert_num_queries(2):
        body = api_client.get("/api/capsules/?page=3").json()
    assert body["count"] == 46 and len(body["results"]) == 6


def test_a_filtered_list_and_a_creators_own_list_take_the_same_queries_for_more_capsules(owner_api, owner, django_assert_num_queries):
    add_capsules(owner, 2, capsule_type="DATABASE", status="published", is_public=True)
    with django_assert_num_queries(2):
        owner_api.get("/api/capsules/?capsule_type=DATABASE&search=capsule")
    with django_assert_num_queries(2):
        owner_api.get("/api/capsules/?mine=1")
    add_capsules(owner, 30, capsule_type="DATABASE", status="published", is_public=True)
    with django_assert_num_queries(2):
        assert owner_api.get("/api/capsules/?capsule_type=DATABASE&search=capsule").json()["count"] == 32
    with django_assert_num_queries(2):
        assert owner_api.get("/api/capsules/?mine=1").json()["count"] == 32


def test_the_list_order_has_an_index():
    """selectors.capsule_list orders by (-created_at, id); without this index every page sorted all matching rows
    (on disk for deep pages at 10,000 capsules)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Capsule._meta.db_table)
    index = constraints["capsule_recent_idx"]
    assert index["index"] and index["columns"] == ["created_at", "id"]
    assert index["orders"] == ["DESC", "ASC"]
