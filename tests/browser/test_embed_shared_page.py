"""The shared course page in a real browser: the server answers every learner the same bytes (what a CDN or
nginx keeps, playlists/views/_embed_cache.py), and the learner still finds their own course in it. embed-frame.js
asks the state endpoint for their key, their completed steps and where they left off, and marks the steps,
the footer and the resume step; workspace.js puts their saved code back in the editor.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Response, expect

from playlists.models import LearnerProgress
from playlists.tests.conftest import complete_steps as complete
from tests.browser.test_learner_workspace import editor_of, type_code
from tests.browser.test_playlist_embed import TITLES, console_errors, course, view_recorded  # noqa: F401 (console_errors is a fixture)

MY_CODE = "def find_largest(numbers):\n    return 5  # my draft\n"


def assert_shared(response: Response) -> None:
    headers = response.all_headers()  # .headers leaves out Set-Cookie
    assert "public" in headers["cache-control"] and "s-maxage" in headers["cache-control"], headers
    assert "set-cookie" not in headers and "cookie" not in headers.get("vary", "").lower()
    assert headers["etag"]


def dot(page: Page, position: int):
    return page.locator(f'.dots a[data-step-link="{position}"]')


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_learners_progress_and_saved_code_come_back_in_the_shared_page(
    page: Page,
    javascript_errors: list[str],
    console_errors: list[str],  # noqa: F811 (the fixture imported above)
    live_server,
    owner,
):
    playlist = course(owner, TITLES[:3], is_public=True, title="Shared course")
    embed_url = live_server.url + reverse("playlists:embed_playlist", args=[playlist.pk])
    heading = page.locator("#step-title")

    # A new learner: the page is everyone's; the state request gives them their key (kept in localStorage).
    with view_recorded(page), page.expect_response(lambda r: "/state" in r.url) as state:
        first = page.goto(embed_url + "?step=1")
    assert_shared(first)
    assert state.value.header_value("set-cookie") and "no-store" in state.value.all_headers()["cache-control"]
    token = page.evaluate("localStorage.getItem('codecapsule-learner')")
    assert token and token == state.value.json()["learner_key"]
    expect(editor_of(page)).to_be_visible()
    type_code(page, page, MY_CODE)

    # Steps 1 and 3 solved (the judge's part is test_learner_workspace.py), then a reload.
    complete(playlist, token.split(":")[0], 1, 3)
    with view_recorded(page):
        again = page.goto(embed_url + "?step=1")
    assert_shared(again)
    served = again.text()
    assert "dot--completed" not in served and token not in served  # nothing of the learner's in the shared bytes
    expect(dot(page, 1)).to_have_class(re.compile(r"\bdot--completed\b"))
    expect(dot(page, 3)).to_have_class(re.compile(r"\bdot--completed\b"))
    expect(dot(page, 2)).not_to_have_class(re.compile(r"\bdot--completed\b"))
    expect(dot(page, 1)).to_have_attribute("title", "Step 1: Variables (completed)")
    expect(page.locator('.jump__list a[data-step-link="3"]')).to_have_class("is-completed")
    expect(editor_of(page)).to_contain_text("return 5  # my draft")  # the saved code, from localStorage
    expect(page.locator("textarea[name='code']")).to_have_value(MY_CODE)

    # The last step's footer counts this learner's steps and links the one still open; the marks survive a swap.
    with view_recorded(page):
        page.get_by_role("link", name="Next: Loops").click()
    expect(heading).to_have_text("Loops")
    expect(dot(page, 1)).to_have_class(re.compile(r"\bdot--completed\b"))
    with view_recorded(page):
        page.get_by_role("link", name="Next: Functions").click()
    expect(page.get_by_text("You reached the end — 2 of 3 steps complete.")).to_be_visible()
    open_steps = page.locator("#course-status .course-end__open a")
    expect(open_steps).to_have_count(1)
    expect(open_steps).to_have_text("Step 2: Loops")
    with view_recorded(page):
        open_steps.click()  # an htmx swap like any step link
    expect(heading).to_have_text("Loops")

    # Every step solved: the badge on any step; and without ?step the learner resumes where they left off.
    complete(playlist, token.split(":")[0], 2)
    assert LearnerProgress.objects.get(playlist=playlist).position == 2
    resumed = page.expect_response(lambda r: "step=2" in r.url and r.request.headers.get("hx-request") == "true")
    with view_recorded(page), resumed as fragment:
        shared = page.goto(embed_url)
    assert_shared(shared)
    assert_shared(fragment.value)
    expect(heading).to_have_text("Loops")
    expect(page.get_by_text("Course Completed! Great job!")).to_be_visible()
    expect(page.locator(".dots a.dot--completed")).to_have_count(3)
    assert javascript_errors == []
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_terminal_step_shows_the_learners_saved_directory(page: Page, javascript_errors: list[str], live_server, owner, make_capsule):
    from datetime import timedelta

    from django.utils import timezone

    from judges.models import TerminalWorkspace
    from playlists.services import playlist_create
    from playlists.tests.conftest import unjudged_capsule

    terminal = unjudged_capsule(owner, title="Shell", capsule_type="TERMINAL", status="published", is_public=True)
    terminal.save()
    playlist = playlist_create(creator=owner, title="Shell 101", is_public=True, items=[{"capsule_id": str(terminal.pk)}])
    with view_recorded(page):
        page.goto(live_server.url + reverse("playlists:embed_playlist", args=[playlist.pk]))
    expect(page.locator("#term-prompt")).to_have_text("learner:~$")
    key = page.evaluate("localStorage.getItem('codecapsule-learner')").split(":")[0]
    TerminalWorkspace.objects.create(
        capsule=terminal, learner_key=key, cwd="/home/learner/notes", expires_at=timezone.now() + timedelta(hours=1)
    )

    with view_recorded(page):
        page.reload()
    expect(page.locator("#term-prompt")).to_have_text("learner:~/notes$")
    assert javascript_errors == []
