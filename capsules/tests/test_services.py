"""Capsule write services: validation on every write, seed SQL storage, status rules, moderation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from capsules.models import Capsule, CapsuleStatus, ModerationAction
from capsules.seed_sql import seed_sql_read
from capsules.selectors import capsule_base_dict
from capsules.services import capsule_create, capsule_delete, capsule_moderate, capsule_update
from capsules.tests.samples import capsule_data
from codecapsule.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_it_creates_a_capsule_owned_by_the_creator_validated_by_the_judge(owner):
    capsule = capsule_create(creator=owner, data=capsule_data())
    assert capsule.creator == owner
    assert capsule.status == CapsuleStatus.VALIDATED
    assert capsule.validation_report["passed"] is True
    assert capsule.runtime_tier == "sandbox-python"
    assert capsule.config_data["test_cases"][1]["is_hidden"] is True


def test_it_creates_a_capsule_the_judge_fails_as_a_draft_with_the_reports_category(owner):
    data = capsule_data()
    data["config_data"]["reference_solution"] = "def find_largest(numbers):\n    return min(numbers)\n"
    capsule = capsule_create(creator=owner, data=data)
    assert capsule.creator == owner
    assert capsule.status == CapsuleStatus.DRAFT
    assert capsule.validation_report["passed"] is False
    assert capsule.validation_report["category"] == "wrong_output"
    assert Capsule.objects.get(pk=capsule.pk).status == CapsuleStatus.DRAFT


def test_it_refuses_an_invalid_capsule_and_saves_nothing(owner):
    data = capsule_data()
    del data["config_data"]["test_cases"][0]["test_call"]
    with pytest.raises(ValidationFailed) as caught:
        capsule_create(creator=owner, data=data)
    assert caught.value.fields == {"config_data.test_cases[0].test_call": "Field required"}
    assert Capsule.objects.count() == 0


def test_seed_sql_moves_into_storage_and_is_named_by_its_url(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE"))
    assert "seed_sql" not in capsule.config_data
    url = capsule.config_data["seed_sql_url"]
    assert url.startswith("/media/seed_sql/") and url.endswith(".sql")
    assert seed_sql_read(url=url) == capsule_data("DATABASE")["config_data"]["seed_sql"]


def test_the_same_seed_sql_is_stored_once(owner, settings):
    first = capsule_create(creator=owner, data=capsule_data("DATABASE"))
    second = capsule_create(creator=owner, data=capsule_data("DATABASE", title="Copy"))
    assert first.config_data["seed_sql_url"] == second.config_data["seed_sql_url"]
    assert first.config_data["hidden_seed_sql_url"] == second.config_data["hidden_seed_sql_url"]
    assert len(list((settings.MEDIA_ROOT / "seed_sql").iterdir())) == 2  # the visible seed and the hidden dataset


def test_a_seed_sql_url_that_names_nothing_we_stored_is_refused(owner):
    data = capsule_data("DATABASE")
    del data["config_data"]["seed_sql"]
    data["config_data"]["seed_sql_url"] = "https://elsewhere.example/seed.sql"
    with pytest.raises(ValidationFailed) as caught:
        capsule_create(creator=owner, data=data)
    assert "config_data.seed_sql_url" in caught.value.fields


def test_an_update_can_keep_the_stored_seed_by_its_url(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE"))
    data = capsule_base_dict(capsule)
    data["title"] = "Berlin customers, sorted"
    updated = capsule_update(capsule=capsule, actor=owner, data=data)
    assert updated.title == "Berlin customers, sorted"
    assert updated.config_data["seed_sql_url"] == capsule.config_data["seed_sql_url"]


def test_changing_content_so_that_the_judge_fails_it_takes_away_published_status(owner, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True)
    data = capsule_base_dict(capsule)
    data["config_data"]["boilerplate_code"] = data["config_data"]["reference_solution"]
    updated = capsule_update(capsule=capsule, actor=owner, data=data)
    assert updated.status == CapsuleStatus.DRAFT
    assert updated.validation_report["category"] == "boilerplate_passes"


def test_changing_content_in_a_way_the_judge_passes_keeps_published_status(owner, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True)
    data = capsule_base_dict(capsule)
    data["config_data"]["hints"].append("Read the docs.")
    updated = capsule_update(capsule=capsule, actor=owner, data=data)
    assert updated.status == CapsuleStatus.PUBLISHED
    assert updated.config_data["hints"][-1] == "Read the docs."


def test_toggling_visibility_alone_keeps_the_status(owner, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED)
    data = capsule_base_dict(capsule) | {"is_public": True}
    updated = capsule_update(capsule=capsule, actor=owner, data=data)
    assert (updated.status, updated.is_public) == (CapsuleStatus.PUBLISHED, True)


def test_a_rejected_update_leaves_the_row_unchanged(owner, make_capsule):
    capsule = make_capsule(owner)
    data = capsule_base_dict(capsule) | {"title": "New title", "runtime_config": {"language": "cobol"}}
    with pytest.raises(ValidationFailed):
        capsule_update(capsule=capsule, actor=owner, data=data)
    capsule.refresh_from_db()
    assert capsule.title == "Find the largest number"


def test_another_creator_cannot_update_or_delete(owner, other_creator, make_capsule):
    capsule = make_capsule(owner)
    with pytest.raises(PermissionDenied):
        capsule_update(capsule=capsule, actor=other_creator, data=capsule_base_dict(capsule))
    with pytest.raises(PermissionDenied):
        capsule_delete(capsule=capsule, actor=other_creator)
    assert Capsule.objects.filter(pk=capsule.pk).exists()


def test_moderation_records_who_when_and_the_transition(owner, staff, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.VALIDATED, is_public=True)
    record = capsule_moderate(capsule=capsule, actor=staff, action="publish", note="looks good")
    capsule.refresh_from_db()
    assert capsule.status == CapsuleStatus.PUBLISHED
    assert (record.actor, record.from_status, record.to_status, record.note) == (staff, "validated", "published", "looks good")
    assert record.created_at is not None


def test_moderating_to_the_current_status_records_nothing(owner, staff, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.DRAFT)
    assert capsule_moderate(capsule=capsule, actor=staff, action="draft") is None
    assert ModerationAction.objects.count() == 0


def test_only_staff_moderate(owner, make_capsule):
    capsule = make_capsule(owner)
    with pytest.raises(PermissionDenied):
        capsule_moderate(capsule=capsule, actor=owner, action="publish")


def test_publishing_needs_a_passing_judge_report(owner, staff, make_capsule):
    from codecapsule.errors import ApplicationError

    capsule = make_capsule(owner, title="Never passed")
    Capsule.objects.filter(pk=capsule.pk).update(validation_report={"passed": False, "category": "wrong_output"})
    with pytest.raises(ApplicationError, match="Only a capsule that passed the judge can be published"):
        capsule_moderate(capsule=capsule, actor=staff, action="publish")
    assert ModerationAction.objects.count() == 0
