"""The share page in a real browser, in one page load: the warning that it is not served from SITE_URL, the step
the embed skips and why, the theme select showing its longest choice whole at 1280×800 and at 390×844, and a
start step the course does not have refused under its field as it is typed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from capsules.models import Capsule
from playlists.services import playlist_create

REASON = "The statement gives the answer away"

# The width the select's longest choice needs (measured in the select's own font) against the width it shows
# text in: its content box less the drop-down arrow, and whether the whole select is inside the viewport.
FITS = """(select) => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const longest = Math.max(...Array.from(select.options, (option) => context.measureText(option.text).width));
  const arrow = 24;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - arrow;
  const box = select.getBoundingClientRect();
  return { longest, room, inside: box.left >= 0 && box.right <= window.innerWidth };
}"""


def assert_theme_select_whole(page: Page) -> None:
    fit = page.get_by_label("Theme").evaluate(FITS)
    assert fit["inside"], fit
    assert fit["longest"] <= fit["room"], f"the theme select cuts its longest choice: {fit}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_share_page_warns_lists_hidden_steps_and_fits_its_options(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule
):
    capsules = [make_capsule(owner, "CODE", title=f"Step {n}") for n in (1, 2, 3, 4)]
    playlist = playlist_create(creator=owner, title="Python 101", items=[{"capsule_id": c.pk} for c in capsules])
    Capsule.objects.filter(pk=capsules[1].pk).update(status="flagged", moderation_reason=REASON)
    client = Client()
    client.force_login(owner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    # The preview's real embed is tested elsewhere; its progress events would race this test's teardown.
    page.route("**/embed/playlist/**", lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Preview</p>"))
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(live_server.url + reverse("playlists:share", args=[playlist.pk]))

    # The live server's port is not SITE_URL's: the page says so, naming both.
    warning = page.locator("[data-origin-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(f"This page is served from {live_server.url} but embed codes point at {settings.SITE_URL} (SITE_URL)")
    # The count the builder shows too, and the skipped step with the moderator's reason (the owner's own capsule).
    expect(page.locator("[data-step-summary]")).to_have_text("3 of 4 steps reach learners")
    expect(page.locator("[data-skipped-step]")).to_have_text(f"Step 2 in the builder, “Step 2”: Hidden by moderation — {REASON}")
    assert_theme_select_whole(page)

    step = page.get_by_label("Start at step")
    step.fill("99")
    expect(step).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_step_error")).to_have_text("This course has 3 steps; choose 1–3.")
    step.fill("2")
    expect(page.locator("#id_step_error")).to_have_count(0)
    expect(step).to_have_attribute("aria-invalid", "false")

    page.set_viewport_size({"width": 390, "height": 844})
    assert_theme_select_whole(page)
    assert javascript_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_builder_counts_a_hidden_step_added_in_the_page(page: Page, javascript_errors: list[str], live_server, owner, make_capsule):
    """builder.js keeps the count the share page will show ("1 of 2 steps reach learners") before any save."""
    make_capsule(owner, "CODE", title="Proven")
    draft = make_capsule(owner, "CODE", title="Drafty")
    Capsule.objects.filter(pk=draft.pk).update(status="draft")
    client = Client()
    client.force_login(owner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])

    page.goto(live_server.url + reverse("playlists:new"))

    count, note = page.locator("[data-step-count]"), page.locator("[data-hidden-note]")
    page.get_by_role("button", name="Add to playlist: Proven").click()
    expect(count).to_have_text("1 step")
    expect(note).to_be_hidden()
    page.get_by_role("button", name="Add to playlist: Drafty").click()
    expect(count).to_have_text("1 of 2 steps reach learners")
    expect(note).to_be_visible()
    expect(page.locator("[data-steps] .step__hidden")).to_have_text("Hidden from learners: Not validated yet")
    page.get_by_role("button", name="Remove: Drafty").click()
    expect(count).to_have_text("1 step")
    expect(note).to_be_hidden()
    assert javascript_errors == []
