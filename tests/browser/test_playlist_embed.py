"""A course embedded in someone else's page, in a real browser.

The host page is served from another origin (127.0.0.1, while the live server is on localhost) with the
embed code a creator pastes: the iframe plus /embed.js. In the frame the learner moves with Next, Previous
and the jump menu without a page load; the host hears ready / step-viewed and resize messages and sizes
the iframe (step-completed and completed come only from solving steps: test_learner_workspace.py); a reload
resumes; the dark theme is dark; private courses need their token; and with JavaScript off the same links
still navigate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Frame, Page, expect

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from playlists.models import LearnerProgress, Playlist
from playlists.selectors import embed_token
from playlists.services import playlist_create
from tests.browser.conftest import static_site

TITLES = ["Variables", "Loops", "Functions", "Lists", "Dictionaries"]
EVENT_TYPES = ["ready", "resize", "step-viewed", "step-completed", "completed"]
# Step 2's statement is long, so moving to it must grow the iframe.
LONG_STATEMENT = "\n\n".join(f"Paragraph {n}: loops repeat work until a condition stops them." for n in range(1, 31))


def make_capsules(creator, titles: list[str], **fields) -> list[Capsule]:
    """Published public capsules without judge runs (the embed does not care how they were proven)."""
    capsules = []
    for title in titles:
        data = capsule_data("CODE")
        capsules.append(
            Capsule(
                creator=creator, title=title, capsule_type="CODE", language="python", runtime_tier="sandbox-python",
                problem_statement_md=LONG_STATEMENT if title == "Loops" else data["problem_statement_md"],
                difficulty=data["difficulty"], config_data=data["config_data"], **fields,
            )
        )  # fmt: skip
    return Capsule.objects.bulk_create(capsules)


def course(creator, titles: list[str], *, is_public: bool, title: str) -> Playlist:
    capsules = make_capsules(creator, titles, status="published", is_public=True)
    return playlist_create(creator=creator, title=title, is_public=is_public, items=[{"capsule_id": str(c.pk)} for c in capsules])


HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>A blog post</title></head>
<body>
<h1>My blog post about Python</h1>
<p>Try the course below.</p>
<iframe id="course-frame" src="{src}" title="Python course" width="100%" height="600" style="border:0"></iframe>
<script>
  // The host's own listener: what a blog would do with the events embed.js re-dispatches.
  window.received = [];
  {types}.forEach(function (type) {{
    document.addEventListener("codecapsule:" + type, function (event) {{
      window.received.push({{type: type, detail: event.detail, target: event.target.id}});
    }});
  }});
</script>
<script src="{script}" async></script>
</body></html>
"""


@pytest.fixture
def host_site() -> Iterator[str]:
    """A plain web server on 127.0.0.1 (the live server is on localhost: another origin, another site)
    that serves whatever HTML the test puts in `pages`."""
    pages: dict[str, str] = {}
    with static_site(pages) as server:
        server.pages = pages  # type: ignore[attr-defined]
        yield server


def serve_host_page(host_site, live_server, embed_path: str) -> str:
    html = HOST_PAGE.format(src=live_server.url + embed_path, script=live_server.url + reverse("playlists:embed_script"),
                            types=str(EVENT_TYPES).replace("'", '"'))  # fmt: skip
    host_site.pages["/post.html"] = html
    return f"http://127.0.0.1:{host_site.server_address[1]}/post.html"


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Console errors of the page and its frames (CSP violations land here), except failed loads: the
    not-found embed page is a 404 on purpose."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" and "Failed to load resource" not in message.text else None,
    )
    return errors


def view_recorded(page: Page):
    """Wait for the `viewed` event the frame posts once a step is shown. Every step change waits for it,
    so no test ends (and flushes the database) while the live server is still writing one."""
    return page.expect_response(lambda response: re.search(r"/events(\?|$)", response.url) is not None and response.ok)


def the_frame(page: Page) -> Frame:
    frame = page.locator("#course-frame").element_handle().content_frame()
    assert frame is not None
    return frame


def received(page: Page, event_type: str) -> list[dict]:
    return [entry["detail"] for entry in page.evaluate("window.received") if entry["type"] == event_type]


