"""POST /api/capsules/<id>/validate: the owner re-runs the gate; the report and status are saved."""

from __future__ import annotations

import pytest

from capsules.models import Capsule

pytestmark = pytest.mark.django_db


def url(capsule) -> str:
    return f"/api/capsules/{capsule.pk}/validate"


def test_the_owner_revalidates_and_gets_the_report(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, status="draft")
    Capsule.objects.filter(pk=capsule.pk).update(validation_report=None)
    response = owner_api.post(url(capsule))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "validated"
    assert body["report"]["passed"] is True
    assert [step["name"] for step in body["report"]["steps"]][:2] == [
        "tests include a visible and a hidden test",
        "reference solution passes every test",
    ]
    assert Capsule.objects.get(pk=capsule.pk).validation_report == body["report"]


def test_a_capsule_that_no_longer_passes_goes_back_to_draft(owner_api, owner, make_capsule):
    capsule = make_capsule(owner)
    config = dict(capsule.config_data)
    config["reference_solution"] = "def find_largest(numbers):\n    return min(numbers)\n"
    Capsule.objects.filter(pk=capsule.pk).update(config_data=config)  # e.g. a runtime upgrade broke it
    body = owner_api.post(url(capsule)).json()
    assert (body["status"], body["report"]["category"]) == ("draft", "wrong_output")
    assert "print(find_largest([1, 5, 2])) printed '1\\n' but '5\\n' was expected" in body["report"]["message"]


def test_only_the_owner_may_validate(api_client, other_creator, owner, make_capsule):
    public = make_capsule(owner, status="published", is_public=True)
    private = make_capsule(owner)
    assert api_client.post(url(public)).status_code == 401
    api_client.force_authenticate(other_creator)
    assert api_client.post(url(public)).status_code == 403
    assert api_client.post(url(private)).status_code == 404


# --- Checking without saving: ?dry_run=1, or a capsule body --------------------------------------------------


def _stored(capsule) -> tuple:
    fresh = Capsule.objects.get(pk=capsule.pk)
    return fresh.status, fresh.validation_report, fresh.updated_at, fresh.config_data


def test_a_body_is_judged_merged_like_patch_and_nothing_is_saved(owner_api, owner, make_capsule):
    from feedback.models import CreatorEdit

    capsule = make_capsule(owner)
    before = _stored(capsule)
    config = dict(capsule.config_data)
    config["reference_solution"] = "def find_largest(numbers)\n    return min(numbers)\n"  # a syntax error
    config["test_cases"] = [dict(test, is_hidden=False) for test in config["test_cases"]]  # and no hidden test

    response = owner_api.post(url(capsule), {"config_data": config}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["status"], body["would_be_status"]) == (True, "validated", "draft")
    assert [problem["category"] for problem in body["report"]["problems"]] == ["missing_hidden_test", "syntax_error"]
    assert body["report"]["category"] == "missing_hidden_test"
    assert _stored(capsule) == before
    assert not CreatorEdit.objects.filter(capsule_id=capsule.pk).exists()


def test_dry_run_without_a_body_judges_the_saved_capsule_without_saving(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, status="draft")
    Capsule.objects.filter(pk=capsule.pk).update(validation_report=None)
    before = _stored(capsule)

    body = owner_api.post(url(capsule) + "?dry_run=1").json()

    assert (body["dry_run"], body["status"], body["would_be_status"], body["report"]["passed"]) == (True, "draft", "validated", True)
    assert body["report"]["problems"] == []
    assert _stored(capsule) == before


def test_a_body_that_does_not_fit_the_schema_is_a_400_with_field_paths(owner_api, owner, make_capsule):
    capsule = make_capsule(owner)
    config = dict(capsule.config_data, test_cases=[{"description": "no call"}])

    response = owner_api.post(url(capsule), {"config_data": config}, format="json")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert any(path.startswith("config_data.test_cases[0]") for path in fields)
    assert owner_api.post(url(capsule), [1, 2], format="json").status_code == 400  # not an object


def test_an_unreadable_dry_run_flag_is_a_400(owner_api, owner, make_capsule):
    capsule = make_capsule(owner)
    response = owner_api.post(url(capsule) + "?dry_run=maybe")
    assert response.status_code == 400
    assert "dry_run" in response.json()["error"]["fields"]


def test_a_check_waits_for_the_creators_judgement_in_flight_like_a_save(owner_api, owner, make_capsule):
    from django.core.cache import cache

    from codecapsule.admission import KEY_PREFIX

    capsule = make_capsule(owner)
    cache.add(f"{KEY_PREFIX}:creator:{owner.pk}", 1, timeout=60)
    response = owner_api.post(url(capsule) + "?dry_run=1")
    assert response.status_code == 429
    assert "Retry-After" in response


def test_only_the_owner_may_check(api_client, other_creator, owner, make_capsule):
    public = make_capsule(owner, status="published", is_public=True)
    api_client.force_authenticate(other_creator)
    assert api_client.post(url(public) + "?dry_run=1").status_code == 403
    assert api_client.post(url(public), {"title": "Mine now"}, format="json").status_code == 403
