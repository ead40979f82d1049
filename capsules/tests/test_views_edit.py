"""New and edit capsule pages: per-type forms, saving through the services, errors on the right cell, and
table rows added or removed with htmx or, without JavaScript, by re-rendering the form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import QueryDict
from django.urls import reverse

from capsules.models import Capsule
from capsules.seed_sql import seed_sql_read

pytestmark = pytest.mark.django_db


def edit_url(capsule: Capsule) -> str:
    return reverse("capsules:edit", args=[capsule.pk])


def page_post(client, url: str, **changes: Any) -> QueryDict:
    """What a browser posts after loading `url`: the rendered form's values (CRLF line endings, only checked
    boxes), with `changes` applied (None removes a key)."""
    form = client.get(url).context["form"]
    data = QueryDict(mutable=True)
    for field in [*form, *form.rows.management_form, *(field for row in form.rows for field in row)]:
        value = field.value()
        if value is True:
            data[field.html_name] = "on"
        elif value not in (None, False):
            data[field.html_name] = str(value).replace("\n", "\r\n")
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# --- Access ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    for url in (edit_url(capsule), reverse("capsules:new") + "?type=CODE"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_another_creator_cannot_edit_a_private_capsule_it_is_not_found(client, owner, other_creator, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(other_creator)
    assert client.get(edit_url(capsule)).status_code == 404
    assert client.post(edit_url(capsule), {"title": "taken over"}).status_code == 404
    assert Capsule.objects.get(pk=capsule.pk).title == capsule.title


def test_another_creator_cannot_edit_a_published_public_capsule_it_is_forbidden(
    client, owner, other_creator, make_capsule
):
    capsule = make_capsule(owner, "CODE", status="published", is_public=True)
    client.force_login(other_creator)
    assert client.get(edit_url(capsule)).status_code == 403
    assert client.post(edit_url(capsule), {"title": "taken over"}).status_code == 403
    assert client.get(edit_url(capsule) + "?add_row=test_cases", headers={"HX-Request": "true"}).status_code == 403
    assert Capsule.objects.get(pk=capsule.pk).title == capsule.title


# --- Editing --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_the_edit_page_shows_the_form_of_the_capsules_type_prefilled(client, owner, make_capsule, capsule_type):
    capsule = make_capsule(owner, capsule_type)
    client.force_login(owner)
    response = client.get(edit_url(capsule))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{capsule.title}"' in html
    expected = {
        "CODE": ['name="reference_solution"', 'name="test_cases-1-expected_output"', 'data-language="python"'],
        "DATABASE": [
            'name="seed_sql"', "CREATE TABLE customers", 'name="schema_info-0-columns"', 'data-language="sqlite"',
            'name="hidden_seed_sql"', "(3, &#x27;Barbara&#x27;, &#x27;Berlin&#x27;)", "Hidden dataset (seed SQL)",
        ],
        "TERMINAL": ['name="setup_script"', 'name="tasks-1-solution_commands"', 'data-language="bash"'],
    }[capsule_type]
    for snippet in expected:
        assert snippet in html
    assert '<script src="/static/vendor/codemirror.js" defer></script>' in html


def test_it_saves_an_edit_and_redirects_to_the_detail_page_with_a_message(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    data = page_post(
        client,
        edit_url(capsule),
        title="Find the largest number, again",
        **{"test_cases-0-expected_output": "5\r\n", "test_cases-1-is_hidden": None, "hints": "Only one hint"},
    )
    response = client.post(edit_url(capsule), data, follow=True)
    assert response.redirect_chain == [(reverse("capsules:detail", args=[capsule.pk]), 302)]
    # Both tests are visible now: the judge refuses it, and the message says so (a warning, never a green "Saved").
    page = response.content.decode()
    assert '<p class="message message--warning">Saved as draft — 1 problem: see it below.</p>' in page
    assert "message--success" not in page
    capsule.refresh_from_db()
    assert capsule.title == "Find the largest number, again"
    assert capsule.config_data["hints"] == ["Only one hint"]
    assert [test["is_hidden"] for test in capsule.config_data["test_cases"]] == [False, False]
    # Code keeps its exact text; only the browser's CRLF line endings became LF.
    assert capsule.config_data["reference_solution"] == "def find_largest(numbers):\n    return max(numbers)\n"
    assert capsule.config_data["test_cases"][0]["expected_output"] == "5\n"


def test_a_save_while_another_of_the_creators_is_being_judged_is_refused_and_nothing_changes(client, owner, make_capsule):
    from django.core.cache import cache

    from codecapsule.admission import KEY_PREFIX

    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    data = page_post(client, edit_url(capsule), title="Renamed meanwhile")
    cache.add(f"{KEY_PREFIX}:creator:{owner.pk}", 1, timeout=60)  # their other save, in another tab

    response = client.post(edit_url(capsule), data)

    assert response.status_code == 200 and "still being judged" in response.content.decode()
    capsule.refresh_from_db()
    assert capsule.title != "Renamed meanwhile"


def test_it_shows_schema_errors_on_the_row_and_cell_they_name_and_saves_nothing(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    before = Capsule.objects.get(pk=capsule.pk).config_data
    client.force_login(owner)
    data = page_post(client, edit_url(capsule), title="A new title", **{"test_cases-1-test_call": ""})
    response = client.post(edit_url(capsule), data)
    html = response.content.decode()
    assert response.status_code == 200
    row_two = response.context["form"].rows.forms[1]
    assert row_two.errors == {"test_call": ["This field is required."]}
    assert "The capsule was not saved: 1 problem to fix" in html
    assert '<a href="#id_test_cases-1-test_call"><strong>Test case 2, test call</strong>: This field is required.</a>' in html
    assert re.search(r'<textarea name="test_cases-1-test_call"[^>]*aria-invalid="true"', html)
    capsule.refresh_from_db()
    assert capsule.title != "A new title" and capsule.config_data == before


def test_it_refuses_a_runtime_tier_of_another_language_on_the_tier_field(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    data = page_post(client, edit_url(capsule), language="go", runtime_tier="sandbox-python-extended")
    response = client.post(edit_url(capsule), data)
    assert "is not a tier for go" in response.context["form"].errors["runtime_tier"][0]


def test_it_ignores_blank_rows_and_rows_removed_from_the_page(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    data = page_post(client, edit_url(capsule))
    # Row 0 was removed by the page's script (its fields are gone); row 5 was added by htmx and left blank.
    for key in [key for key in data if key.startswith("test_cases-0-")]:
        del data[key]
    data.update({"test_cases-5-description": "", "test_cases-5-test_call": "", "test_cases-5-expected_output": ""})
    response = client.post(edit_url(capsule), data)
    assert response.status_code == 302
    capsule.refresh_from_db()
    assert [test["description"] for test in capsule.config_data["test_cases"]] == ["negative numbers"]


def test_it_saves_database_tables_with_comma_separated_columns_and_stores_the_seed_sql(client, owner, make_capsule):
    capsule = make_capsule(owner, "DATABASE")
    client.force_login(owner)
    data = page_post(
        client,
        edit_url(capsule),
        dialect="postgresql",
        seed_sql="CREATE TABLE orders (id INTEGER, total NUMERIC(10,2));\r\n",
        **{"schema_info-0-table_name": "orders", "schema_info-0-columns": "id (INTEGER), total (NUMERIC(10,2))"},
    )
    assert client.post(edit_url(capsule), data).status_code == 302
    capsule.refresh_from_db()
    assert capsule.config_data["schema_info"] == [{"table_name": "orders", "columns": ["id (INTEGER)", "total (NUMERIC(10,2))"]}]
    assert capsule.runtime_tier == "sandbox-postgresql"
    assert seed_sql_read(url=capsule.config_data["seed_sql_url"]) == "CREATE TABLE orders (id INTEGER, total NUMERIC(10,2));\n"


def test_it_saves_terminal_tasks_and_keeps_the_environment_it_does_not_show(client, owner, make_capsule):
    capsule = make_capsule(owner, "TERMINAL")
    Capsule.objects.filter(pk=capsule.pk).update(
        config_data={**capsule.config_data, "environment_config": {"disk_image_url": "https://example.com/disk.img"}}
    )
    client.force_login(owner)
    data = page_post(
        client,
        edit_url(capsule),
        **{"tasks-1-task_id": "make-notes", "tasks-1-solution_commands": "mkdir -p notes\r\n"},
    )
    assert client.post(edit_url(capsule), data).status_code == 302
    capsule.refresh_from_db()
    assert capsule.config_data["tasks"][1]["task_id"] == "make-notes"
    assert capsule.config_data["tasks"][1]["solution_commands"] == "mkdir -p notes\n"
    assert capsule.config_data["environment_config"] == {"disk_image_url": "https://example.com/disk.img"}


def test_an_edit_keeps_how_each_test_compares_its_output(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    tests = [dict(test) for test in capsule.config_data["test_cases"]]
    tests[0] |= {"compare": "numeric", "tolerance": 0.001}
    tests[1] |= {"compare": "exact"}
    Capsule.objects.filter(pk=capsule.pk).update(config_data={**capsule.config_data, "test_cases": tests})
    client.force_login(owner)

    assert client.post(edit_url(capsule), page_post(client, edit_url(capsule), title="Renamed")).status_code == 302

    capsule.refresh_from_db()
    assert capsule.title == "Renamed"
    assert [(t.get("compare"), t.get("tolerance")) for t in capsule.config_data["test_cases"]][:2] == [
        ("numeric", 0.001),
        ("exact", None),
    ]


def test_a_row_whose_visible_cells_are_cleared_is_dropped_with_what_it_carried(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    tests = [dict(test) for test in capsule.config_data["test_cases"]]
    tests.append({**tests[0], "description": "extra", "compare": "exact"})
    Capsule.objects.filter(pk=capsule.pk).update(config_data={**capsule.config_data, "test_cases": tests})
    client.force_login(owner)
    last = len(tests) - 1
    cleared = {f"test_cases-{last}-{name}": "" for name in ("description", "test_call", "expected_output")}

    assert client.post(edit_url(capsule), page_post(client, edit_url(capsule), **cleared)).status_code == 302

    capsule.refresh_from_db()
    assert [t["description"] for t in capsule.config_data["test_cases"]] == [t["description"] for t in tests[:-1]]


# --- Rows: htmx and no JavaScript ------------------------------------------------------------------------


def test_htmx_add_row_returns_one_empty_row_with_the_next_index_and_the_new_count(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    response = client.get(
        edit_url(capsule), {"add_row": "test_cases", "test_cases-TOTAL_FORMS": "2"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith("<tr data-row")
    assert "<html" not in html and "<form" not in html
    assert 'name="test_cases-2-description"' in html and 'name="test_cases-2-expected_output"' in html
    assert 'name="remove_row" value="2"' in html
    assert '<input type="hidden" name="test_cases-TOTAL_FORMS" value="3" id="id_test_cases-TOTAL_FORMS" hx-swap-oob="true">' in html


def test_htmx_add_row_works_on_the_new_capsule_page_for_each_type(client, owner):
    client.force_login(owner)
    for capsule_type, field in [("DATABASE", "schema_info-0-table_name"), ("TERMINAL", "tasks-0-validation_script")]:
        response = client.get(
            reverse("capsules:new"), {"type": capsule_type, "add_row": "1"}, headers={"HX-Request": "true"}
        )
        assert f'name="{field}"' in response.content.decode()


def test_the_add_row_button_asks_htmx_for_a_row_and_still_submits_without_javascript(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    html = client.get(edit_url(capsule)).content.decode()
    button = re.search(r'<button type="submit" name="add_row".*?>', html, re.S).group(0)
    assert "formnovalidate" in button
    assert f'hx-get="{edit_url(capsule)}"' in button
    assert 'hx-include="#id_test_cases-TOTAL_FORMS"' in button
    assert 'hx-target="#test_cases-body" hx-swap="beforeend"' in button


def test_without_javascript_add_row_re_renders_the_form_with_one_more_empty_row_and_saves_nothing(
    client, owner, make_capsule
):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    data = page_post(client, edit_url(capsule), title="Not saved yet", add_row="test_cases")
    response = client.post(edit_url(capsule), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert len(form.rows.forms) == 3
    assert form["title"].value() == "Not saved yet"  # what was typed survives the round trip
    assert not form.error_summary()
    assert 'name="test_cases-2-description"' in response.content.decode()
    assert Capsule.objects.get(pk=capsule.pk).title != "Not saved yet"


def test_without_javascript_remove_row_re_renders_the_form_without_that_row(client, owner, make_capsule):
    capsule = make_capsule(owner, "CODE")
    client.force_login(owner)
    response = client.post(edit_url(capsule), page_post(client, edit_url(capsule), remove_row="0"))
    rows = response.context["form"].rows.forms
    assert [row["description"].value() for row in rows] == ["negative numbers"]
    assert rows[0].prefix == "test_cases-0"  # renumbered
    assert len(Capsule.objects.get(pk=capsule.pk).config_data["test_cases"]) == 2


# --- New capsules ---------------------------------------------------------------------------------------


def test_new_without_a_type_asks_which_kind_of_capsule(client, owner):
    client.force_login(owner)
    html = client.get(reverse("capsules:new")).content.decode()
    for capsule_type in ("CODE", "DATABASE", "TERMINAL"):
        assert f'href="{reverse("capsules:new")}?type={capsule_type}"' in html


def test_it_creates_a_code_capsule_as_a_draft_of_its_creator(client, owner):
    client.force_login(owner)
    url = reverse("capsules:new") + "?type=CODE"
    data = page_post(
        client,
        url,
        title="Add two numbers",
        problem_statement_md="Write `add(a, b)`.",
        language="javascript",
        boilerplate_code="function add(a, b) {}\r\n",
        reference_solution="function add(a, b) { return a + b; }\r\n",
        **{"test_cases-0-description": "small", "test_cases-0-test_call": "console.log(add(1, 2))",
           "test_cases-0-expected_output": "3"},
    )
    response = client.post(url, data, follow=True)
    capsule = Capsule.objects.get()
    assert response.redirect_chain == [(reverse("capsules:detail", args=[capsule.pk]), 302)]
    assert (capsule.creator, capsule.status, capsule.language, capsule.runtime_tier) == (
        owner, "draft", "javascript", "sandbox-node"
    )
    # a draft because the judge refuses it: its only test is visible
    assert capsule.validation_report["category"] == "missing_hidden_test"
    assert capsule.config_data["test_cases"][0]["test_call"] == "console.log(add(1, 2))"


@pytest.mark.parametrize("capsule_type", ["CODE", "DATABASE", "TERMINAL"])
def test_an_empty_new_form_reports_what_is_missing_and_creates_nothing(client, owner, capsule_type):
    client.force_login(owner)
    url = reverse("capsules:new") + f"?type={capsule_type}"
    response = client.post(url, page_post(client, url))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["title"] == ["This field is required."]
    assert errors["problem_statement_md"] == ["This field is required."]
    assert "The capsule was not saved" in response.content.decode()
    assert not Capsule.objects.exists()


def test_a_language_of_another_type_is_refused(client, owner):
    client.force_login(owner)
    url = reverse("capsules:new") + "?type=TERMINAL"
    response = client.post(url, page_post(client, url, language="python"))
    assert "language" in response.context["form"].errors
    assert not Capsule.objects.exists()