def wait_for_event(page: Page, event_type: str, condition: str = "true") -> None:
    page.wait_for_function(
        f"() => window.received && window.received.some(e => e.type === {event_type!r}"
        f" && (function (detail) {{ return {condition}; }})(e.detail))"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_learner_moves_through_an_embedded_course_without_page_loads(
    page: Page, javascript_errors: list[str], console_errors: list[str], live_server, host_site, owner
):
    playlist = course(owner, TITLES, is_public=True, title="Python basics")
    embed_path = reverse("playlists:embed_playlist", args=[playlist.pk])
    with view_recorded(page):
        page.goto(serve_host_page(host_site, live_server, embed_path))
    frame_view = page.frame_locator("#course-frame")
    heading = frame_view.locator("#step-title")

    # The handshake: the host acknowledged the frame's hello, so events and sizes flow.
    expect(heading).to_have_text("Variables")
    wait_for_event(page, "ready")
    wait_for_event(page, "step-viewed", "detail.step === 1")
    assert received(page, "step-viewed")[0] == {"type": "step-viewed", "step": 1, "total": 5, "title": "Variables"}
    assert all(entry["target"] == "course-frame" for entry in page.evaluate("window.received"))
    wait_for_event(page, "resize")
    first_height = received(page, "resize")[-1]["height"]
    expect(page.locator("#course-frame")).to_have_attribute("style", re.compile(rf"height: {first_height}px"))

    frame = the_frame(page)
    frame.evaluate("window.__samePage = true")  # gone if anything loads a new document in the frame
    expect(frame_view.locator("h1")).to_contain_text("Python basics (Step 1 of 5)")

    # Next: a swap of the course, the URL gets ?step=2, focus lands on the new heading, the title follows.
    with view_recorded(page):
        frame_view.get_by_role("link", name="Next: Loops").click()
    expect(heading).to_have_text("Loops")
    expect(heading).to_be_focused()
    frame.wait_for_function("() => new URLSearchParams(location.search).get('step') === '2'")
    assert frame.evaluate("document.title") == "Loops · Step 2 of 5 · Python basics"
    wait_for_event(page, "step-viewed", "detail.step === 2 && detail.title === 'Loops'")
    # The long step grows the iframe: a new resize message, and embed.js applied it.
    wait_for_event(page, "resize", f"detail.height > {first_height}")
    tall = received(page, "resize")[-1]["height"]
    expect(page.locator("#course-frame")).to_have_attribute("style", re.compile(rf"height: {tall}px"))
    assert page.locator("#course-frame").evaluate("element => element.getBoundingClientRect().height") == pytest.approx(tall, abs=1)

    # The browser's Back button steps back inside the frame (htmx pushed the step's URL).
    with view_recorded(page):
        frame.evaluate("history.back()")
    expect(heading).to_have_text("Variables")
    frame.wait_for_function("() => new URLSearchParams(location.search).get('step') !== '2'")
    with view_recorded(page):
        frame.evaluate("history.forward()")
    expect(heading).to_have_text("Loops")

    # Previous, then the jump menu.
    with view_recorded(page):
        frame_view.get_by_role("link", name="Previous: Variables").click()
    expect(heading).to_have_text("Variables")
    frame_view.get_by_text("Jump to step").click()
    with view_recorded(page):
        frame_view.locator("details.jump").get_by_role("link", name="Step 4: Lists").click()
    expect(heading).to_have_text("Lists")
    frame.wait_for_function("() => new URLSearchParams(location.search).get('step') === '4'")
    expect(frame_view.locator('.dots a[aria-current="step"]')).to_have_attribute("href", re.compile(r"step=4"))

    # The last step, reached without solving anything: how far the learner got, never the badge; and
    # moving (Next included) never tells the host a step was completed.
    with view_recorded(page):
        frame_view.get_by_role("link", name="Next: Dictionaries").click()
    expect(frame_view.get_by_text("You reached the end — 0 of 5 steps complete.")).to_be_visible()
    expect(frame_view.get_by_text("Course Completed")).to_have_count(0)
    assert frame.evaluate("window.__samePage") is True, "moving between steps must not load a new page"
    progress = LearnerProgress.objects.get(playlist=playlist)
    assert progress.position == 5 and progress.completed_at is None
    assert received(page, "step-completed") == [] and received(page, "completed") == []

    # A reload of ?step=3 shows step 3. Headless Chromium blocks third-party cookies and storage in this
    # frame, so a reload without a step cannot know the learner: it starts at step 1, and works.
    with view_recorded(page):
        frame.goto(live_server.url + embed_path + "?step=3")
    expect(heading).to_have_text("Functions")
    assert frame.evaluate("window.__samePage") is None
    with view_recorded(page):
        frame.goto(live_server.url + embed_path)
    expect(heading).to_have_text("Variables")
    with view_recorded(page):
        frame_view.get_by_role("link", name="Next: Loops").click()
    expect(heading).to_have_text("Loops")

    assert javascript_errors == []
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_returning_learner_resumes_by_cookie_and_else_by_the_key_kept_in_local_storage(
    page: Page, javascript_errors: list[str], console_errors: list[str], live_server, owner
):
    playlist = course(owner, TITLES[:4], is_public=True, title="Resumable")
    embed_url = live_server.url + reverse("playlists:embed_playlist", args=[playlist.pk])
    heading = page.locator("#step-title")
    with view_recorded(page):
        page.goto(embed_url + "?step=3")
    expect(heading).to_have_text("Functions")

    with view_recorded(page):
        page.goto(embed_url)  # the cookie names the learner
    expect(heading).to_have_text("Functions")

    page.context.clear_cookies()  # as if the browser refused or dropped the cookie
    resumed_by_htmx = page.expect_response(
        lambda response: "/embed/playlist/" in response.url and response.request.headers.get("hx-request") == "true"
    )
    with view_recorded(page), resumed_by_htmx:
        page.goto(embed_url)
    expect(heading).to_have_text("Functions")
    expect(heading).not_to_be_focused()  # resuming on load must not move focus (or scroll a host page)
    assert LearnerProgress.objects.filter(playlist=playlist).count() == 1, "one learner, one progress"
    assert javascript_errors == []
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_dark_theme_and_a_private_course_with_its_token(
    page: Page, javascript_errors: list[str], console_errors: list[str], live_server, host_site, owner
):
    private = course(owner, TITLES[:2], is_public=False, title="Team course")
    embed_path = reverse("playlists:embed_playlist", args=[private.pk])
    with view_recorded(page):
        page.goto(serve_host_page(host_site, live_server, f"{embed_path}?theme=dark&token={embed_token(private)}"))
    frame_view = page.frame_locator("#course-frame")

    expect(frame_view.locator("#step-title")).to_have_text("Variables")
    expect(frame_view.locator("html")).to_have_attribute("data-theme", "dark")
    background = the_frame(page).evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(part) for part in re.findall(r"\d+", background)[:3])
    assert (0.2126 * red + 0.7152 * green + 0.0722 * blue) < 60, f"{background} is not a dark background"

    # The token travels with the navigation, so the next step of the private course loads too.
    with view_recorded(page):
        frame_view.get_by_role("link", name="Next: Loops").click()
    expect(frame_view.locator("#step-title")).to_have_text("Loops")
    expect(frame_view.locator("html")).to_have_attribute("data-theme", "dark")

    # Without the token the frame shows a not-found page, inside the frame (never a refused frame).
    the_frame(page).goto(live_server.url + embed_path)
    expect(frame_view.get_by_role("heading", name="Not found")).to_be_visible()
    expect(frame_view.get_by_text("Team course")).to_have_count(0)
    assert javascript_errors == []
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_course_works_with_javascript_turned_off(browser: Browser, live_server, owner):
    playlist = course(owner, TITLES[:3], is_public=True, title="No script")
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    embed_url = live_server.url + reverse("playlists:embed_playlist", args=[playlist.pk])
    try:
        page.goto(embed_url)
        expect(page.locator("#step-title")).to_have_text("Variables")
        page.get_by_role("link", name="Next: Loops").click()
        expect(page).to_have_url(re.compile(r"\?step=2$"))
        expect(page.locator("#step-title")).to_have_text("Loops")
        page.get_by_text("Jump to step").click()  # <details> opens without script
        page.locator("details.jump").get_by_role("link", name="Step 3: Functions").click()
        expect(page).to_have_url(re.compile(r"\?step=3$"))
        expect(page.get_by_text("You reached the end — 0 of 3 steps complete.")).to_be_visible()
        page.get_by_role("link", name="Previous: Loops").click()
        expect(page.locator("#step-title")).to_have_text("Loops")
    finally:
        context.close()
