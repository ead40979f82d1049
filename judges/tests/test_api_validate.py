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
