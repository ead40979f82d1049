"""GET, PUT and DELETE /api/capsules/<id>: the reader rule, the owner rule, and both sides of each."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from capsules.models import Capsule
from capsules.selectors import capsule_base_dict
from capsules.tests.samples import capsule_data


def url(capsule: Capsule) -> str:
    return f"/api/capsules/{capsule.pk}"


@pytest.fixture
def other_api(other_creator) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_creator)
    return client


@pytest.fixture
def private(owner, make_capsule) -> Capsule:
    return make_capsule(owner, "CODE", title="Private draft", status="draft")


@pytest.fixture
def public(owner, make_capsule) -> Capsule:
    return make_capsule(owner, "CODE", title="Public one", status="published", is_public=True)


def error_code(response) -> str:
    return response.json()["error"]["code"]


# --- read ----------------------------------------------------------------------------------------------


def test_the_owner_reads_their_private_capsule_in_full(owner_api, private):
    response = owner_api.get(url(private))

    assert response.status_code == 200
    assert response.json() == capsule_base_dict(private)


def test_the_detail_path_works_with_a_trailing_slash(owner_api, private):
    assert owner_api.get(url(private) + "/").json() == owner_api.get(url(private)).json()


def test_another_creator_cannot_read_a_private_capsule(other_api, private):
    response = other_api.get(url(private))

    assert response.status_code == 404
    assert error_code(response) == "not_found"


@pytest.mark.parametrize(("status", "is_public"), [("published", False), ("validated", True), ("draft", True)])
def test_anonymous_clients_read_nothing_that_is_not_published_and_public(api_client, owner, make_capsule, status, is_public):
    capsule = make_capsule(owner, status=status, is_public=is_public)

    assert api_client.get(url(capsule)).status_code == 404


def test_anonymous_clients_read_a_published_public_capsule_learner_safe(api_client, public):
    response = api_client.get(url(public))

    assert response.status_code == 200
    assert "reference_solution" not in response.json()["config_data"]


def test_another_creator_reads_a_published_public_capsule_learner_safe(other_api, public):
    body = other_api.get(url(public)).json()

    assert body["title"] == "Public one"
    assert "reference_solution" not in body["config_data"]
    hidden = [test for test in body["config_data"]["test_cases"] if test["is_hidden"]]
    assert hidden and all("expected_output" not in test and "test_call" not in test for test in hidden)


def test_an_unknown_or_malformed_id_is_a_404(owner_api, db):
    assert owner_api.get(f"/api/capsules/{uuid.uuid4()}").status_code == 404
    assert owner_api.get("/api/capsules/not-a-uuid").status_code == 404


# --- replace (PUT) -------------------------------------------------------------------------------------


def test_the_owner_replaces_a_capsule(owner_api, private):
    body = capsule_data("CODE", title="Renamed", difficulty="hard")

    response = owner_api.put(url(private), body, format="json")

    assert response.status_code == 200
    private.refresh_from_db()
    assert private.title == "Renamed"
    assert private.difficulty == "hard"
    assert response.json() == capsule_base_dict(private)


def test_the_owner_can_put_back_what_they_read(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")
    body = owner_api.get(url(capsule)).json()
    body["title"] = "Customers from Paris"

    response = owner_api.put(url(capsule), body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["config_data"] == body["config_data"]


def test_a_put_must_carry_the_whole_capsule(owner_api, private):
    response = owner_api.put(url(private), {"title": "Only a title"}, format="json")

    assert response.status_code == 400
    assert {"capsule_type", "problem_statement_md", "runtime_config", "config_data"} <= set(response.json()["error"]["fields"])


def test_changing_a_published_capsules_content_so_that_the_judge_fails_it_takes_it_back_to_draft(owner_api, public):
    body = capsule_data("CODE", title="Changed", is_public=True)
    body["config_data"]["reference_solution"] = "def find_largest(numbers):\n    return min(numbers)\n"

    response = owner_api.put(url(public), body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "draft"
    public.refresh_from_db()
    assert public.validation_report["category"] == "wrong_output"


def test_changing_a_published_capsules_content_in_a_way_the_judge_passes_keeps_it_published(owner_api, public):
    response = owner_api.put(url(public), capsule_data("CODE", title="Changed", is_public=True), format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    public.refresh_from_db()
    assert public.title == "Changed"
    assert public.validation_report["passed"] is True


def test_replacing_a_draft_with_content_the_judge_passes_makes_it_validated(owner_api, private):
    response = owner_api.put(url(private), capsule_data("CODE", title="Renamed"), format="json")

    assert response.json()["status"] == "validated"


def test_another_creator_cannot_replace_a_public_capsule(other_api, public):
    response = other_api.put(url(public), capsule_data("CODE", title="Hijacked"), format="json")

    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    public.refresh_from_db()
    assert public.title == "Public one"


def test_another_creator_cannot_replace_a_private_capsule_and_learns_nothing_about_it(other_api, private):
    response = other_api.put(url(private), capsule_data("CODE", title="Hijacked"), format="json")

    assert response.status_code == 404
    private.refresh_from_db()
    assert private.title == "Private draft"


def test_anonymous_clients_cannot_replace_a_capsule(api_client, public):
    response = api_client.put(url(public), capsule_data("CODE", title="Hijacked"), format="json")

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_another_creator_cannot_patch_a_public_capsule(other_api, public):
    response = other_api.patch(url(public), {"title": "Hijacked"}, format="json")

    assert response.status_code == 403
    public.refresh_from_db()
    assert public.title == "Public one"


def test_anonymous_clients_cannot_patch_a_capsule(api_client, public):
    assert api_client.patch(url(public), {"title": "Hijacked"}, format="json").status_code == 401


def test_staff_do_not_write_other_creators_capsules_through_the_api(staff, public):
    client = APIClient()
    client.force_authenticate(staff)

    # Moderation happens in the admin; the API's owner rule has no staff exception.
    assert client.patch(url(public), {"title": "Edited by staff"}, format="json").status_code == 403


# --- delete --------------------------------------------------------------------------------------------


def test_the_owner_deletes_a_capsule(owner_api, private):
    response = owner_api.delete(url(private))

    assert response.status_code == 204
    assert not Capsule.objects.filter(pk=private.pk).exists()


def test_another_creator_gets_403_deleting_a_capsule_they_can_read(other_api, public):
    response = other_api.delete(url(public))

    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert Capsule.objects.filter(pk=public.pk).exists()


def test_another_creator_gets_404_deleting_a_capsule_they_cannot_read(other_api, private):
    response = other_api.delete(url(private))

    assert response.status_code == 404
    assert Capsule.objects.filter(pk=private.pk).exists()


def test_anonymous_clients_cannot_delete_a_capsule(api_client, public):
    response = api_client.delete(url(public))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert Capsule.objects.filter(pk=public.pk).exists()


def test_a_method_the_resource_does_not_have_is_a_405_in_the_error_shape(owner_api, private):
    response = owner_api.post(url(private), {}, format="json")

    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


# --- OPTIONS (found by the schemathesis run, prodtests/test_api_fuzz.py) ----------------------------------


@pytest.mark.parametrize("capsule_id", [uuid.uuid4(), "not-a-uuid"])
def test_options_on_a_missing_capsule_describes_the_endpoint_without_write_actions(owner_api, capsule_id):
    response = owner_api.options(f"/api/capsules/{capsule_id}")

    assert response.status_code == 200
    assert "PUT" not in response.json().get("actions", {})


def test_options_offers_put_to_the_owner_only(owner_api, other_api, public):
    assert "PUT" in owner_api.options(url(public)).json()["actions"]
    assert "PUT" not in other_api.options(url(public)).json().get("actions", {})
