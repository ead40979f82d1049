"""A DATABASE capsule's hidden dataset through the capsule services: stored as a file like the seed SQL, required
by the gate of new capsules, and optional (with a warning) for capsules saved before hidden datasets existed.

The judge is the real one, in the real sandbox.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from capsules.models import Capsule, CapsuleStatus
from capsules.seed_sql import seed_sql_name, seed_sql_read, seed_sql_store
from capsules.selectors import capsule_base_dict
from capsules.services import capsule_create, capsule_differs_from, capsule_update, capsule_validate, capsule_validate_for_save
from capsules.tests.samples import capsule_data
from codecapsule.errors import ValidationFailed
from judges.validators.database import NO_HIDDEN_DATASET_WARNING

pytestmark = pytest.mark.django_db

HIDDEN_SEED_SQL = capsule_data("DATABASE")["config_data"]["hidden_seed_sql"]


def without_hidden_dataset(**overrides: Any) -> dict[str, Any]:
    data = capsule_data("DATABASE", **overrides)
    del data["config_data"]["hidden_seed_sql"]
    return data


def older_capsule(creator, *, status: str = CapsuleStatus.PUBLISHED) -> Capsule:
    """A DATABASE capsule as one saved before hidden datasets existed: no hidden dataset, judged and passing."""
    capsule = capsule_create(creator=creator, data=capsule_data("DATABASE"))
    config = {key: value for key, value in capsule.config_data.items() if key != "hidden_seed_sql_url"}
    assert capsule.validation_report is not None
    report = {key: value for key, value in capsule.validation_report.items() if key not in ("warnings", "hidden_expected_result")}
    Capsule.objects.filter(pk=capsule.pk).update(config_data=config, validation_report=report, status=status)
    capsule.refresh_from_db()
    return capsule


# --- Storage -------------------------------------------------------------------------------------------------


def test_create_stores_the_hidden_dataset_as_a_file_and_keeps_only_its_url(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE"))

    config = Capsule.objects.get(pk=capsule.pk).config_data
    assert "hidden_seed_sql" not in config
    assert seed_sql_name(config["hidden_seed_sql_url"]) is not None
    assert config["hidden_seed_sql_url"] != config["seed_sql_url"]
    assert seed_sql_read(url=config["hidden_seed_sql_url"]) == HIDDEN_SEED_SQL


def test_a_capsule_without_a_hidden_dataset_stores_no_hidden_url_at_all(owner):
    capsule = capsule_create(creator=owner, data=without_hidden_dataset())

    assert "hidden_seed_sql_url" not in capsule.config_data and "hidden_seed_sql" not in capsule.config_data


def test_a_blank_hidden_dataset_is_stored_as_none(owner):
    data = capsule_data("DATABASE")
    data["config_data"]["hidden_seed_sql"] = "   \n"

    capsule = capsule_create(creator=owner, data=data)

    assert "hidden_seed_sql_url" not in capsule.config_data
    assert capsule.validation_report["category"] == "missing_hidden_dataset"


def test_a_hidden_dataset_may_be_named_by_the_url_of_sql_stored_here(owner):
    data = capsule_data("DATABASE")
    data["config_data"]["hidden_seed_sql_url"] = seed_sql_store(sql=data["config_data"].pop("hidden_seed_sql"))

    capsule = capsule_create(creator=owner, data=data)

    assert capsule.status == CapsuleStatus.VALIDATED, capsule.validation_report["message"]
    assert capsule.config_data["hidden_seed_sql_url"] == data["config_data"]["hidden_seed_sql_url"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://example.com/hidden.sql", "does not name seed SQL stored by CodeCapsule; send hidden_seed_sql instead"),
        ("/media/seed_sql/" + "0" * 64 + ".sql", "names seed SQL that is not stored here; include hidden_seed_sql in the record"),
    ],
)
def test_a_hidden_dataset_url_that_names_nothing_stored_here_is_refused_before_judging(url, message):
    data = without_hidden_dataset()
    data["config_data"]["hidden_seed_sql_url"] = url

    with pytest.raises(ValidationFailed) as raised:
        capsule_validate_for_save(data=data)

    assert raised.value.fields == {"config_data.hidden_seed_sql_url": message}


def test_a_bad_seed_url_and_a_bad_hidden_dataset_url_are_reported_together():
    data = without_hidden_dataset()
    data["config_data"].pop("seed_sql")
    data["config_data"].update(seed_sql_url="https://example.com/seed.sql", hidden_seed_sql_url="https://example.com/hidden.sql")

    with pytest.raises(ValidationFailed) as raised:
        capsule_validate_for_save(data=data)

    assert sorted(raised.value.fields) == ["config_data.hidden_seed_sql_url", "config_data.seed_sql_url"]


def test_an_update_carrying_the_same_hidden_dataset_inline_is_not_a_content_change(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE"))
    sentinel = {"passed": True, "message": "stored before this test's save"}
    Capsule.objects.filter(pk=capsule.pk).update(validation_report=sentinel)
    capsule.refresh_from_db()
    exported = capsule_base_dict(capsule, include_seed_sql=True)  # an export: both seeds inline
    assert exported["config_data"]["hidden_seed_sql"] == HIDDEN_SEED_SQL

    assert not capsule_differs_from(capsule=capsule, data=exported)
    updated = capsule_update(capsule=capsule, actor=owner, data=exported)

    assert updated.validation_report == sentinel  # not judged again
    assert updated.config_data == capsule.config_data


def test_a_changed_hidden_dataset_is_a_content_change_judged_again(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE"))
    data = capsule_base_dict(capsule)
    data["config_data"]["hidden_seed_sql"] = HIDDEN_SEED_SQL.replace("'Ken', 'Berlin'", "'Ken', 'Bonn'")

    assert capsule_differs_from(capsule=capsule, data=data)
    updated = capsule_update(capsule=capsule, actor=owner, data=data)

    assert updated.config_data["hidden_seed_sql_url"] != capsule.config_data["hidden_seed_sql_url"]
    assert updated.validation_report["hidden_expected_result"]["rows"] == [["Alan"], ["Barbara"]]


# --- New capsules need one ------------------------------------------------------------------------------------


def test_create_without_a_hidden_dataset_saves_a_draft_whose_report_asks_for_one(owner):
    capsule = capsule_create(creator=owner, data=without_hidden_dataset())

    assert capsule.status == CapsuleStatus.DRAFT
    assert capsule.validation_report["category"] == "missing_hidden_dataset"
    assert "hidden_seed_sql" in capsule.validation_report["message"]


def test_create_with_a_hidden_dataset_stores_both_expected_results(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE"))

    report = capsule.validation_report
    assert capsule.status == CapsuleStatus.VALIDATED
    assert report["expected_result"]["rows"] == [["Ada"], ["Grace"]]
    assert report["hidden_expected_result"] == {"columns": ["name"], "rows": [["Alan"], ["Barbara"], ["Ken"]], "ordered": True}
    assert report["warnings"] == []


def test_a_capsule_refused_for_lacking_a_hidden_dataset_is_not_let_through_by_saving_it_again(owner):
    capsule = capsule_create(creator=owner, data=without_hidden_dataset())

    updated = capsule_update(capsule=capsule, actor=owner, data=capsule_base_dict(capsule) | {"title": "Berliners"})

    assert updated.status == CapsuleStatus.DRAFT
    assert updated.validation_report["category"] == "missing_hidden_dataset"


def test_a_capsule_refused_for_lacking_a_hidden_dataset_is_not_let_through_by_validating_it_again(owner):
    capsule = capsule_create(creator=owner, data=without_hidden_dataset())

    report = capsule_validate(capsule=capsule, actor=owner)

    assert report["category"] == "missing_hidden_dataset"
    assert Capsule.objects.get(pk=capsule.pk).status == CapsuleStatus.DRAFT


def test_adding_the_hidden_dataset_to_a_refused_capsule_validates_it(owner):
    capsule = capsule_create(creator=owner, data=without_hidden_dataset())
    data = capsule_base_dict(capsule)
    data["config_data"]["hidden_seed_sql"] = HIDDEN_SEED_SQL

    updated = capsule_update(capsule=capsule, actor=owner, data=data)

    assert updated.status == CapsuleStatus.VALIDATED
    assert updated.validation_report["warnings"] == []


# --- Capsules saved before hidden datasets existed ------------------------------------------------------------


def test_an_older_capsule_updated_without_a_hidden_dataset_passes_with_a_warning(owner):
    capsule = older_capsule(owner)

    updated = capsule_update(capsule=capsule, actor=owner, data=capsule_base_dict(capsule) | {"title": "Berliners"})

    assert updated.status == CapsuleStatus.PUBLISHED
    report = updated.validation_report
    assert (report["passed"], report["category"]) == (True, None)
    assert report["warnings"] == [NO_HIDDEN_DATASET_WARNING]
    assert report["hidden_expected_result"] is None and report["expected_result"]["rows"] == [["Ada"], ["Grace"]]


def test_an_older_capsule_validated_again_passes_with_a_warning(owner):
    capsule = older_capsule(owner)

    report = capsule_validate(capsule=capsule, actor=owner)

    assert report["passed"] is True and report["warnings"] == [NO_HIDDEN_DATASET_WARNING]
    assert Capsule.objects.get(pk=capsule.pk).status == CapsuleStatus.PUBLISHED


def test_an_older_capsule_revalidated_by_the_command_passes_with_a_warning(owner):
    capsule = older_capsule(owner)

    call_command("revalidate", stdout=StringIO())

    capsule.refresh_from_db()
    assert capsule.status == CapsuleStatus.PUBLISHED
    assert capsule.validation_report["warnings"] == [NO_HIDDEN_DATASET_WARNING]


def test_an_older_capsule_validated_through_the_api_returns_the_warning(owner, owner_api):
    capsule = older_capsule(owner)

    response = owner_api.post(f"/api/capsules/{capsule.pk}/validate")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == CapsuleStatus.PUBLISHED
    assert body["report"]["passed"] is True and body["report"]["warnings"] == [NO_HIDDEN_DATASET_WARNING]


def test_an_older_capsule_whose_edit_breaks_it_can_be_fixed_without_adding_a_hidden_dataset(owner):
    capsule = older_capsule(owner)
    reference = capsule.config_data["reference_solution"]
    broken = capsule_base_dict(capsule)
    broken["config_data"]["reference_solution"] = "SELEC name FROM customers;"
    capsule = capsule_update(capsule=capsule, actor=owner, data=broken)
    assert (capsule.status, capsule.validation_report["category"]) == (CapsuleStatus.DRAFT, "syntax_error")
    fixed = capsule_base_dict(capsule)
    fixed["config_data"]["reference_solution"] = reference

    capsule = capsule_update(capsule=capsule, actor=owner, data=fixed)

    assert capsule.status == CapsuleStatus.VALIDATED
    assert capsule.validation_report["warnings"] == [NO_HIDDEN_DATASET_WARNING]


def test_removing_the_hidden_dataset_of_a_saved_capsule_passes_with_a_warning(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE"))
    data = capsule_base_dict(capsule)
    del data["config_data"]["hidden_seed_sql_url"]

    updated = capsule_update(capsule=capsule, actor=owner, data=data)

    assert "hidden_seed_sql_url" not in updated.config_data
    assert updated.status == CapsuleStatus.VALIDATED
    assert updated.validation_report["warnings"] == [NO_HIDDEN_DATASET_WARNING]


def test_the_owner_sees_the_warning_on_the_capsule_page(owner):
    capsule = older_capsule(owner)
    capsule_validate(capsule=capsule, actor=owner)
    client = Client()
    client.force_login(owner)

    html = client.get(reverse("capsules:detail", kwargs={"capsule_id": capsule.pk})).content.decode()

    assert "<strong>Warning:</strong> Graded on the visible data only" in html
    assert "None: submissions are graded on the visible data only" in html
