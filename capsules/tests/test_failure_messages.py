"""A test's and a task's `failure_message`, the author's hint for a learner who fails it: accepted by every write
path (the schema, the dashboard form, the API), and never part of what a learner sees before a failure."""

from __future__ import annotations

from typing import Any

import pytest

from capsules.forms import CodeCapsuleForm, TerminalCapsuleForm
from capsules.models import Capsule
from capsules.schemas import CapsuleValidationError, learner_safe_config, parse_capsule
from capsules.tests.samples import capsule_data
from capsules.tests.test_forms import code_post, querydict
from capsules.tests.test_views_edit import edit_url, page_post

HINT = "Count the upper-case vowels too."


def code_with_hints(*messages: Any) -> dict[str, Any]:
    data = capsule_data("CODE")
    for case, message in zip(data["config_data"]["test_cases"], messages, strict=True):
        if message is not ...:
            case["failure_message"] = message
    return data


# --- The schema ------------------------------------------------------------------------------------------


def test_the_schema_keeps_a_tests_hint_trimmed_and_drops_a_blank_one():
    draft = parse_capsule(code_with_hints("   ", f"  {HINT}\n"))
    first, second = draft.config_data()["test_cases"]
    assert "failure_message" not in first
    assert second["failure_message"] == HINT


def test_the_schema_refuses_a_hint_over_300_characters_on_its_field():
    with pytest.raises(CapsuleValidationError) as error:
        parse_capsule(code_with_hints(..., "x" * 301))
    assert list(error.value.errors) == ["config_data.test_cases[1].failure_message"]
    assert "300" in error.value.errors["config_data.test_cases[1].failure_message"]


def test_the_schema_accepts_a_tasks_hint_up_to_200_characters():
    data = capsule_data("TERMINAL")
    data["config_data"]["tasks"][0]["failure_message"] = "Is hello.txt in your home directory?"
    assert parse_capsule(data).config_data()["tasks"][0]["failure_message"] == "Is hello.txt in your home directory?"
    data["config_data"]["tasks"][0]["failure_message"] = "y" * 201
    with pytest.raises(CapsuleValidationError) as error:
        parse_capsule(data)
    assert list(error.value.errors) == ["config_data.tasks[0].failure_message"]


def test_a_learner_never_gets_the_hints_ahead_of_a_failure():
    code = parse_capsule(code_with_hints("visible-hint", "hidden-hint")).config_data()
    assert "hint" not in str(learner_safe_config("CODE", code)["test_cases"])
    terminal = capsule_data("TERMINAL")["config_data"]
    terminal["tasks"][0]["failure_message"] = "task-hint"
    assert "task-hint" not in str(learner_safe_config("TERMINAL", terminal))


# --- The dashboard form ------------------------------------------------------------------------------------


def test_the_code_form_posts_a_rows_hint_and_leaves_a_blank_one_out():
    form = CodeCapsuleForm(code_post(**{"test_cases-2-failure_message": HINT, "test_cases-0-failure_message": "  "}))
    assert form.ready_to_save
    visible, hidden = form.capsule_data()["config_data"]["test_cases"]
    assert "failure_message" not in visible
    assert hidden["failure_message"] == HINT


def test_the_terminal_form_posts_a_tasks_hint():
    form = TerminalCapsuleForm(
        querydict(
            {
                "title": "Greeting", "problem_statement_md": "Make hello.txt", "language": "bash", "difficulty": "easy",
                "tasks-0-task_id": "hello", "tasks-0-description": "hello.txt says hello",
                "tasks-0-validation_script": "grep -qx hello hello.txt", "tasks-0-solution_commands": "echo hello > hello.txt",
                "tasks-0-failure_message": "Is it spelled in lower case?",
            }
        )
    )  # fmt: skip
    assert form.ready_to_save
    assert form.capsule_data()["config_data"]["tasks"][0]["failure_message"] == "Is it spelled in lower case?"


@pytest.mark.django_db
def test_the_edit_page_shows_saves_and_refuses_the_hint_in_the_test_table(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    page = client.get(edit_url(capsule)).content.decode()
    assert "Hint on failure" in page and 'name="test_cases-1-failure_message"' in page

    too_long = page_post(client, edit_url(capsule), **{"test_cases-1-failure_message": "z" * 301})
    response = client.post(edit_url(capsule), too_long)
    assert response.status_code == 200
    assert "300" in str(response.context["form"].rows.forms[1].errors["failure_message"])

    client.post(edit_url(capsule), page_post(client, edit_url(capsule), **{"test_cases-1-failure_message": HINT}))
    capsule.refresh_from_db()
    assert capsule.config_data["test_cases"][1]["failure_message"] == HINT
    assert HINT in client.get(edit_url(capsule)).content.decode()  # prefilled for the next edit


# --- The API ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_creates_a_capsule_with_hints_and_refuses_an_over_long_one(owner_api):
    response = owner_api.post("/api/capsules/", code_with_hints(..., HINT), format="json")
    assert response.status_code == 201, response.content
    capsule = Capsule.objects.get(pk=response.json()["id"])
    assert capsule.config_data["test_cases"][1]["failure_message"] == HINT

    refused = owner_api.post("/api/capsules/", code_with_hints(..., "x" * 301), format="json")
    assert refused.status_code == 400
    assert "config_data.test_cases[1].failure_message" in refused.json()["error"]["fields"]
