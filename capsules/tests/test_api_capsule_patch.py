"""PATCH /api/capsules/<id>: the patch is merged into the stored capsule, then validated as a whole."""

from __future__ import annotations

import pytest

from capsules.api import capsule_patch_merge
from capsules.models import Capsule
from capsules.selectors import capsule_base_dict
from capsules.tests.samples import capsule_data
from codecapsule.errors import ValidationFailed


def url(capsule: Capsule) -> str:
    return f"/api/capsules/{capsule.pk}"


@pytest.fixture
def capsule(owner, make_capsule) -> Capsule:
    return make_capsule(owner, "CODE", title="Find the largest number")


def test_a_patch_changes_only_the_keys_it_names(owner_api, capsule):
    before = capsule_base_dict(capsule)

    response = owner_api.patch(url(capsule), {"title": "Largest number", "difficulty": "hard"}, format="json")

    assert response.status_code == 200
    after = response.json()
    assert (after["title"], after["difficulty"]) == ("Largest number", "hard")
    for key in ("capsule_type", "problem_statement_md", "runtime_config", "config_data", "is_public", "created_at"):
        assert after[key] == before[key]


def test_an_empty_patch_changes_nothing(owner_api, capsule):
    before = capsule_base_dict(capsule)

    after = owner_api.patch(url(capsule), {}, format="json").json()

    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}


def test_runtime_config_is_merged_key_by_key(owner_api, capsule):
    response = owner_api.patch(url(capsule), {"runtime_config": {"runtime_tier": "sandbox-python-extended"}}, format="json")

    assert response.json()["runtime_config"] == {"language": "python", "runtime_tier": "sandbox-python-extended"}


def test_changing_the_language_moves_the_runtime_tier_along(owner_api, capsule):
    response = owner_api.patch(url(capsule), {"runtime_config": {"language": "javascript"}}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["runtime_config"] == {"language": "javascript", "runtime_tier": "sandbox-node"}


def test_changing_the_language_keeps_an_extended_tier_extended(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, runtime_config={"language": "python", "runtime_tier": "sandbox-python-extended"})

    response = owner_api.patch(url(capsule), {"runtime_config": {"language": "go"}}, format="json")

    assert response.json()["runtime_config"]["runtime_tier"] == "sandbox-go-extended"


def test_a_runtime_tier_named_in_the_patch_is_taken_as_given(owner_api, capsule):
    response = owner_api.patch(
        url(capsule), {"runtime_config": {"language": "javascript", "runtime_tier": "sandbox-python"}}, format="json"
    )

    assert response.status_code == 400
    assert "runtime_config.runtime_tier" in response.json()["error"]["fields"]


def test_switching_the_sql_dialect_moves_the_tier_along(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")
    config = dict(capsule.config_data, dialect="postgresql")

    response = owner_api.patch(url(capsule), {"config_data": config}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["runtime_config"]["runtime_tier"] == "sandbox-postgresql"


def test_config_data_is_replaced_as_a_whole(owner_api, capsule):
    response = owner_api.patch(url(capsule), {"config_data": {"hints": ["only hints"]}}, format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["config_data.reference_solution"] == "Field required"
    assert fields["config_data.test_cases"] == "Field required"


def test_a_full_config_in_a_patch_replaces_the_stored_one(owner_api, capsule):
    config = capsule_data("CODE")["config_data"]
    config["hints"] = ["A brand new hint."]

    response = owner_api.patch(url(capsule), {"config_data": config}, format="json")

    assert response.json()["config_data"]["hints"] == ["A brand new hint."]


def test_a_patch_can_change_the_capsule_type_with_its_config_and_language(owner_api, capsule):
    terminal = capsule_data("TERMINAL")
    patch = {"capsule_type": "TERMINAL", "runtime_config": {"language": "bash"}, "config_data": terminal["config_data"]}

    response = owner_api.patch(url(capsule), patch, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["runtime_config"] == {"language": "bash", "runtime_tier": "sandbox-bash"}


def test_a_patch_that_makes_the_capsule_invalid_saves_nothing(owner_api, capsule):
    before = capsule_base_dict(Capsule.objects.get(pk=capsule.pk))

    response = owner_api.patch(
        url(capsule), {"title": "New title", "runtime_config": {"language": "sql"}}, format="json"
    )

    assert response.status_code == 400
    assert capsule_base_dict(Capsule.objects.get(pk=capsule.pk)) == before


def test_read_only_keys_in_a_patch_are_ignored(owner_api, capsule, other_creator):
    response = owner_api.patch(
        url(capsule), {"status": "published", "creator_id": str(other_creator.pk), "id": "x"}, format="json"
    )

    assert response.status_code == 200
    # the status the judge gave the capsule when it was created; the patch changed no content
    assert capsule.status == "validated"
    assert (response.json()["status"], response.json()["id"]) == ("validated", str(capsule.pk))
    assert Capsule.objects.get(pk=capsule.pk).creator_id == capsule.creator_id


def test_a_patch_body_that_is_not_an_object_is_a_400(owner_api, capsule):
    response = owner_api.patch(url(capsule), ["title"], format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"__all__": "expected a JSON object"}


def test_the_merge_leaves_the_stored_dictionary_untouched(capsule):
    current = capsule_base_dict(capsule)
    snapshot = capsule_base_dict(capsule)

    merged = capsule_patch_merge(current, {"runtime_config": {"language": "go"}, "title": "x"})
    merged_again = capsule_patch_merge(current, {"title": "y"})

    assert current == snapshot
    assert merged["runtime_config"] is not current["runtime_config"]
    assert merged_again["runtime_config"] is not current["runtime_config"]


def test_the_merge_refuses_a_patch_that_is_not_an_object(capsule):
    with pytest.raises(ValidationFailed):
        capsule_patch_merge(capsule_base_dict(capsule), "title")
