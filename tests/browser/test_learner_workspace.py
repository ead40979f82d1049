"""Solving capsules inside an embed, in a real browser on the real judge.

A course embedded in a blog from another origin: the learner solves a CODE step (wrong first, then right)
and a DATABASE step; the dots mark the solved steps, the host page hears step-completed and completed, the
badge appears, and the creator's analytics count it. On a capsule embedded on its own: the editor loads on
demand, the code survives a reload, Reset asks first, hints come one at a time, Ctrl+Enter runs, and a
judge that is away offers a Retry that keeps the code. Without JavaScript the same form posts and answers.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, FrameLocator, Locator, Page, expect

from judges import grading
from judges.sandbox import SandboxError
from playlists.models import LearnerEvent, LearnerProgress
from playlists.services import playlist_create
from tests.browser.test_playlist_builder import log_in
from tests.browser.test_playlist_embed import (  # noqa: F401 (host_site and console_errors are fixtures)
    console_errors,
    host_site,
    received,
    serve_host_page,
    the_frame,
    view_recorded,
    wait_for_event,
)

RETURNS_ZERO = "def find_largest(numbers):\n    return 0\n"
HALF_RIGHT = "def find_largest(numbers):\n    return 5\n"  # the visible example passes, the hidden test fails
CORRECT = "def find_largest(numbers):\n    return sorted(numbers)[-1]\n"
TOO_MANY_ROWS = "SELECT name FROM customers ORDER BY name"
RIGHT_QUERY = "SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name"


def editor_of(view: Page | FrameLocator) -> Locator:
    """CodeMirror's editable area, once workspace.js loaded it on demand."""
    return view.locator("#workspace .cm-content")


def type_code(page: Page, view: Page | FrameLocator, code: str) -> None:
    """Replace the editor's text the way a learner pasting would (select all, then insert)."""
    editor = editor_of(view)
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(code)
    expect(view.locator("textarea[name='code']")).to_have_value(code)


