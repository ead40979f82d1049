"""GET and POST /api/capsules/: who sees what, filters, pagination, and creating a capsule."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from capsules.models import Capsule
from capsules.tests.samples import capsule_data

LIST_URL = "/api/capsules/"
PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]


@pytest.fixture
def other_api(other_creator) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_creator)
    return client


def titles(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["results"]}


@pytest.fixture
def library(owner, other_creator, make_capsule):
    """Capsules of two creators in every visibility state that matters."""
    make_capsule(owner, "CODE", title="owner draft", status="draft")
    make_capsule(owner, "DATABASE", title="owner published public", status="published", is_public=True)
    make_capsule(other_creator, "CODE", title="other draft", status="draft")
    make_capsule(other_creator, "CODE", title="other published private", status="published", is_public=False)
    make_capsule(other_creator, "TERMINAL", title="other validated public", status="validated", is_public=True)
    make_capsule(other_creator, "TERMINAL", title="other published public", status="published", is_public=True)


# --- who sees what -------------------------------------------------------------------------------------


def test_anonymous_clients_list_only_published_public_capsules(api_client, library):
    assert titles(api_client.get(LIST_URL)) == {"owner published public", "other published public"}


def test_a_creator_lists_their_own_capsules_and_everyones_published_public_ones(owner_api, library):
    assert titles(owner_api.get(LIST_URL)) == {
        "owner draft",
        "owner published public",
        "other published public",
    }


def test_mine_lists_only_the_callers_own_capsules(owner_api, library):
    assert titles(owner_api.get(LIST_URL, {"mine": "1"})) == {"owner draft", "owner published public"}


def test_mine_is_empty_for_an_anonymous_client(api_client, library):
    assert titles(api_client.get(LIST_URL, {"mine": "1"})) == set()


def test_other_creators_capsules_in_the_list_are_learner_safe(owner_api, library):
    items = {item["title"]: item for item in owner_api.get(LIST_URL).json()["results"]}

    assert "reference_solution" in items["owner published public"]["config_data"]
    assert "solution_commands" not in str(items["other published public"]["config_data"])
    assert all("validation_script" not in task for task in items["other published public"]["config_data"]["tasks"])


def test_the_list_path_works_without_a_trailing_slash(owner_api, library):
    assert titles(owner_api.get("/api/capsules")) == titles(owner_api.get(LIST_URL))


# --- filters -------------------------------------------------------------------------------------------


def test_it_filters_by_capsule_type(owner_api, library):
    assert titles(owner_api.get(LIST_URL, {"capsule_type": "DATABASE"})) == {"owner published public"}


def test_it_filters_by_language(owner_api, owner, make_capsule):
    make_capsule(owner, title="in go", runtime_config={"language": "go"})
    make_capsule(owner, title="in python")

    assert titles(owner_api.get(LIST_URL, {"language": "go"})) == {"in go"}


def test_it_filters_by_status(owner_api, library):
    assert titles(owner_api.get(LIST_URL, {"status": "draft"})) == {"owner draft"}


def test_it_filters_by_difficulty(owner_api, owner, make_capsule):
    make_capsule(owner, title="hard one", difficulty="hard")
    make_capsule(owner, title="easy one", difficulty="easy")

    assert titles(owner_api.get(LIST_URL, {"difficulty": "hard"})) == {"hard one"}


def test_search_matches_the_title_case_insensitively(owner_api, library):
    assert titles(owner_api.get(LIST_URL, {"search": "PUBLISHED"})) == {"owner published public", "other published public"}


def test_filters_combine(owner_api, library):
    assert titles(owner_api.get(LIST_URL, {"capsule_type": "TERMINAL", "status": "published", "search": "other"})) == {
        "other published public"
    }


def test_a_blank_filter_means_any(owner_api, library):
    assert titles(owner_api.get(LIST_URL, {"capsule_type": "", "status": ""})) == titles(owner_api.get(LIST_URL))


def test_an_unknown_filter_value_is_a_400_naming_the_allowed_values(owner_api, db):
    response = owner_api.get(LIST_URL, {"capsule_type": "QUIZ", "language": "cobol"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["capsule_type"] == '"QUIZ" is not allowed; allowed: CODE, DATABASE, TERMINAL.'
    assert "python, javascript, java, csharp, go, sql, bash" in error["fields"]["language"]


# --- pagination and order ------------------------------------------------------------------------------


def test_it_pages_through_every_capsule_once_newest_first(owner_api, owner, make_capsule):
    made = [make_capsule(owner, title=f"capsule {number}") for number in range(PAGE_SIZE + 3)]

    first = owner_api.get(LIST_URL).json()
    second = owner_api.get(first["next"]).json()

    assert first["count"] == PAGE_SIZE + 3
    assert len(first["results"]) == PAGE_SIZE
    assert len(second["results"]) == 3
    assert second["next"] is None
    listed = [item["id"] for item in first["results"] + second["results"]]
    expected = list(Capsule.objects.order_by("-created_at", "id").values_list("id", flat=True))
    assert listed == [str(capsule_id) for capsule_id in expected]
    assert set(listed) == {str(capsule.pk) for capsule in made}


def test_the_order_is_stable_when_capsules_share_a_creation_time(owner_api, owner, make_capsule):
    made = [make_capsule(owner, title=f"same time {number}") for number in range(4)]
    Capsule.objects.update(created_at=made[0].created_at)

    listed = [item["id"] for item in owner_api.get(LIST_URL).json()["results"]]

    assert listed == sorted(str(capsule.pk) for capsule in made)
    assert listed == [item["id"] for item in owner_api.get(LIST_URL).json()["results"]]


def test_a_page_past_the_end_is_a_404_in_the_error_shape(owner_api, db):
    response = owner_api.get(LIST_URL, {"page": 9})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- create --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_a_creator_creates_a_capsule_of_each_type(owner_api, owner, capsule_type):
    response = owner_api.post(LIST_URL, capsule_data(capsule_type), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    capsule = Capsule.objects.get(pk=body["id"])
    assert capsule.creator == owner
    assert capsule.capsule_type == capsule_type
    assert capsule.status == "validated"  # the sample passes the judge
    assert body["status"] == "validated"
    assert capsule.validation_report["passed"] is True
    assert capsule.validation_report["capsule_type"] == capsule_type
    assert response["Location"] == f"/api/capsules/{capsule.pk}"


BROKEN_REFERENCES = {
    "CODE": ("reference_solution", "def find_largest(numbers):\n    return min(numbers)\n", "wrong_output"),
    "DATABASE": ("reference_solution", "SELECT name FROM customers WHERE city = 'Paris';", "empty_result"),
    "TERMINAL": ("setup_script", "touch hello.txt\nmkdir notes\n", "task_already_passing"),
}


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_a_capsule_the_judge_fails_is_created_as_a_draft_carrying_the_report(owner_api, owner, capsule_type):
    key, value, category = BROKEN_REFERENCES[capsule_type]
    data = capsule_data(capsule_type)
    data["config_data"][key] = value

    response = owner_api.post(LIST_URL, data, format="json")

    assert response.status_code == 201, response.content  # a failing judgement is saved, not refused
    assert response.json()["status"] == "draft"
    capsule = Capsule.objects.get(pk=response.json()["id"])
    assert (capsule.status, capsule.creator) == ("draft", owner)
    assert capsule.validation_report["passed"] is False
    assert capsule.validation_report["category"] == category


def test_create_works_without_a_trailing_slash(owner_api, owner):
    response = owner_api.post("/api/capsules", capsule_data("CODE"), format="json")

    assert response.status_code == 201
    assert Capsule.objects.filter(creator=owner).count() == 1


def test_create_ignores_read_only_keys_in_the_body(owner_api, owner, other_creator):
    body = capsule_data(
        "CODE",
        id="00000000-0000-0000-0000-000000000001",
        creator_id=str(other_creator.pk),
        status="published",
        created_at="2001-01-01T00:00:00Z",
        updated_at="2001-01-01T00:00:00Z",
    )

    response = owner_api.post(LIST_URL, body, format="json")

    assert response.status_code == 201
    created = response.json()
    assert created["id"] != "00000000-0000-0000-0000-000000000001"
    assert created["creator_id"] == str(owner.pk)
    assert created["status"] == "validated"  # the judge's status, not the body's
    assert not created["created_at"].startswith("2001")


def test_create_defaults_the_runtime_tier_from_the_language(owner_api):
    response = owner_api.post(LIST_URL, capsule_data("CODE", runtime_config={"language": "java"}), format="json")

    assert response.json()["runtime_config"] == {"language": "java", "runtime_tier": "sandbox-jvm"}


def test_anonymous_clients_cannot_create_a_capsule(api_client, db):
    response = api_client.post(LIST_URL, capsule_data("CODE"), format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not Capsule.objects.exists()
