"""Capture: every save of a capsule records one CreatorEdit per changed leaf, exactly once, on every path
(dashboard, API PUT and PATCH, admin, import), in the save's transaction — and nothing otherwise."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from capsules.hooks import CapsuleEdited, register_edit_listener, unregister_edit_listener
from capsules.models import Capsule
from capsules.selectors import capsule_base_dict
from capsules.services import capsule_import, capsule_update
from capsules.tests.samples import capsule_data
from capsules.tests.test_admin import form_body
from capsules.tests.test_views_edit import page_post
from feedback.edits.capture import capsule_edited
from feedback.models import CreatorEdit, EditType
from generation.models import AgentStep, GenerationJob, JobStatus

pytestmark = pytest.mark.django_db


def api_url(capsule: Capsule) -> str:
    return f"/api/capsules/{capsule.pk}"


def recorded(capsule: Capsule) -> list[tuple[str, Any, Any, str, str]]:
    """The capsule's edits as (path, original, corrected, edit_type, source), in path order."""
    edits = CreatorEdit.objects.filter(capsule=capsule).order_by("field_path")
    return [(e.field_path, e.original_value, e.corrected_value, e.edit_type, e.source) for e in edits]


def api_body(capsule: Capsule) -> dict[str, Any]:
    """What a client sends back to PUT: the capsule as the API showed it."""
    return copy.deepcopy(capsule_base_dict(capsule))


# --- Dashboard ------------------------------------------------------------------------------------------


