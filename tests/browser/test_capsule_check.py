"""Check without saving, in a real browser: the Check button posts the form with htmx, the whole report appears
on the same page (every problem, every test), and nothing is saved; then a failing save warns, never green."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from capsules.models import Capsule

BROKEN_REFERENCE = "def find_largest(numbers)\n    return max(numbers)\n"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_check_shows_every_problem_in_place_and_saves_nothing_then_a_failing_save_warns(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule
):
    capsule = make_capsule(owner, "CODE")
    before = Capsule.objects.get(pk=capsule.pk)

    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("owner-pass-123")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + reverse("capsules:list"))

    page.goto(live_server.url + reverse("capsules:edit", args=[capsule.pk]))
    expect(page.locator(".cm-editor")).to_have_count(2)
    page.evaluate("window.__samePage = true")  # gone if anything reloads the page

    editor = page.locator("#id_reference_solution + .cm-editor .cm-content")
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(BROKEN_REFERENCE)
    page.locator('[name="test_cases-1-is_hidden"]').uncheck()

    page.get_by_role("button", name="Check without saving").click()
    result = page.locator("[data-check-result]")
    expect(result).to_contain_text("2 problems: saving it now would keep it a draft.")
    expect(result.locator("[data-problem]")).to_have_count(2)
    expect(result.locator('[data-problem="syntax_error"]')).to_be_visible()
    expect(result.locator('[data-check-test="CE"]')).to_have_count(2)
    assert page.evaluate("window.__samePage") is True, "a check must not load a new page"
    after = Capsule.objects.get(pk=capsule.pk)
    assert (after.status, after.validation_report, after.config_data, after.updated_at) == (
        before.status, before.validation_report, before.config_data, before.updated_at
    )

    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(live_server.url + reverse("capsules:detail", args=[capsule.pk]))
    expect(page.get_by_role("status").first).to_contain_text("Saved as draft — 2 problems")
    expect(page.locator(".message--success")).to_have_count(0)
    expect(page.locator("[data-problem]")).to_have_count(2)
    assert javascript_errors == []
