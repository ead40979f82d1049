"""Run in the learner's browser, in a real browser: Pyodide, JavaScript workers and sql.js give the same per-test
results as the server judge's Run for every catalog and demo capsule of a browser tier; a looping program is
killed, a memory-hungry one fails alone, and the next Run works; without WebAssembly the Run falls back to the server
and says so."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from capsules.demo_capsules import demo_capsules
from capsules.models import Capsule, CapsuleStatus
from capsules.schemas import browser_tier_for
from capsules.services import capsule_create
from generation.catalog import catalog_blueprints
from playlists.services import playlist_create
from tests.browser.test_learner_workspace import editor_of, type_code

ENGINE_LOAD_MS = 90_000  # Pyodide's first start in a cold headless Chromium on a busy 2-core machine
RAN_ON_SERVER = "Ran on the server: your browser could not run it here."
NO_WASM = "delete window.WebAssembly;"


def browser_tier_bodies() -> list[dict]:
    """Every catalog exercise and demo capsule whose language has a browser tier, set to that tier."""
    bodies = [blueprint.capsule_data() for blueprint in catalog_blueprints()] + demo_capsules()
    chosen = []
    for body in bodies:
        language = body["runtime_config"]["language"]
        tier = browser_tier_for(language, body["config_data"].get("dialect"))
        if tier is not None:
            chosen.append({**body, "runtime_config": {"language": language, "runtime_tier": tier}, "is_public": True})
    return chosen


def published(owner, body: dict) -> Capsule:
    # The catalog's and demo data's own tests prove each one passes the gate; here only Run is compared.
    capsule = capsule_create(creator=owner, data=body, prejudged={"passed": True, "category": None, "message": "proven elsewhere"})
    Capsule.objects.filter(pk=capsule.pk).update(status=CapsuleStatus.PUBLISHED)
    return capsule


def run_and_read(frame: Page, *, timeout: float) -> tuple[str, str]:
    """Press Run; the results panel's text without its "Ran …" line, and that line."""
    results = frame.locator("#ws-results")
    results.evaluate("panel => panel.replaceChildren()")
    frame.locator("#ws-actions [data-ws-action='run']").click()
    ran_on = results.locator(".ws-ran-on")
    expect(ran_on).to_be_visible(timeout=timeout)
    text = results.inner_text()
    return text.replace(ran_on.inner_text(), "").strip(), ran_on.inner_text()


def without_background_writes(page: Page) -> Page:
    """Draft saves and view events answered in the browser: they are not what these tests look at, and the test
    database (SQLite in memory, one connection the live server's threads share) cannot take a learner's
    background writes overlapping at this pace."""
    for pattern in ("**/draft*", "**/events*"):
        page.route(pattern, lambda route: route.fulfill(status=204))
    return page


