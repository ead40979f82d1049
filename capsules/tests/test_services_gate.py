"""The capsule services and the quality gate: every save is judged (through the judge the judges app
registers in capsules/hooks.py), the report is stored, and the status follows status_after_judging.

The judge is the real one, in the real sandbox: the samples pass it, and each "failing" body below fails it
for a reason the report names.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from capsules.models import Capsule, CapsuleStatus
from capsules.selectors import capsule_base_dict
from capsules.services import capsule_create, capsule_update, capsule_validate, status_after_judging
from capsules.tests.samples import capsule_data

pytestmark = pytest.mark.django_db

ALL_STATUSES = [status.value for status in CapsuleStatus]
SENTINEL_REPORT = {"passed": True, "message": "stored before this test's save"}


def failing_code_data(**overrides: Any) -> dict[str, Any]:
    """The CODE sample with a reference that prints the smallest number: wrong_output on test 1."""
    data = capsule_data("CODE", **overrides)
    data["config_data"]["reference_solution"] = "def find_largest(numbers):\n    return min(numbers)\n"
    return data


def with_sentinel_report(capsule: Capsule, status: str) -> Capsule:
    """Mark the stored report (and set a status) so a test can tell whether the judge ran again."""
    Capsule.objects.filter(pk=capsule.pk).update(validation_report=SENTINEL_REPORT, status=status)
    capsule.refresh_from_db()
    return capsule


# --- capsule_create ----------------------------------------------------------------------------------


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_create_saves_a_capsule_the_judge_passes_as_validated_with_its_report(owner, capsule_type):
    capsule = capsule_create(creator=owner, data=capsule_data(capsule_type))

    stored = Capsule.objects.get(pk=capsule.pk)
    assert stored.status == CapsuleStatus.VALIDATED
    report = stored.validation_report
    assert (report["passed"], report["category"], report["capsule_type"]) == (True, None, capsule_type)
    assert report["steps"] and all(step["ok"] for step in report["steps"])
    assert capsule.validation_report == report  # the returned instance is what was saved


def test_create_saves_a_capsule_the_judge_fails_as_a_draft_whose_report_says_why(owner):
    capsule = capsule_create(creator=owner, data=failing_code_data())

    stored = Capsule.objects.get(pk=capsule.pk)
    assert stored.status == CapsuleStatus.DRAFT
    report = stored.validation_report
    assert (report["passed"], report["category"]) == (False, "wrong_output")
    assert report["message"] == (
        "The reference solution fails test 1 (three numbers): print(find_largest([1, 5, 2])) printed '1\\n' but '5\\n' was expected."
    )
    assert report["tests"][0]["verdict"] == "WA"


def test_create_stores_the_database_capsules_expected_result_for_grading(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE"))

    assert capsule.validation_report["expected_result"] == {"columns": ["name"], "rows": [["Ada"], ["Grace"]], "ordered": True}


def test_create_without_a_sandbox_saves_a_draft_with_sandbox_error_never_a_validated_capsule(owner, settings):
    settings.JUDGE_BWRAP_PATH = "/nonexistent/bwrap"
    settings.JUDGE_ALLOW_UNSANDBOXED = False

    capsule = capsule_create(creator=owner, data=capsule_data("CODE"))

    assert capsule.status == CapsuleStatus.DRAFT
    assert capsule.validation_report["category"] == "sandbox_error"
    assert "no sandbox is available" in capsule.validation_report["message"]


def test_the_status_in_the_body_is_not_what_decides(owner):
    capsule = capsule_create(creator=owner, data=failing_code_data(status="published"))

    assert capsule.status == CapsuleStatus.DRAFT


# --- capsule_update: judged again only when the content changed --------------------------------------


def test_an_update_that_changes_the_content_is_judged_again(owner, make_capsule):
    capsule = with_sentinel_report(make_capsule(owner), CapsuleStatus.VALIDATED)
    data = capsule_base_dict(capsule) | {"title": "Find the maximum"}

    updated = capsule_update(capsule=capsule, actor=owner, data=data)

    assert updated.validation_report != SENTINEL_REPORT
    assert updated.validation_report["passed"] is True
    assert Capsule.objects.get(pk=capsule.pk).validation_report == updated.validation_report


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data: data, id="nothing"),
        pytest.param(lambda data: data | {"is_public": not data["is_public"]}, id="visibility only"),
    ],
)
def test_an_update_that_leaves_the_content_alone_is_not_judged_again(owner, make_capsule, change):
    capsule = with_sentinel_report(make_capsule(owner), CapsuleStatus.PUBLISHED)

    updated = capsule_update(capsule=capsule, actor=owner, data=change(capsule_base_dict(capsule)))

    assert updated.validation_report == SENTINEL_REPORT
    assert updated.status == CapsuleStatus.PUBLISHED


def test_a_database_update_carrying_the_same_seed_sql_inline_is_not_a_content_change(owner, make_capsule):
    capsule = with_sentinel_report(make_capsule(owner, "DATABASE"), CapsuleStatus.PUBLISHED)
    data = capsule_base_dict(capsule, include_seed_sql=True)  # an export: the seed SQL inline, no longer a URL
    assert "seed_sql" in data["config_data"]

    updated = capsule_update(capsule=capsule, actor=owner, data=data)

    assert updated.validation_report == SENTINEL_REPORT
    assert updated.config_data["seed_sql_url"] == capsule.config_data["seed_sql_url"]


def test_a_draft_stays_a_draft_when_only_its_visibility_changes(owner):
    capsule = capsule_create(creator=owner, data=failing_code_data())

    updated = capsule_update(capsule=capsule, actor=owner, data=capsule_base_dict(capsule) | {"is_public": True})

    assert (updated.status, updated.is_public) == (CapsuleStatus.DRAFT, True)
    assert updated.validation_report["category"] == "wrong_output"


def test_fixing_a_drafts_content_makes_it_validated(owner):
    capsule = capsule_create(creator=owner, data=failing_code_data())

    updated = capsule_update(capsule=capsule, actor=owner, data=capsule_data("CODE"))

    assert updated.status == CapsuleStatus.VALIDATED
    assert updated.validation_report["passed"] is True


# --- The status rule ---------------------------------------------------------------------------------

STATUS_TABLE = [
    # current status, judge passed, status after
    ("draft", True, "validated"),
    ("draft", False, "draft"),
    ("validated", True, "validated"),
    ("validated", False, "draft"),
    ("published", True, "published"),
    ("published", False, "draft"),
    ("rejected", True, "rejected"),
    ("rejected", False, "rejected"),
    ("flagged", True, "flagged"),
    ("flagged", False, "flagged"),
]


def test_the_status_table_covers_every_status_both_ways():
    assert sorted((current, passed) for current, passed, _ in STATUS_TABLE) == sorted(
        (status, passed) for status in ALL_STATUSES for passed in (True, False)
    )


@pytest.mark.parametrize(("current", "passed", "after"), STATUS_TABLE)
def test_status_after_judging(current, passed, after):
    assert status_after_judging(current, passed=passed) == after


@pytest.mark.parametrize(("current", "passed", "after"), STATUS_TABLE)
def test_an_update_applies_the_status_rule_with_the_real_judges_verdict(owner, make_capsule, current, passed, after):
    capsule = make_capsule(owner, status=current)
    data = capsule_data("CODE", title="Find the maximum") if passed else failing_code_data(title="Find the maximum")

    updated = capsule_update(capsule=capsule, actor=owner, data=data)

    assert updated.validation_report["passed"] is passed
    assert updated.status == after
    assert Capsule.objects.get(pk=capsule.pk).status == after


# --- capsule_validate: judge a saved capsule again ---------------------------------------------------


def test_validate_records_the_report_and_the_status_of_a_capsule_never_judged(owner, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.DRAFT)
    Capsule.objects.filter(pk=capsule.pk).update(validation_report=None)  # saved before the judge existed
    capsule.refresh_from_db()

    report = capsule_validate(capsule=capsule, actor=owner)

    assert report["passed"] is True
    stored = Capsule.objects.get(pk=capsule.pk)
    assert (stored.status, stored.validation_report) == (CapsuleStatus.VALIDATED, report)
    assert (capsule.status, capsule.validation_report) == (CapsuleStatus.VALIDATED, report)  # updated in place


def test_validate_takes_a_capsule_that_no_longer_passes_back_to_draft_with_the_reason(owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE", status=CapsuleStatus.PUBLISHED, is_public=True)
    config = dict(capsule.config_data) | {"reference_solution": "SELECT name FROM customers WHERE city = 'Paris';"}
    Capsule.objects.filter(pk=capsule.pk).update(config_data=config)  # e.g. written by an older version
    capsule.refresh_from_db()

    report = capsule_validate(capsule=capsule, actor=owner)

    assert (report["passed"], report["category"]) == (False, "empty_result")
    stored = Capsule.objects.get(pk=capsule.pk)
    assert (stored.status, stored.validation_report["category"]) == (CapsuleStatus.DRAFT, "empty_result")


def test_validate_keeps_a_published_capsule_that_still_passes_published(owner, make_capsule):
    capsule = with_sentinel_report(make_capsule(owner, "TERMINAL"), CapsuleStatus.PUBLISHED)

    report = capsule_validate(capsule=capsule, actor=owner)

    assert report["passed"] is True and report != SENTINEL_REPORT
    assert Capsule.objects.get(pk=capsule.pk).status == CapsuleStatus.PUBLISHED


@pytest.mark.parametrize("status", [CapsuleStatus.REJECTED, CapsuleStatus.FLAGGED])
@pytest.mark.parametrize("passes", [True, False], ids=["passing", "failing"])
def test_validate_leaves_rejected_and_flagged_capsules_to_the_moderators(owner, make_capsule, status, passes):
    capsule = make_capsule(owner, status=status) if passes else capsule_create(creator=owner, data=failing_code_data())
    Capsule.objects.filter(pk=capsule.pk).update(status=status)
    capsule.refresh_from_db()

    report = capsule_validate(capsule=capsule, actor=owner)

    assert report["passed"] is passes
    stored = Capsule.objects.get(pk=capsule.pk)
    assert stored.status == status
    assert stored.validation_report == report  # the report is still recorded


def test_only_the_creator_or_staff_may_validate(owner, other_creator, staff, make_capsule):
    capsule = with_sentinel_report(make_capsule(owner), CapsuleStatus.DRAFT)

    with pytest.raises(PermissionDenied):
        capsule_validate(capsule=capsule, actor=other_creator)
    assert Capsule.objects.get(pk=capsule.pk).validation_report == SENTINEL_REPORT

    assert capsule_validate(capsule=capsule, actor=staff)["passed"] is True
    assert Capsule.objects.get(pk=capsule.pk).status == CapsuleStatus.VALIDATED


def test_validate_records_a_stored_capsule_that_no_longer_fits_the_schema_as_invalid_config(owner, make_capsule):
    capsule = make_capsule(owner, status=CapsuleStatus.VALIDATED)
    Capsule.objects.filter(pk=capsule.pk).update(config_data=dict(capsule.config_data) | {"test_cases": []})
    capsule.refresh_from_db()

    report = capsule_validate(capsule=capsule, actor=owner)

    assert report["category"] == "invalid_config"
    assert Capsule.objects.get(pk=capsule.pk).status == CapsuleStatus.DRAFT


def test_a_sandbox_outage_while_revalidating_does_not_unpublish_a_capsule(owner, make_capsule, settings):
    capsule = make_capsule(owner, status=CapsuleStatus.PUBLISHED, is_public=True)
    settings.JUDGE_BWRAP_PATH = "/nonexistent/bwrap"
    settings.JUDGE_ALLOW_UNSANDBOXED = False

    report = capsule_validate(capsule=capsule, actor=owner)

    assert report["category"] == "sandbox_error"
    assert Capsule.objects.get(pk=capsule.pk).status == CapsuleStatus.PUBLISHED