def test_a_dashboard_edit_records_each_changed_field_once(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    url = reverse("capsules:edit", args=[capsule.pk])
    data = page_post(client, url, title="Find the maximum", **{"test_cases-0-expected_output": "5"})

    assert client.post(url, data).status_code == 302

    assert recorded(capsule) == [
        ("config_data.test_cases[0].expected_output", "5\n", "5", EditType.EXPECTED_OUTPUT_FIX, "dashboard"),
        ("title", "Find the largest number", "Find the maximum", EditType.STATEMENT_REWRITE, "dashboard"),
    ]
    edit = CreatorEdit.objects.filter(capsule=capsule).first()
    assert (edit.creator, edit.capsule_type, edit.language) == (owner, "CODE", "python")


def test_a_hint_added_on_the_dashboard_is_recorded_as_hint_added(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    url = reverse("capsules:edit", args=[capsule.pk])
    data = page_post(client, url, hints="Python has a built-in for this.\r\nTry max().\r\nIt takes any iterable.")

    assert client.post(url, data).status_code == 302

    assert recorded(capsule) == [("config_data.hints[2]", None, "It takes any iterable.", EditType.HINT_ADDED, "dashboard")]


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_saving_the_dashboard_form_unchanged_records_nothing(client, owner, make_capsule, capsule_type):
    capsule = make_capsule(owner, capsule_type)
    client.force_login(owner)
    url = reverse("capsules:edit", args=[capsule.pk])

    assert client.post(url, page_post(client, url)).status_code == 302

    assert recorded(capsule) == []


def test_a_dashboard_edit_that_fails_validation_records_nothing(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    url = reverse("capsules:edit", args=[capsule.pk])
    data = page_post(client, url, title="Find the maximum", **{"test_cases-1-test_call": ""})

    assert client.post(url, data).status_code == 200  # the form again, with its errors

    assert recorded(capsule) == []


# --- API ------------------------------------------------------------------------------------------------


def test_an_api_put_records_each_changed_leaf_once(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    body = api_body(capsule)
    body["problem_statement_md"] = "Return the largest of the numbers."
    body["config_data"]["test_cases"][1]["is_hidden"] = False
    body["config_data"]["test_cases"].append(
        {"description": "hidden one", "test_call": "print(find_largest([9]))", "expected_output": "9\n", "is_hidden": True}
    )

    assert owner_api.put(api_url(capsule), body, format="json").status_code == 200

    assert recorded(capsule) == [
        ("config_data.test_cases[1].is_hidden", True, False, EditType.VISIBILITY, "api"),
        (
            "config_data.test_cases[2]",
            None,
            {"description": "hidden one", "test_call": "print(find_largest([9]))", "expected_output": "9\n", "is_hidden": True},
            EditType.TEST_ADDED,
            "api",
        ),
        (
            "problem_statement_md",
            capsule.problem_statement_md,
            "Return the largest of the numbers.",
            EditType.STATEMENT_REWRITE,
            "api",
        ),
    ]


def test_a_test_removed_through_the_api_keeps_its_whole_object(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    body = api_body(capsule)
    body["config_data"]["test_cases"].append(
        {"description": "hidden one", "test_call": "print(find_largest([9]))", "expected_output": "9\n", "is_hidden": True}
    )
    owner_api.put(api_url(capsule), body, format="json")
    removed = body["config_data"]["test_cases"].pop(0)
    CreatorEdit.objects.all().delete()

    assert owner_api.put(api_url(capsule), body, format="json").status_code == 200

    edits = {e.field_path: e for e in CreatorEdit.objects.filter(capsule=capsule)}
    assert edits["config_data.test_cases[2]"].original_value["description"] == "hidden one"
    assert edits["config_data.test_cases[2]"].corrected_value is None
    assert edits["config_data.test_cases[2]"].edit_type == EditType.TEST_REMOVED
    # Matched by index: the first test's place now holds what was the second one.
    assert edits["config_data.test_cases[0].description"].original_value == removed["description"]


def test_an_api_patch_records_the_changed_field_once(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")

    assert owner_api.patch(api_url(capsule), {"difficulty": "hard"}, format="json").status_code == 200

    assert recorded(capsule) == [("difficulty", "easy", "hard", EditType.OTHER, "api")]


def test_a_patch_that_fixes_code_that_did_not_parse_is_a_syntax_fix(owner_api, owner, make_capsule):
    broken = "def find_largest(numbers)\n    return max(numbers)\n"
    data = capsule_data("CODE")
    data["config_data"]["reference_solution"] = broken
    capsule = make_capsule(owner, "CODE", config_data=data["config_data"])
    assert capsule.validation_report["category"] == "syntax_error"
    config = copy.deepcopy(capsule.config_data)
    config["reference_solution"] = "def find_largest(numbers):\n    return max(numbers)\n"

    assert owner_api.patch(api_url(capsule), {"config_data": config}, format="json").status_code == 200

    edit = CreatorEdit.objects.get(capsule=capsule)
    assert (edit.field_path, edit.original_value, edit.edit_type) == ("config_data.reference_solution", broken, EditType.SYNTAX_FIX)


def test_an_api_put_that_fails_validation_records_nothing_and_saves_nothing(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    body = api_body(capsule)
    body["title"] = "Find the maximum"
    del body["config_data"]["test_cases"][0]["test_call"]

    assert owner_api.put(api_url(capsule), body, format="json").status_code == 400

    assert recorded(capsule) == []
    assert Capsule.objects.get(pk=capsule.pk).title == "Find the largest number"


def test_an_api_put_of_the_capsule_as_it_is_records_nothing(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")

    assert owner_api.put(api_url(capsule), api_body(capsule), format="json").status_code == 200

    assert recorded(capsule) == []


def test_making_a_capsule_public_is_not_an_edit(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")

    assert owner_api.patch(api_url(capsule), {"is_public": True}, format="json").status_code == 200

    assert recorded(capsule) == []


def test_creating_a_capsule_records_no_edit(owner_api):
    assert owner_api.post("/api/capsules/", capsule_data("CODE"), format="json").status_code == 201

    assert not CreatorEdit.objects.exists()


# --- Admin ----------------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_an_admin_change_form_edit_records_each_changed_field_once_as_the_staff_members(staff_client, staff, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    data = capsule_data("CODE", title="Find the biggest number")

    response = staff_client.post(reverse("admin:capsules_capsule_change", args=[capsule.pk]), form_body(data))

    assert response.status_code == 302
    assert recorded(capsule) == [("title", "Find the largest number", "Find the biggest number", EditType.STATEMENT_REWRITE, "admin")]
    assert CreatorEdit.objects.get(capsule=capsule).creator == staff


def test_an_unchanged_admin_change_form_records_nothing(staff_client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")

    staff_client.post(reverse("admin:capsules_capsule_change", args=[capsule.pk]), form_body(capsule_data("CODE")))

    assert recorded(capsule) == []


def test_adding_a_capsule_in_the_admin_records_no_edit(staff_client):
    staff_client.post(reverse("admin:capsules_capsule_add"), form_body(capsule_data("CODE")))

    assert Capsule.objects.count() == 1
    assert not CreatorEdit.objects.exists()


# --- Import ---------------------------------------------------------------------------------------------


def test_importing_an_existing_id_records_each_changed_field_once(owner, make_capsule):
    capsule = make_capsule(owner, "TERMINAL")
    record = capsule_base_dict(capsule)
    record["config_data"] = copy.deepcopy(record["config_data"])
    record["config_data"]["tasks"][1]["description"] = "Make a directory called notes"

    capsule_import(owner=owner, data=record)

    assert recorded(capsule) == [
        (
            "config_data.tasks[1].description",
            "Create a directory called notes",
            "Make a directory called notes",
            EditType.TASK_CHANGE,
            "import",
        )
    ]


def test_importing_an_unchanged_export_with_its_seed_sql_records_nothing(owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")

    capsule_import(owner=owner, data=capsule_base_dict(capsule, include_seed_sql=True))

    assert recorded(capsule) == []


def test_a_changed_seed_sql_is_recorded_as_a_schema_change(owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")
    record = capsule_base_dict(capsule, include_seed_sql=True)
    record["config_data"] = {**record["config_data"], "seed_sql": record["config_data"]["seed_sql"] + "-- more rows later\n"}

    capsule_import(owner=owner, data=record)

    [edit] = CreatorEdit.objects.filter(capsule=capsule)
    assert (edit.field_path, edit.edit_type, edit.source) == ("config_data.seed_sql_url", EditType.SCHEMA_CHANGE, "import")
    assert edit.original_value != edit.corrected_value


def test_a_hidden_dataset_added_on_the_dashboard_is_recorded_as_a_schema_change(client, owner, make_capsule):
    # A capsule saved before hidden datasets existed; its creator pastes one into the new field.
    capsule = make_capsule(owner, "DATABASE")
    hidden_sql = capsule_data("DATABASE")["config_data"]["hidden_seed_sql"]
    Capsule.objects.filter(pk=capsule.pk).update(
        config_data={key: value for key, value in capsule.config_data.items() if key != "hidden_seed_sql_url"}
    )
    client.force_login(owner)
    url = reverse("capsules:edit", args=[capsule.pk])

    assert client.post(url, page_post(client, url, hidden_seed_sql=hidden_sql)).status_code == 302

    capsule.refresh_from_db()
    assert recorded(capsule) == [
        ("config_data.hidden_seed_sql_url", None, capsule.config_data["hidden_seed_sql_url"], EditType.SCHEMA_CHANGE, "dashboard")
    ]


def test_a_changed_hidden_dataset_is_recorded_as_a_schema_change(owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")
    before = capsule.config_data["hidden_seed_sql_url"]
    data = capsule_base_dict(capsule, include_seed_sql=True)
    data["config_data"]["hidden_seed_sql"] += "INSERT INTO customers (id, name, city) VALUES (6, 'Lise', 'Berlin');\n"

    capsule = capsule_update(capsule=capsule, actor=owner, data=data, source="api")

    assert recorded(capsule) == [
        ("config_data.hidden_seed_sql_url", before, capsule.config_data["hidden_seed_sql_url"], EditType.SCHEMA_CHANGE, "api")
    ]


def test_a_dry_run_import_and_importing_a_new_id_record_nothing(owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    changed = {**capsule_base_dict(capsule), "title": "Something else"}

    capsule_import(owner=owner, data=changed, dry_run=True)
    capsule_import(owner=owner, data={**capsule_data("CODE"), "id": "0b0c6f3e-5a4e-4c38-9d59-2f1f4d1d6a01"})

    assert not CreatorEdit.objects.exists()


# --- The generation job behind a capsule ----------------------------------------------------------------


def generation_job(capsule: Capsule, *drafts: tuple[str, dict[str, Any]]) -> GenerationJob:
    job = GenerationJob.objects.create(
        creator=capsule.creator,
        capsule_type=capsule.capsule_type,
        language=capsule.language,
        difficulty=capsule.difficulty,
        provider="catalog",
        status=JobStatus.SUCCEEDED,
        result_capsule=capsule,
    )
    for position, (agent, output) in enumerate(drafts):
        AgentStep.objects.create(job=job, position=position, agent=agent, parsed_ok=True, output=output)
    return job


def test_an_edit_of_a_generated_capsule_names_its_job_and_the_agent_that_wrote_the_value(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    coder = capsule_data("CODE")
    coder["config_data"]["test_cases"][0]["expected_output"] = "6\n"
    job = generation_job(capsule, ("coder", coder), ("debugger", capsule_data("CODE")))
    body = api_body(capsule)
    body["title"] = "Find the maximum"
    body["config_data"]["test_cases"][0]["expected_output"] = "5"

    owner_api.put(api_url(capsule), body, format="json")

    edits = {e.field_path: e for e in CreatorEdit.objects.filter(capsule=capsule)}
    assert {e.generation_job_id for e in edits.values()} == {job.pk}
    assert edits["title"].agent == "coder"
    assert edits["config_data.test_cases[0].expected_output"].agent == "debugger"


def test_the_latest_job_that_produced_the_capsule_is_the_one_named(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    generation_job(capsule)
    latest = generation_job(capsule)

    owner_api.patch(api_url(capsule), {"title": "Find the maximum"}, format="json")

    assert CreatorEdit.objects.get(capsule=capsule).generation_job == latest


def test_edits_of_a_capsule_written_by_hand_are_captured_without_a_job_or_agent(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")

    owner_api.patch(api_url(capsule), {"title": "Find the maximum"}, format="json")

    edit = CreatorEdit.objects.get(capsule=capsule)
    assert (edit.generation_job, edit.agent) == (None, None)


def test_a_value_the_creator_already_changed_is_not_put_down_to_an_agent(owner_api, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    generation_job(capsule, ("coder", capsule_data("CODE")))
    owner_api.patch(api_url(capsule), {"title": "Find the maximum"}, format="json")

    owner_api.patch(api_url(capsule), {"title": "Find the max"}, format="json")

    agents = dict(CreatorEdit.objects.filter(capsule=capsule).values_list("corrected_value", "agent"))
    assert agents == {"Find the maximum": "coder", "Find the max": None}


# --- One transaction ------------------------------------------------------------------------------------


@pytest.fixture
def failing_listener() -> Iterator[None]:
    """A listener after feedback's that fails, as any later listener might."""

    def fail(event: CapsuleEdited) -> None:
        raise RuntimeError("a later listener failed")

    register_edit_listener(fail)
    yield
    unregister_edit_listener(fail)


def test_a_failing_listener_undoes_the_save_and_the_edits_with_it(owner, make_capsule, failing_listener):
    capsule = make_capsule(owner, "CODE")

    with pytest.raises(RuntimeError):
        capsule_update(capsule=capsule, actor=owner, data=capsule_data("CODE", title="Find the maximum"))

    assert Capsule.objects.get(pk=capsule.pk).title == "Find the largest number"
    assert not CreatorEdit.objects.exists()


def test_an_unknown_source_is_refused_and_nothing_is_saved(owner, make_capsule):
    capsule = make_capsule(owner, "CODE")

    with pytest.raises(ValueError):
        capsule_update(capsule=capsule, actor=owner, data=capsule_data("CODE", title="Find the maximum"), source="fax")

    assert Capsule.objects.get(pk=capsule.pk).title == "Find the largest number"


# --- The hook registry ----------------------------------------------------------------------------------


def test_feedback_listens_to_capsule_saves_once_however_often_it_registers(owner, make_capsule):
    register_edit_listener(capsule_edited)  # already registered by FeedbackConfig.ready
    capsule = make_capsule(owner, "CODE")

    capsule_update(capsule=capsule, actor=owner, data=capsule_data("CODE", title="Find the maximum"))

    assert CreatorEdit.objects.filter(capsule=capsule).count() == 1


def test_a_listener_hears_the_capsule_before_and_after_with_the_previous_report_and_source(owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    heard: list[CapsuleEdited] = []
    register_edit_listener(heard.append)
    try:
        capsule_update(capsule=capsule, actor=owner, data=capsule_data("CODE", title="Find the maximum"), source="import")
    finally:
        unregister_edit_listener(heard.append)

    [event] = heard
    assert (event.before["title"], event.after["title"]) == ("Find the largest number", "Find the maximum")
    assert event.previous_report == capsule.validation_report
    assert (event.source, event.actor, event.capsule.pk) == ("import", owner, capsule.pk)


def test_seed_demo_putting_demo_data_back_is_not_recorded(owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    body = api_body(capsule)
    body["title"] = "Put back by seed_demo"

    capsule_update(capsule=capsule, actor=owner, data=body, source="seed")

    assert Capsule.objects.get(pk=capsule.pk).title == "Put back by seed_demo"
    assert not CreatorEdit.objects.exists()