def walk_course(page: Page, course_url: str, bodies: list[dict]) -> tuple[list[str], list[str]]:
    """Run each step's starting code; (results, who ran each)."""
    without_background_writes(page)
    page.goto(course_url)
    frame = page  # the course's embed page itself
    texts, ran = [], []
    for number, body in enumerate(bodies, start=1):
        expect(frame.locator("#step-title")).to_have_text(body["title"])
        expect(editor_of(frame)).to_be_visible()
        # The starting code: its failures (wrong answers, errors, their messages) are where engines could differ;
        # that every reference passes in both is what the gate's agreement step proves.
        type_code(page, frame, body["config_data"]["boilerplate_code"])
        text, who = run_and_read(frame, timeout=ENGINE_LOAD_MS)
        texts.append(f"{body['title']}: {text}")
        ran.append(who)
        if number < len(bodies):
            frame.get_by_role("link", name=f"Next: {bodies[number]['title']}").click()
    return texts, ran


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_run_in_the_browser_gives_the_server_runs_results_for_every_capsule_of_a_browser_tier(
    browser: Browser, live_server, owner, settings
):
    # One learner runs 25 steps in a minute: more than the per-minute limits allow a real one.
    settings.EMBED_RUNS_PER_MINUTE = settings.EMBED_GRADING_PER_MINUTE_PER_ADDRESS = 1000
    bodies = browser_tier_bodies()
    assert {body["runtime_config"]["runtime_tier"] for body in bodies} == {"wasm-python", "browser-javascript", "wasm-sqlite"}
    capsules = [published(owner, body) for body in bodies]
    course = playlist_create(creator=owner, title="Browser tiers", is_public=True, items=[{"capsule_id": str(c.pk)} for c in capsules])
    course_url = live_server.url + reverse("playlists:embed_playlist", args=[course.pk])

    in_browser = browser.new_context()
    server_runs: list[str] = []
    browser_page = in_browser.new_page()
    browser_page.on("request", lambda request: server_runs.append(request.url) if re.search(r"/run(\?|$)", request.url) else None)
    browser_texts, browser_ran = walk_course(browser_page, course_url, bodies)
    in_browser.close()

    without_wasm = browser.new_context()
    without_wasm.add_init_script(NO_WASM)
    server_texts, server_ran = walk_course(without_wasm.new_page(), course_url, bodies)
    without_wasm.close()

    assert server_runs == []  # every Run was answered in the browser
    assert all(who.startswith("Ran in your browser (") for who in browser_ran), browser_ran
    assert set(server_ran) == {RAN_ON_SERVER}
    for in_the_browser, on_the_server in zip(browser_texts, server_texts, strict=True):
        assert in_the_browser == on_the_server


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_looping_or_memory_hungry_program_is_stopped_in_the_browser_and_the_next_run_works(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule, settings
):
    settings.JUDGE_WALL_SECONDS = 2
    python = make_capsule(
        owner, "CODE", status="published", is_public=True, runtime_config={"language": "python", "runtime_tier": "wasm-python"}
    )
    server_runs: list[str] = []
    page.on("request", lambda request: server_runs.append(request.url) if re.search(r"/run(\?|$)", request.url) else None)
    without_background_writes(page)
    page.goto(live_server.url + reverse("playlists:embed_capsule", args=[python.pk]))
    results = page.locator("#ws-results")

    type_code(page, page, "def find_largest(numbers):\n    while True:\n        pass\n")
    text, who = run_and_read(page, timeout=ENGINE_LOAD_MS)
    assert "Test 1: three numbers — Time limit exceeded" in text
    assert who.startswith("Ran in your browser (Python 3.11")

    # Asking for more memory than WebAssembly gives is the program's failure (as on the server), not the page's.
    type_code(page, page, "def find_largest(numbers):\n    return len(' ' * (2**31 - 1))\n")
    text, _ = run_and_read(page, timeout=ENGINE_LOAD_MS)
    assert "Test 1: three numbers — Memory limit exceeded" in text, text

    # The code in the worker cannot reach the network as the signed-in user: fetch and its kin are gone.
    type_code(page, page, "import js\n\ndef find_largest(numbers):\n    js.fetch('/capsules/')\n    return max(numbers)\n")
    text, _ = run_and_read(page, timeout=ENGINE_LOAD_MS)
    assert "Test 1: three numbers — Runtime error" in text, text

    type_code(page, page, "def find_largest(numbers):\n    return max(numbers)\n")
    text, _ = run_and_read(page, timeout=ENGINE_LOAD_MS)
    assert "All 1 example tests pass. Submit runs them with 1 hidden test." in text
    expect(page.locator("#ws-status")).to_have_text("All 1 example tests pass. Submit runs them with 1 hidden test.")
    expect(results.locator(".ws-test")).to_contain_text("Passed")
    assert server_runs == []
    assert javascript_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_webassembly_run_falls_back_to_the_server_and_says_so(browser: Browser, live_server, owner, make_capsule):
    capsule = make_capsule(
        owner, "DATABASE", status="published", is_public=True, runtime_config={"language": "sql", "runtime_tier": "wasm-sqlite"}
    )
    context = browser.new_context()
    context.add_init_script(NO_WASM)
    page = without_background_writes(context.new_page())
    page.goto(live_server.url + reverse("playlists:embed_capsule", args=[capsule.pk]))
    expect(editor_of(page)).to_be_visible()

    with page.expect_response(lambda response: re.search(r"/run(\?|$)", response.url) is not None):
        text, who = run_and_read(page, timeout=30_000)

    assert who == RAN_ON_SERVER
    assert "Your query returns 3 rows. Submit to check it." in text
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_runner_that_cannot_be_loaded_falls_back_to_the_server_and_the_next_run_tries_again(
    browser: Browser, live_server, owner, make_capsule
):
    capsule = make_capsule(
        owner, "DATABASE", status="published", is_public=True, runtime_config={"language": "sql", "runtime_tier": "wasm-sqlite"}
    )
    context = browser.new_context()
    page = without_background_writes(context.new_page())
    runner_requests: list[str] = []
    page.on("request", lambda request: runner_requests.append(request.url) if "browser-run" in request.url else None)
    page.route("**/browser-run*.js", lambda route: route.fulfill(status=503, body="unavailable"))
    page.goto(live_server.url + reverse("playlists:embed_capsule", args=[capsule.pk]))
    expect(editor_of(page)).to_be_visible()

    with page.expect_response(lambda response: re.search(r"/run(\?|$)", response.url) is not None):
        text, who = run_and_read(page, timeout=30_000)
    assert who == RAN_ON_SERVER and "Your query returns 3 rows. Submit to check it." in text

    page.unroute("**/browser-run*.js")
    text, who = run_and_read(page, timeout=ENGINE_LOAD_MS)
    assert who.startswith("Ran in your browser") and "3 rows" in text
    assert len(runner_requests) == 2  # one script tag per try: the failed one was dropped, the next Run asked again
    context.close()