def graded(page: Page):
    """Wait for a run or submit to be answered (the judge takes a moment)."""
    return page.expect_response(lambda response: re.search(r"/(run|submit)(\?|$)", response.url) is not None, timeout=30_000)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_learner_solves_a_code_and_a_database_step_inside_a_course_on_another_site(
    page: Page, javascript_errors: list[str], console_errors: list[str], live_server, host_site, owner, make_capsule  # noqa: F811 (fixtures)
):
    code = make_capsule(owner, "CODE", status="published", is_public=True, title="Find the largest number")
    database = make_capsule(owner, "DATABASE", status="published", is_public=True, title="Customers from Berlin")
    course = playlist_create(
        creator=owner, title="Practice", is_public=True, items=[{"capsule_id": str(code.pk)}, {"capsule_id": str(database.pk)}]
    )
    with view_recorded(page):
        page.goto(serve_host_page(host_site, live_server, reverse("playlists:embed_playlist", args=[course.pk])))
    frame = page.frame_locator("#course-frame")
    results = frame.locator("#ws-results")
    wait_for_event(page, "ready")

    # CODE, wrong: Ctrl+Enter runs the example, whose expected and actual outputs show their line ends.
    expect(editor_of(frame)).to_be_visible()
    expect(editor_of(frame)).to_contain_text("def find_largest(numbers):")
    type_code(page, frame, RETURNS_ZERO)
    with graded(page):
        page.keyboard.press("ControlOrMeta+Enter")
    expect(results).to_contain_text("0 of 1 example tests pass. Submit runs them with 1 hidden test.")
    expect(results.locator(".ws-test")).to_contain_text("Test 1: three numbers — Wrong answer")
    expect(results.locator(".ws-io pre[aria-hidden='true']").nth(0)).to_have_text("5↵")  # expected
    expect(results.locator(".ws-io pre[aria-hidden='true']").nth(1)).to_have_text("0↵")  # the learner's
    expect(frame.locator("#ws-status")).to_have_text("0 of 1 example tests pass. Submit runs them with 1 hidden test.")

    # Half right: Submit scores it, and the hidden test only says it failed.
    type_code(page, frame, HALF_RIGHT)
    with graded(page):
        frame.get_by_role("button", name="Submit").click()
    expect(results).to_contain_text("Score: 50% (1 of 2 tests)")
    expect(results.locator(".ws-test").nth(1)).to_have_text(re.compile(r"^\s*✗ Hidden test 2 — Wrong answer\s*$"))
    expect(frame.locator(".dot--completed")).to_have_count(0)

    # Right: every test passes, the step's dot turns completed and the host hears it.
    type_code(page, frame, CORRECT)
    with graded(page):
        frame.get_by_role("button", name="Submit").click()
    expect(results).to_contain_text("All 2 tests pass.")
    expect(results).to_contain_text("Score: 100% (2 of 2 tests)")
    expect(results).to_contain_text("Step 1 of 2 is complete.")
    expect(frame.locator(".dot--completed")).to_have_count(1)
    expect(frame.locator(".dots li").nth(0).locator("a")).to_have_class(re.compile("dot--completed"))
    wait_for_event(page, "step-completed", "detail.step === 1")
    assert received(page, "completed") == []

    # DATABASE: Next (an htmx swap), a run shows the grid, a wrong submit says what differs, the right one solves it.
    with view_recorded(page):
        frame.get_by_role("link", name="Next: Customers from Berlin").click()
    expect(frame.locator("#step-title")).to_have_text("Customers from Berlin")
    expect(frame.get_by_role("table").filter(has_text="customers")).to_be_visible()  # the schema panel
    expect(frame.get_by_text("You reached the end — 1 of 2 steps complete.")).to_be_visible()
    expect(editor_of(frame)).to_contain_text("SELECT name FROM customers;")
    with graded(page):
        frame.get_by_role("button", name="Run query").click()
    expect(results).to_contain_text("Your query returns 3 rows. Submit to check it.")
    expect(results.locator("table.ws-grid tbody tr")).to_have_count(3)
    type_code(page, frame, TOO_MANY_ROWS)
    with graded(page):
        frame.get_by_role("button", name="Submit").click()
    expect(results).to_contain_text("Extra rows: 1 row of yours should not be there.")
    expect(results.locator(".ws-grid--examples")).to_have_text(re.compile(r"Linus"))
    type_code(page, frame, RIGHT_QUERY)
    with graded(page):
        frame.get_by_role("button", name="Submit").click()
    expect(results).to_contain_text("Your query returns the expected result.")
    expect(frame.locator(".dot--completed")).to_have_count(2)
    expect(frame.get_by_text("Course Completed! Great job!")).to_be_visible()
    wait_for_event(page, "step-completed", "detail.step === 2")
    wait_for_event(page, "completed", "detail.total === 2")
    assert [detail["step"] for detail in received(page, "step-completed")] == [1, 2]

    progress = LearnerProgress.objects.get(playlist=course)
    assert len(progress.completed_items) == 2 and progress.completed_at is not None
    assert LearnerEvent.objects.filter(verb="step-completed").count() == 2
    assert javascript_errors == []
    assert console_errors == []

    # The creator's analytics count the learner, the completion and each step's completion.
    log_in(page, live_server)
    page.goto(live_server.url + reverse("playlists:analytics", args=[course.pk]))
    expect(page.locator(".metric").filter(has_text="Completed").locator("dd")).to_contain_text("1")
    expect(page.locator(".metric").filter(has_text="Completion rate")).to_contain_text("100.0%")
    rows = page.locator(".funnel-table tbody tr")
    expect(rows.nth(0).locator("td").last).to_have_text("1")
    expect(rows.nth(1).locator("td").last).to_have_text("1")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_capsule_alone_the_code_survives_a_reload_reset_asks_first_hints_come_one_by_one_and_retry_keeps_the_code(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule, monkeypatch
):
    capsule = make_capsule(owner, "CODE", status="published", is_public=True)
    served = page.goto(live_server.url + reverse("playlists:embed_capsule", args=[capsule.pk])).text()
    results = page.locator("#ws-results")

    # CodeMirror is not in the page's own tags: workspace.js asked for it once the page was up.
    assert not re.search(r"<script[^>]*codemirror", served)
    expect(editor_of(page)).to_be_visible()
    expect(page.locator("textarea[name='code']")).to_be_hidden()  # behind the editor, still the form's field
    expect(page.locator("script[src$='/vendor/codemirror.js']")).to_have_count(1)
    type_code(page, page, HALF_RIGHT)

    # A reload keeps the learner's code (localStorage, per capsule).
    page.reload()
    expect(editor_of(page)).to_contain_text("return 5")
    expect(page.locator("textarea[name='code']")).to_have_value(HALF_RIGHT)

    # Reset asks first: dismissed, nothing changes; accepted, the starting code is back.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Reset to starting code").click()
    expect(editor_of(page)).to_contain_text("return 5")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset to starting code").click()
    expect(editor_of(page)).to_contain_text("pass")
    expect(editor_of(page)).not_to_contain_text("return 5")

    # Hints, one at a time, from the keyboard.
    expect(page.locator("details.hint:visible")).to_have_count(0)
    page.get_by_role("button", name="Show hint 1 of 2").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Python has a built-in for this.")).to_be_visible()
    expect(page.get_by_text("Try max().")).to_be_hidden()
    page.get_by_role("button", name="Show hint 2 of 2").click()
    expect(page.get_by_text("Try max().")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Show hint"))).to_have_count(0)

    # The judge is away: a Retry, and the code is still there; once it is back, Retry grades it.
    type_code(page, page, CORRECT)
    real = grading.grade_attempt

    def away(**kwargs):
        raise SandboxError("no slot")

    monkeypatch.setattr("playlists.views.workspace.grade_attempt", away)
    with graded(page):
        page.get_by_role("button", name="Submit").click()
    expect(results).to_contain_text("Grading is unavailable right now — your code is kept.")
    expect(page.locator("#ws-status")).to_have_text("Grading is unavailable right now — your code is kept; Retry")
    expect(page.locator("textarea[name='code']")).to_have_value(CORRECT)
    monkeypatch.setattr("playlists.views.workspace.grade_attempt", real)
    with graded(page):
        results.get_by_role("button", name="Retry").click()
    expect(results).to_contain_text("All 2 tests pass.")
    expect(results).to_contain_text("Exercise complete.")
    assert javascript_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_workspace_form_posts_and_the_page_shows_the_results(browser: Browser, live_server, owner, make_capsule):
    capsule = make_capsule(owner, "CODE", status="published", is_public=True)
    course = playlist_create(creator=owner, title="No script", is_public=True, items=[{"capsule_id": str(capsule.pk)}])
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + reverse("playlists:embed_playlist", args=[course.pk]))
        page.get_by_label("Code (Python)").fill(HALF_RIGHT)
        page.get_by_role("button", name="Submit").click()
        expect(page.locator("#ws-results")).to_contain_text("Score: 50% (1 of 2 tests)")
        expect(page.get_by_label("Code (Python)")).to_have_value(HALF_RIGHT)
        expect(page.locator("details.hint")).to_have_count(2)  # every hint, each behind its own <details>
        expect(page.get_by_role("button", name="Reset to starting code")).to_be_hidden()  # it needs JavaScript
        page.get_by_label("Code (Python)").fill(CORRECT)
        page.get_by_role("button", name="Submit").click()
        expect(page.locator("#ws-results")).to_contain_text("All 2 tests pass.")
        expect(page.get_by_text("Course Completed! Great job!")).to_be_visible()
        expect(page.locator(".dot--completed")).to_have_count(1)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_moving_between_steps_and_back_keeps_each_steps_code_in_one_working_editor(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule
):
    code = make_capsule(owner, "CODE", status="published", is_public=True, title="Find the largest number")
    database = make_capsule(owner, "DATABASE", status="published", is_public=True, title="Customers from Berlin")
    course = playlist_create(
        creator=owner, title="Practice", is_public=True, items=[{"capsule_id": str(code.pk)}, {"capsule_id": str(database.pk)}]
    )
    page.goto(live_server.url + reverse("playlists:embed_playlist", args=[course.pk]))
    expect(editor_of(page)).to_be_visible()
    type_code(page, page, HALF_RIGHT)

    page.get_by_role("link", name="Next: Customers from Berlin").click()
    expect(editor_of(page)).to_contain_text("SELECT name FROM customers;")
    # Back restores htmx's snapshot of step 1, which holds the editor's DOM but not the editor: rebuilt, once.
    page.evaluate("history.back()")
    expect(page.locator("#step-title")).to_have_text("Find the largest number")
    expect(page.locator("#workspace .cm-editor")).to_have_count(1)
    expect(editor_of(page)).to_contain_text("return 5")
    expect(page.locator("textarea[name='code']")).to_be_hidden()

    type_code(page, page, CORRECT)
    page.get_by_role("link", name="Next: Customers from Berlin").click()
    page.get_by_role("link", name="Previous: Find the largest number").click()
    expect(editor_of(page)).to_contain_text("sorted(numbers)")
    expect(page.locator("#workspace .cm-editor")).to_have_count(1)
    assert javascript_errors == []
