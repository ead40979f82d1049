"""The capsule editor in a real browser: log in, add a test-case row through htmx (no page load), type
into a CodeMirror editor, save, and find the result in the database."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from capsules.models import Capsule

NEW_REFERENCE = (
    "def find_largest(numbers):\n"
    "    best = numbers[0]\n"
    "    for n in numbers:\n"
    "        best = n if n > best else best\n"
    "    return best\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_edits_a_capsule_with_htmx_rows_and_codemirror(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule
):
    capsule = make_capsule(owner, "CODE")
    edit_path = reverse("capsules:edit", args=[capsule.pk])

    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("owner-pass-123")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + reverse("capsules:list"))

    page.goto(live_server.url + edit_path)
    expect(page.locator(".cm-editor")).to_have_count(2)  # boilerplate and reference solution
    page.evaluate("window.__samePage = true")  # gone if anything reloads the page

    add = page.get_by_role("button", name="Add test case")
    add.click()
    expect(page.locator('[name="test_cases-2-description"]')).to_be_focused()
    expect(page.locator("#id_test_cases-TOTAL_FORMS")).to_have_value("3")
    add.click()  # a second row gets the next index, then goes away again without a request
    expect(page.locator('[name="test_cases-3-description"]')).to_be_visible()
    page.get_by_role("button", name="Remove test case 4").click()
    expect(page.locator('[name="test_cases-3-description"]')).to_have_count(0)
    expect(page.locator("#test_cases-body tr[data-row]")).to_have_count(3)
    assert page.evaluate("window.__samePage") is True, "adding rows must not load a new page"

    page.locator('[name="test_cases-2-description"]').fill("mixed signs")
    page.locator('[name="test_cases-2-test_call"]').fill("print(find_largest([-2, 7, 0]))")
    page.locator('[name="test_cases-2-expected_output"]').fill("7\n")
    page.locator('[name="test_cases-2-is_hidden"]').check()

    editor = page.locator("#id_reference_solution + .cm-editor .cm-content")
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(NEW_REFERENCE)  # inserted as typed text, without the editor's auto-indent
    expect(page.locator("#id_reference_solution")).to_have_value(NEW_REFERENCE)

    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(live_server.url + reverse("capsules:detail", args=[capsule.pk]))
    expect(page.get_by_role("status")).to_contain_text("Saved")
    assert javascript_errors == []

    saved = Capsule.objects.get(pk=capsule.pk)
    assert saved.config_data["reference_solution"] == NEW_REFERENCE
    assert saved.config_data["test_cases"][2] == {
        "description": "mixed signs",
        "test_call": "print(find_largest([-2, 7, 0]))",
        "expected_output": "7\n",
        "is_hidden": True,
    }
    assert [test["description"] for test in saved.config_data["test_cases"]] == [
        "three numbers",
        "negative numbers",
        "mixed signs",
    ]
