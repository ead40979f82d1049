"""The embed on a phone and from the keyboard.

At 390×844 (a phone) the examples table stacks into cards, so the expected output is in view without
scrolling sideways, and every step dot is a target of at least 24×24 CSS pixels (WCAG 2.5.8). In the editor
Tab indents, and Escape then Tab leaves it (CodeMirror's tab-focus mode), as the hint under it says.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from playlists.services import playlist_create
from tests.browser.test_accessibility import AXE
from tests.browser.test_learner_workspace import editor_of
from tests.browser.test_playlist_embed import make_capsules

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
MIN_TARGET = 24  # CSS pixels, WCAG 2.2 SC 2.5.8 Target Size (Minimum)


@pytest.fixture
def course_path(owner) -> str:
    capsules = make_capsules(owner, ["Variables", "Loops", "Functions", "Lists"], status="published", is_public=True)
    course = playlist_create(creator=owner, title="Practice", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])
    return reverse("playlists:embed_playlist", args=[course.pk])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_expected_output_is_in_view_and_the_step_dots_are_big_enough_to_tap(
    browser: Browser, live_server, course_path
):
    context = browser.new_context(**PHONE, bypass_csp=True)  # bypass_csp: axe is injected as an inline script
    page = context.new_page()
    page.goto(live_server.url + course_path + "?step=1")

    expected = page.locator(".table--stack td[data-label='Expected output']").first
    expect(expected).to_be_visible()
    box = expected.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    # Nothing scrolls sideways: not the page, not the table's wrapper.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.locator(".table-wrap").first.evaluate("wrap => wrap.scrollWidth <= wrap.clientWidth")
    # Each cell says which column it is, since the header row is not shown.
    label = expected.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Expected output"'

    dots = page.locator(".dots a.dot")
    expect(dots).to_have_count(4)
    for index in range(4):
        dot = dots.nth(index).bounding_box()
        assert dot is not None and dot["width"] >= MIN_TARGET and dot["height"] >= MIN_TARGET, (index, dot)
    # And every other control on the phone page, as axe-core's target-size rule (WCAG 2.5.8) sees it.
    page.add_script_tag(path=str(AXE))
    too_small = page.evaluate(
        "() => axe.run(document, {runOnly: ['target-size']})"
        ".then((r) => r.violations.flatMap((v) => v.nodes.map((n) => n.target.join(' '))))"
    )
    assert too_small == []
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tab_indents_in_the_editor_and_escape_then_tab_moves_on(page: Page, live_server, course_path):
    page.goto(live_server.url + course_path + "?step=1")
    editor = editor_of(page)
    expect(editor).to_be_visible()
    hint = page.locator(".cm-tab-hint")
    expect(hint).to_have_text("Tab indents. To leave the editor, press Esc then Tab.")
    # Announced with the workspace's own description of the keys.
    assert editor.get_attribute("aria-describedby") == f"ws-keys {hint.get_attribute('id')}"

    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text("x = 1")
    page.keyboard.press("Home")
    if page.locator("[data-draft-url]").count():
        # The workspace saves the learner's draft a moment after typing: let that finish within the test,
        # not while the test database is being torn down.
        with page.expect_response(re.compile(r"/draft(\?|$)")):
            page.keyboard.press("Tab")
    else:
        page.keyboard.press("Tab")
    code = page.locator("textarea[name='code']")
    expect(code).to_have_value(re.compile(r"^( {2,}|\t)x = 1$"))
    indented = code.input_value()
    assert page.evaluate("() => !!document.activeElement.closest('.cm-editor')")  # Tab stayed in the editor

    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("() => !document.activeElement.closest('.cm-editor')"), "Escape then Tab must leave the editor"
    assert page.evaluate("() => document.activeElement !== document.body")  # … to the next control, not nowhere
    expect(code).to_have_value(indented)  # and indented nothing more
