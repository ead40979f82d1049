"""The API's capsule JSON is the seed's BaseCapsule plus our four extra fields, nothing more, nothing less."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from capsules.api import CapsuleSerializer, LearnerCapsuleSerializer
from capsules.tests.samples import capsule_data

SEED_BASE_CAPSULE_KEYS = {
    "id",
    "title",
    "capsule_type",
    "problem_statement_md",
    "runtime_config",
    "config_data",
    "creator_id",
    "created_at",
}
OUR_EXTRA_KEYS = {"difficulty", "status", "is_public", "updated_at"}
RUNTIME_CONFIG_KEYS = {"language", "runtime_tier"}


def parse_timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_a_created_capsule_has_exactly_the_base_capsule_keys(owner_api, capsule_type):
    body = owner_api.post("/api/capsules/", capsule_data(capsule_type), format="json").json()

    assert set(body) == SEED_BASE_CAPSULE_KEYS | OUR_EXTRA_KEYS
    assert set(body["runtime_config"]) == RUNTIME_CONFIG_KEYS


@pytest.mark.parametrize("reader", ["owner", "other_creator", "anonymous"])
def test_every_reader_gets_the_same_keys_from_detail_and_list(reader, owner, other_creator, api_client, make_capsule):
    capsule = make_capsule(owner, "TERMINAL", status="published", is_public=True)
    if reader != "anonymous":
        api_client.force_authenticate(owner if reader == "owner" else other_creator)

    detail = api_client.get(f"/api/capsules/{capsule.pk}").json()
    listed = api_client.get("/api/capsules/").json()["results"][0]

    for body in (detail, listed):
        assert set(body) == SEED_BASE_CAPSULE_KEYS | OUR_EXTRA_KEYS
        assert set(body["runtime_config"]) == RUNTIME_CONFIG_KEYS


def test_the_values_have_the_seeds_types(owner_api, owner):
    body = owner_api.post("/api/capsules/", capsule_data("CODE"), format="json").json()

    uuid.UUID(body["id"])
    assert body["creator_id"] == str(owner.pk)
    assert body["capsule_type"] == "CODE"
    assert body["runtime_config"] == {"language": "python", "runtime_tier": "sandbox-python"}
    assert isinstance(body["config_data"], dict)
    assert body["created_at"].endswith("Z")
    assert parse_timestamp(body["created_at"]) <= parse_timestamp(body["updated_at"])
    assert (body["difficulty"], body["status"], body["is_public"]) == ("easy", "validated", False)  # judged on create


def test_the_list_is_paginated_with_count_next_previous_and_results(owner_api, owner, make_capsule):
    make_capsule(owner)

    body = owner_api.get("/api/capsules/").json()

    assert set(body) == {"count", "next", "previous", "results"}


def test_both_serializers_declare_exactly_the_keys_they_return(owner, make_capsule):
    # The declared fields document the shape in /api/schema/; they must not drift from capsule_base_dict.
    capsule = make_capsule(owner)

    for serializer_class in (CapsuleSerializer, LearnerCapsuleSerializer):
        assert set(serializer_class().fields) == set(serializer_class(capsule).data)
        assert set(serializer_class().fields["runtime_config"].fields) == RUNTIME_CONFIG_KEYS


def test_the_documented_request_example_is_a_capsule_the_api_accepts(owner_api):
    from capsules.api import CAPSULE_INPUT_EXAMPLE

    schema = owner_api.get("/api/schema/?format=json").json()
    documented = schema["paths"]["/api/capsules/"]["post"]["requestBody"]["content"]["application/json"]["examples"]

    assert [example["value"] for example in documented.values()] == [CAPSULE_INPUT_EXAMPLE.value]
    assert owner_api.post("/api/capsules/", CAPSULE_INPUT_EXAMPLE.value, format="json").status_code == 201
