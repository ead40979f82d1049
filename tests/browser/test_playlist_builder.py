"""The playlist builder in a real browser: drag five capsules from "My capsules" into the playlist, reorder
by dragging and by keyboard (the live region says what moved), save through htmx, land on the share page
with the embed code, and find the order in the database. Also: a stale save refused in the page, the share
page rebuilding the code and the preview as its options change, and the builder without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser, Locator, Page, Route, expect

from playlists.models import Playlist
from playlists.services import playlist_create
from playlists.tests.conftest import reverse_steps
from playlists.views.builder import embed_code


def drag(page: Page, handle: Locator, target: Locator, *, where: str = "bottom") -> None:
    """A real mouse drag from `handle` to the top or bottom edge of `target`. SortableJS decides where the
    item goes from the moves in between, so the pointer travels there in steps."""
    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    box = target.bounding_box()
    assert start is not None and box is not None
    viewport = page.viewport_size
    assert viewport is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], "drop target off screen"
    x = box["x"] + box["width"] / 2
    y = box["y"] + (4 if where == "top" else box["height"] - 4)
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 5, start["y"] + start["height"] / 2 + 5, steps=3)
    page.mouse.move(x, y, steps=15)
    page.mouse.move(x, y + (1 if where == "bottom" else -1), steps=2)
    page.mouse.up()


def stub_embed(page: Page) -> list[str]:
    """Answer the share page's preview with a stand-in and record what it asked for. The real embed is
    tested on its own; here its progress events would race the database teardown of the test."""
    requested: list[str] = []

    def answer(route: Route) -> None:
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Preview</title><p>Preview</p>")

    page.route("**/embed/playlist/**", answer)
    return requested


def log_in(page: Page, live_server) -> None:
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("owner-pass-123")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + reverse("capsules:list"))


def step_titles(page: Page) -> list[str]:
    return page.locator("[data-steps] > [data-step]").evaluate_all("steps => steps.map(step => step.dataset.title)")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_builds_a_five_step_playlist_by_dragging_and_by_keyboard(
    page: Page, javascript_errors: list[str], live_server, owner, other_creator, make_capsule
):
    capsules = {
        "Two Sum": make_capsule(owner, "CODE", title="Two Sum"),
        "Customers from Berlin": make_capsule(owner, "DATABASE", title="Customers from Berlin"),
        "Make a greeting file": make_capsule(owner, "TERMINAL", title="Make a greeting file"),
        "Largest number": make_capsule(other_creator, "CODE", status="published", is_public=True, title="Largest number"),
        "Join the orders": make_capsule(other_creator, "DATABASE", status="published", is_public=True, title="Join the orders"),
    }
    make_capsule(other_creator, "CODE", title="Somebody else's draft")  # neither own nor published: not offered

    log_in(page, live_server)
    previews = stub_embed(page)
    page.goto(live_server.url + reverse("playlists:new"))
    pool = page.locator("[data-pool] > .pool-card")
    expect(pool).to_have_count(5)
    save = page.get_by_role("button", name="Save playlist & get embed code")
    expect(save).to_be_disabled()
    page.get_by_label("Title", exact=True).fill("Python 101: The Complete Intro")
    page.get_by_label("Description", exact=True).fill("A 5-part series for absolute beginners")
    expect(save).to_be_disabled()  # a title, but no steps yet

    steps = page.locator("[data-steps]")
    page.locator(".builder__columns").evaluate("columns => columns.scrollIntoView({block: 'start'})")  # both in view
    order = ["Two Sum", "Largest number", "Customers from Berlin", "Join the orders", "Make a greeting file"]
    for count, title in enumerate(order, start=1):
        card = page.locator(f'[data-pool] > .pool-card[data-title="{title}"]')
        drag(page, card.locator(".pool-card__handle"), steps)
        expect(page.locator("[data-steps] > [data-step]")).to_have_count(count)
        expect(card).to_have_class("pool-card pool-card--added")
    assert step_titles(page) == order
    expect(pool).to_have_count(5)  # dragging copies: the cards stay in "My capsules"
    expect(page.locator("[data-announce]")).to_have_text("Added Make a greeting file at position 5")
    expect(save).to_be_enabled()

    # Reorder by dragging: the last step to the top.
    last = page.locator("[data-steps] > [data-step]").nth(4)
    drag(page, last.locator(".step__handle"), page.locator("[data-steps] > [data-step]").first, where="top")
    expect(page.locator("[data-announce]")).to_have_text("Moved Make a greeting file to position 1")
    assert step_titles(page) == ["Make a greeting file", "Two Sum", "Largest number", "Customers from Berlin", "Join the orders"]
    expect(page.locator("[data-step-number]").first).to_have_text("1")

    # Reorder by keyboard: step 4 up one place.
    move_up = page.get_by_role("button", name="Move up: Customers from Berlin")
    move_up.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-announce]")).to_have_text("Moved Customers from Berlin to position 3")
    expect(move_up).to_be_focused()
    final = ["Make a greeting file", "Two Sum", "Customers from Berlin", "Largest number", "Join the orders"]
    assert step_titles(page) == final

    save.click()
    expect(page).to_have_url(re.compile(r"/playlists/[0-9a-f-]{36}/share$"))
    playlist = Playlist.objects.get(creator=owner)
    assert page.url == live_server.url + reverse("playlists:share", args=[playlist.pk])
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(page.get_by_role("textbox", name="Embed code")).to_have_value(embed_code(playlist))
    expect(page.frame_locator("iframe[data-preview]").get_by_text("Preview")).to_be_visible()
    assert previews == [live_server.url + embed_code(playlist).split('"')[1].removeprefix(settings.SITE_URL)]
    assert javascript_errors == []

    saved = [item.capsule.title for item in playlist.items.select_related("capsule").order_by("order")]
    assert saved == final
    assert [item.order for item in playlist.items.order_by("order")] == [1, 2, 3, 4, 5]
    assert playlist.description == "A 5-part series for absolute beginners"
    assert set(playlist.items.values_list("capsule_id", flat=True)) == {capsule.pk for capsule in capsules.values()}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_stale_save_is_refused_in_the_page_and_dragging_comes_back(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule
):
    first = make_capsule(owner, "CODE", title="Two Sum")
    second = make_capsule(owner, "DATABASE", title="Customers from Berlin")
    playlist = playlist_create(creator=owner, title="Python 101", items=[{"capsule_id": first.pk}, {"capsule_id": second.pk}])
    log_in(page, live_server)
    page.goto(live_server.url + reverse("playlists:edit", args=[playlist.pk]))
    page.evaluate(
        """() => {
            window.__dragDisabled = [];
            const list = document.querySelector('[data-steps]');
            document.addEventListener('htmx:beforeRequest', () => window.__dragDisabled.push(Sortable.get(list).option('disabled')));
        }"""
    )

    # Meanwhile, in another tab, the order changes.
    reverse_steps(playlist, owner)

    page.get_by_role("button", name="Move down: Two Sum").click()
    page.get_by_role("button", name="Save playlist & get embed code").click()

    expect(page.get_by_role("alert")).to_contain_text("This playlist was changed elsewhere")
    expect(page.get_by_role("alert")).to_be_focused()
    assert page.evaluate("window.__dragDisabled") == [True]  # no dragging while the save was in flight
    # The refused save came back as a new form, whose list can be dragged again.
    assert page.evaluate("Sortable.get(document.querySelector('[data-steps]')).option('disabled')") is False
    assert page.url == live_server.url + reverse("playlists:edit", args=[playlist.pk])
    assert [item.capsule.title for item in playlist.items.select_related("capsule").order_by("order")] == [
        "Customers from Berlin",
        "Two Sum",
    ]

    page.get_by_role("link", name="refresh to see the current version").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert step_titles(page) == ["Customers from Berlin", "Two Sum"]
    assert javascript_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_share_page_rebuilds_the_code_and_the_preview_as_the_options_change(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule
):
    capsules = [make_capsule(owner, "CODE", title=f"Step {n}") for n in (1, 2, 3)]
    playlist = playlist_create(creator=owner, title="Python 101", items=[{"capsule_id": c.pk} for c in capsules])
    log_in(page, live_server)
    previews = stub_embed(page)
    page.goto(live_server.url + reverse("playlists:share", args=[playlist.pk]))
    page.evaluate("window.__samePage = true")
    code = page.get_by_role("textbox", name="Embed code")
    expect(code).to_have_value(embed_code(playlist))
    expect(page.get_by_role("button", name="Update code")).to_be_hidden()  # the code follows the options by itself

    src = embed_code(playlist, step=2, theme="dark", show_progress=False).split('"')[1].replace("&amp;", "&")
    preview_path = src.removeprefix(settings.SITE_URL)  # framed from this page's own origin
    with page.expect_request(live_server.url + preview_path):
        page.get_by_label("Start at step").fill("2")
        page.get_by_label("Theme").select_option("dark")
        page.get_by_label("Show progress").uncheck()

    expect(code).to_have_value(embed_code(playlist, step=2, theme="dark", show_progress=False))
    expect(page.locator("iframe[data-preview]")).to_have_attribute("src", preview_path)
    expect(page.get_by_role("link", name=src)).to_have_attribute("href", src)
    assert previews[-1] == live_server.url + preview_path
    assert page.evaluate("window.__samePage") is True

    page.get_by_label("Start at step").fill("9")  # not a step of this playlist: the code stays as it was
    expect(page.get_by_label("Start at step")).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_value(embed_code(playlist, step=2, theme="dark", show_progress=False))

    page.get_by_role("button", name="Copy code").click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    assert javascript_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_builder_works_without_javascript(browser: Browser, live_server, owner, make_capsule):
    make_capsule(owner, "CODE", title="Two Sum")
    make_capsule(owner, "DATABASE", title="Customers from Berlin")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    stub_embed(page)
    log_in(page, live_server)
    page.goto(live_server.url + reverse("playlists:new"))

    page.get_by_label("Title", exact=True).fill("Python 101")
    page.get_by_role("button", name="Add to playlist: Two Sum").click()
    expect(page.locator("[data-announce]")).to_have_text("Added Two Sum at position 1")
    page.get_by_role("button", name="Add to playlist: Customers from Berlin").click()
    page.get_by_role("button", name="Move up: Customers from Berlin").click()
    expect(page.locator("[data-announce]")).to_have_text("Moved Customers from Berlin to position 1")
    expect(page.get_by_role("button", name="Move down: Customers from Berlin")).to_be_focused()
    assert step_titles(page) == ["Customers from Berlin", "Two Sum"]
    expect(page.get_by_label("Title", exact=True)).to_have_value("Python 101")

    page.get_by_label("Title", exact=True).press("Enter")  # the form's first button is Save
    expect(page).to_have_url(re.compile(r"/playlists/[0-9a-f-]{36}/share$"))
    playlist = Playlist.objects.get(creator=owner)
    assert [item.capsule.title for item in playlist.items.select_related("capsule").order_by("order")] == [
        "Customers from Berlin",
        "Two Sum",
    ]
    expect(page.get_by_role("textbox", name="Embed code")).to_have_value(embed_code(playlist))
    context.close()
