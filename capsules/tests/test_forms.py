"""Capsule dashboard forms: building the API-shape dict, renumbering rows, mapping service errors back."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.http import QueryDict

from capsules.forms import (
    CAPSULE_FORMS,
    CapsuleFilterForm,
    CodeCapsuleForm,
    DatabaseCapsuleForm,
    TerminalCapsuleForm,
    renumber_rows,
    split_columns,
)
from capsules.seed_sql import seed_sql_name
from capsules.services import capsule_update
from capsules.tests.samples import capsule_data
from codecapsule.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def add_service_errors(form, fields: dict[str, str]) -> None:
    """What a view does with the service's ValidationFailed naming `fields`."""
    form.add_service_error(ValidationFailed.for_fields(fields))


def querydict(values: dict[str, Any]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return data


def code_post(**overrides: Any) -> QueryDict:
    values = {
        "title": "Sum two numbers",
        "problem_statement_md": "Write `add(a, b)`.",
        "language": "python",
        "runtime_tier": "",
        "difficulty": "easy",
        "boilerplate_code": "def add(a, b):\r\n    pass\r\n",
        "reference_solution": "def add(a, b):\r\n    return a + b\r\n",
        "hints": "Use +.\r\n\r\n  Return, do not print.  \r\n",
        "test_cases-TOTAL_FORMS": "3",
        "test_cases-INITIAL_FORMS": "0",
        "test_cases-0-description": "small",
        "test_cases-0-test_call": "print(add(1, 2))",
        "test_cases-0-expected_output": "3\r\n",
        # Row 1 was left blank; it is ignored.
        "test_cases-1-description": "",
        "test_cases-1-test_call": "",
        "test_cases-1-expected_output": "",
        "test_cases-2-description": "negative",
        "test_cases-2-test_call": "print(add(-1, -2))",
        "test_cases-2-expected_output": "-3\r\n",
        "test_cases-2-is_hidden": "on",
    }
    values.update(overrides)
    return querydict(values)


def test_it_builds_the_api_shape_from_a_posted_code_form():
    form = CodeCapsuleForm(code_post())
    assert form.ready_to_save
    assert form.capsule_data() == {
        "title": "Sum two numbers",
        "capsule_type": "CODE",
        "problem_statement_md": "Write `add(a, b)`.",
        "runtime_config": {"language": "python", "runtime_tier": None},
        "difficulty": "easy",
        "is_public": False,
        "config_data": {
            "hints": ["Use +.", "Return, do not print."],
            "boilerplate_code": "def add(a, b):\n    pass\n",
            "reference_solution": "def add(a, b):\n    return a + b\n",
            "test_cases": [
                {"description": "small", "test_call": "print(add(1, 2))", "expected_output": "3\n", "is_hidden": False},
                {"description": "negative", "test_call": "print(add(-1, -2))", "expected_output": "-3\n", "is_hidden": True},
            ],
        },
    }


def test_it_maps_a_service_error_to_the_row_the_creator_sees_even_after_a_blank_row():
    form = CodeCapsuleForm(code_post())
    assert form.is_valid()
    form.capsule_data()  # config index 1 is the third row on the page: row 1 was blank
    add_service_errors(form, {"config_data.test_cases[1].expected_output": "Field required"})
    assert form.rows.forms[2].errors == {"expected_output": ["Field required"]}
    assert form.rows.forms[0].errors == {}
    assert [tuple(item) for item in form.error_summary()] == [
        ("Test case 3, expected output", "Field required", "id_test_cases-2-expected_output")
    ]


def test_it_maps_top_level_and_config_paths_onto_their_fields():
    form = CodeCapsuleForm(code_post())
    assert form.is_valid()
    form.capsule_data()
    add_service_errors(form,
        {
            "title": "String should have at least 1 character",
            "runtime_config.runtime_tier": "'x' is not a tier for python",
            "config_data.reference_solution": "String should have at least 1 character",
            "config_data.hints[0]": "Input should be a valid string",
            "config_data.test_cases": "List should have at least 1 item",
            "config_data.unknown": "Extra inputs are not permitted",
        }
    )
    assert form.errors["title"] == ["This field is required."]
    assert form.errors["runtime_tier"] == ["'x' is not a tier for python"]
    assert form.errors["reference_solution"] == ["This field is required."]
    assert form.errors["hints"] == ["Input should be a valid string"]
    assert form.rows_errors == ["Add at least one row."]
    assert form.non_field_errors() == ["config_data.unknown: Extra inputs are not permitted"]


def test_it_points_a_column_error_at_its_line_in_the_columns_cell():
    form = DatabaseCapsuleForm(
        querydict(
            {
                "schema_info-0-table_name": "people",
                "schema_info-0-columns": "id (INTEGER)\nname (TEXT)",
                "language": "sql",
                "dialect": "sqlite",
            }
        )
    )
    assert form.is_valid()
    form.capsule_data()
    add_service_errors(form, {"config_data.schema_info[0].columns[1]": "String should have at least 1 character"})
    assert form.rows.forms[0].errors["columns"] == ["Line 2: This field is required."]


def test_it_puts_the_missing_seed_sql_error_on_the_seed_sql_field():
    form = DatabaseCapsuleForm(querydict({"language": "sql", "seed_sql": "   "}))
    assert form.is_valid()
    assert "seed_sql" not in form.capsule_data()["config_data"]
    add_service_errors(form, {"config_data": "provide seed_sql (the SQL that creates and fills the tables) or seed_sql_url"})
    assert form.errors["seed_sql"] == ["provide seed_sql (the SQL that creates and fills the tables) or seed_sql_url"]


def test_the_database_form_has_a_hidden_dataset_field_after_the_seed_sql_telling_that_learners_never_see_it():
    form = DatabaseCapsuleForm()
    names = list(form.fields)

    field = form.fields["hidden_seed_sql"]
    assert names.index("hidden_seed_sql") == names.index("seed_sql") + 1
    assert field.label == "Hidden dataset (seed SQL)" and not field.required
    assert "Learners never see it" in field.help_text and "same tables and columns" in field.help_text
    assert field.widget.attrs["data-editor"] == "" and field.widget.attrs["data-language"] == "sqlite"


def test_it_posts_the_hidden_dataset_as_typed_and_leaves_a_blank_one_out():
    posted = DatabaseCapsuleForm(querydict({"language": "sql", "seed_sql": "CREATE TABLE t (id INTEGER);\r\n",
                                            "hidden_seed_sql": "CREATE TABLE t (id INTEGER);\r\nINSERT INTO t VALUES (2);\r\n"}))
    blank = DatabaseCapsuleForm(querydict({"language": "sql", "seed_sql": "CREATE TABLE t (id INTEGER);", "hidden_seed_sql": "  \r\n"}))

    assert posted.is_valid() and blank.is_valid()
    assert posted.capsule_data()["config_data"]["hidden_seed_sql"] == "CREATE TABLE t (id INTEGER);\nINSERT INTO t VALUES (2);\n"
    assert "hidden_seed_sql" not in blank.capsule_data()["config_data"]


def test_editing_shows_the_stored_hidden_dataset_and_says_when_it_is_missing_from_storage(owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")
    form = DatabaseCapsuleForm(capsule=capsule)
    assert form["hidden_seed_sql"].value() == capsule_data("DATABASE")["config_data"]["hidden_seed_sql"]
    assert not form.hidden_seed_sql_missing

    default_storage.delete(seed_sql_name(capsule.config_data["hidden_seed_sql_url"]))
    form = DatabaseCapsuleForm(capsule=capsule)

    assert form.hidden_seed_sql_missing and form["hidden_seed_sql"].value() == ""
    assert not form.seed_sql_missing


def test_it_puts_a_hidden_dataset_url_error_on_the_hidden_dataset_field():
    form = DatabaseCapsuleForm(querydict({"language": "sql"}))
    assert form.is_valid()
    form.capsule_data()

    add_service_errors(
        form, {"config_data.hidden_seed_sql_url": "names seed SQL that is not stored here; include hidden_seed_sql in the record"}
    )

    assert form.errors["hidden_seed_sql"] == ["names seed SQL that is not stored here; include hidden_seed_sql in the record"]


def test_it_reports_duplicate_task_ids_above_the_tasks_table():
    form = TerminalCapsuleForm(querydict({"language": "bash"}))
    assert form.is_valid()
    form.capsule_data()
    add_service_errors(form, {"config_data": "task_id 'a' is used twice"})
    assert form.rows_errors == ["task_id 'a' is used twice"]


def test_it_renumbers_rows_closing_gaps_and_applying_add_and_remove():
    data = querydict(
        {
            "title": "t",
            "tasks-TOTAL_FORMS": "9",
            "tasks-0-task_id": "a",
            "tasks-4-task_id": "b",
            "tasks-7-task_id": "c",
        }
    )
    closed = renumber_rows(data, "tasks")
    assert {key: closed[key] for key in closed if key.startswith("tasks-")} == {
        "tasks-0-task_id": "a",
        "tasks-1-task_id": "b",
        "tasks-2-task_id": "c",
        "tasks-TOTAL_FORMS": "3",
        "tasks-INITIAL_FORMS": "0",
    }
    form = TerminalCapsuleForm(querydict({**data.dict(), "remove_row": "4"}))
    assert [row["task_id"].value() for row in form.rows] == ["a", "c"]
    assert form.row_action is not None and not form.ready_to_save
    form = TerminalCapsuleForm(querydict({**data.dict(), "add_row": "tasks"}))
    assert [row["task_id"].value() for row in form.rows] == ["a", "b", "c", None]


def test_it_splits_columns_by_line_or_comma_but_not_inside_parentheses():
    assert split_columns("id (INTEGER), price (NUMERIC(10,2))\r\n\r\n name (TEXT) ") == [
        "id (INTEGER)",
        "price (NUMERIC(10,2))",
        "name (TEXT)",
    ]


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_it_round_trips_a_capsule_through_its_form_unchanged(owner, make_capsule, capsule_type):
    capsule = make_capsule(owner, capsule_type, status="published", is_public=True)
    form_class = CAPSULE_FORMS[capsule_type]
    form = form_class(browser_post(form_class(capsule=capsule)), capsule=capsule)
    assert form.ready_to_save, form.errors
    saved = capsule_update(capsule=capsule, actor=owner, data=form.capsule_data())
    assert saved.config_data == capsule.config_data
    assert saved.status == "published"  # nothing changed, so nothing was taken away


def test_it_shows_the_default_tier_as_default_and_keeps_an_extended_one(owner, make_capsule):
    default = make_capsule(owner, "CODE")
    extended = make_capsule(owner, "CODE", runtime_config={"language": "python", "runtime_tier": "sandbox-python-extended"})
    assert CodeCapsuleForm(capsule=default)["runtime_tier"].value() == ""
    assert CodeCapsuleForm(capsule=extended)["runtime_tier"].value() == "sandbox-python-extended"


def test_it_offers_only_the_languages_of_the_capsule_type():
    assert [code for code, _ in CodeCapsuleForm().fields["language"].choices] == ["python", "javascript", "java", "csharp", "go"]
    assert [code for code, _ in DatabaseCapsuleForm().fields["language"].choices] == ["sql"]
    assert [code for code, _ in TerminalCapsuleForm().fields["language"].choices] == ["bash"]


def test_the_filter_form_ignores_values_it_does_not_know():
    form = CapsuleFilterForm(querydict({"type": "SPREADSHEET", "language": "go", "q": " berlin "}))
    assert form.selector_filters() == {
        "capsule_type": "",
        "language": "go",
        "status": "",
        "difficulty": "",
        "search": "berlin",
    }


def browser_post(form: Any) -> QueryDict:
    """What a browser posts for an unbound form as rendered: every field's value, CRLF line endings,
    checked checkboxes only."""
    data = QueryDict(mutable=True)
    bound_fields = [*form, *form.rows.management_form, *(field for row in form.rows for field in row)]
    for field in bound_fields:
        value = field.value()
        if value is True:
            data[field.html_name] = "on"
        elif value not in (None, False):
            data[field.html_name] = str(value).replace("\n", "\r\n")
    return data

