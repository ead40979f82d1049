"""Every creator and learner page passes axe-core's WCAG 2.2 A/AA rules, in the light and the dark theme.

axe-core (npm, node_modules/axe-core) is injected into each page as it stands after load; the course embed is
checked on each kind of step and once completed. One logged-in browser context visits every page in a loop:
a test per page would log in and start a context each time for no more coverage.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from generation.models import GenerationJob, JobStatus
from playlists.services import playlist_create
from tests.browser.test_learner_workspace import CORRECT, RETURNS_ZERO, TOO_MANY_ROWS, editor_of, graded, type_code
from tests.browser.test_playlist_builder import log_in

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
THEMES = ("light", "dark")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.2 A/AA rules on the page as it is now."""
    return page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
                     .then((results) => results.violations.map((v) => ({
                        id: v.id, help: v.help,
                        nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary})),
                     })))""",
        WCAG_TAGS,
    )


def describe(where: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            summary = re.sub(r"\s+", " ", node["summary"] or "").strip()
            lines.append(f"{where}: {violation['id']} ({violation['help']}) at {node['target']}: {summary}")
    return lines


def raw_template_text(where: str, page: Page) -> list[str]:
    """Template syntax that reached the page: a `{# #}` comment spanning lines (Django's are one line only),
    a tag or variable the engine did not parse."""
    text = page.locator("body").inner_text()
    return [f"{where}: raw template text {token!r}" for token in ("{#", "#}", "{{", "}}", "{%", "%}") if token in text]


@pytest.fixture
def site(owner, make_capsule) -> dict[str, str]:
    """Path of every page to check, by name: the owner's capsules of each type, a course of the three
    kinds of step, a one-step course to complete, a generation job."""
    code = make_capsule(owner, "CODE", status="published", is_public=True, title="Find the largest number")
    database = make_capsule(owner, "DATABASE", status="published", is_public=True, title="Customers from Berlin")
    terminal = make_capsule(owner, "TERMINAL", status="published", is_public=True, title="Make a greeting file")
    course = playlist_create(
        creator=owner, title="Practice", is_public=True,
        items=[{"capsule_id": str(capsule.pk)} for capsule in (code, database, terminal)],
    )  # fmt: skip
    one_step = playlist_create(creator=owner, title="One step", is_public=True, items=[{"capsule_id": str(code.pk)}])
    job = GenerationJob.objects.create(
        creator=owner, capsule_type="CODE", language="python", difficulty="easy", prompt="Sum a list",
        provider="catalog", status=JobStatus.SUCCEEDED, stage="done", result_capsule=code,
    )  # fmt: skip
    embed = reverse("playlists:embed_playlist", args=[course.pk])
    return {
        "landing": reverse("capsules:home"),
        "capsule list": reverse("capsules:list"),
        "capsule new": reverse("capsules:new"),
        **{f"capsule detail {c.capsule_type}": reverse("capsules:detail", args=[c.pk]) for c in (code, database, terminal)},
        **{f"capsule edit {c.capsule_type}": reverse("capsules:edit", args=[c.pk]) for c in (code, database, terminal)},
        "generation create": reverse("generation:create"),
        "generation job": reverse("generation:job_detail", args=[job.pk]),
        "playlist list": reverse("playlists:list"),
        "playlist builder": reverse("playlists:edit", args=[course.pk]),
        "playlist new": reverse("playlists:new"),
        "playlist share": reverse("playlists:share", args=[course.pk]),
        "playlist analytics": reverse("playlists:analytics", args=[course.pk]),
        "gallery": reverse("playlists:gallery"),
        "feedback dashboard": reverse("feedback:dashboard"),
        "embed CODE step": f"{embed}?step=1",
        "embed DATABASE step": f"{embed}?step=2",
        "embed TERMINAL step": f"{embed}?step=3",
        "embed capsule": reverse("playlists:embed_capsule", args=[code.pk]),
        "one-step course": reverse("playlists:embed_playlist", args=[one_step.pk]),
    }


def settle(page: Page) -> None:
    """Wait for what the page builds after load: a CodeMirror editor for each code field (the embed loads
    CodeMirror on demand), then two frames, so a theme switch has repainted."""
    page.wait_for_load_state("load")
    fields = page.locator("textarea[data-editor], #workspace textarea[name='code']").count()
    if fields:
        expect(page.locator(".cm-editor")).to_have_count(fields)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def check_pages(page: Page, base: str, paths: dict[str, str]) -> list[str]:
    """Each page in the light theme, then (system preference switched, no reload: the CSS and the editors
    follow it) in the dark one."""
    problems = []
    for name, path in paths.items():
        page.emulate_media(color_scheme="light")
        page.goto(base + path)
        for theme in THEMES:
            page.emulate_media(color_scheme=theme)
            settle(page)
            problems += describe(f"{name} [{theme}]", axe_violations(page))
            problems += raw_template_text(f"{name} [{theme}]", page)
    return problems


def answer(page: Page, button: str, code: str | None = None) -> None:
    if code is not None:
        type_code(page, page, code)
    with graded(page):
        page.get_by_role("button", name=button).click()


def after_answers(page: Page, base: str, database_step: str, one_step_course: str, theme: str) -> list[str]:
    """What only a learner's answers show: a CODE run's outputs (with their whitespace marks), a DATABASE
    run's grid and a wrong query's differences, and the completion summary once the one step is solved."""
    problems = []
    page.goto(base + database_step)
    expect(editor_of(page)).to_be_visible()
    answer(page, "Run query")
    expect(page.locator("#ws-results table.ws-grid")).to_be_visible()
    problems += describe(f"DATABASE run [{theme}]", axe_violations(page))
    answer(page, "Submit", TOO_MANY_ROWS)
    expect(page.locator("#ws-results .ws-summary--failed")).to_be_visible()
    problems += describe(f"DATABASE wrong submit [{theme}]", axe_violations(page))

    page.goto(base + one_step_course)
    expect(editor_of(page)).to_be_visible()
    answer(page, "Run examples", RETURNS_ZERO)
    expect(page.locator("#ws-results .ws-test")).to_be_visible()
    problems += describe(f"CODE run [{theme}]", axe_violations(page))
    answer(page, "Submit", CORRECT)
    expect(page.locator(".completion-summary")).to_be_visible()
    # The icon is an inline SVG (no emoji font needed): it must draw at its size.
    icon = page.locator(".completion__icon").bounding_box()
    assert icon is not None and icon["width"] >= 24 and icon["height"] >= 24
    return problems + describe(f"course completed [{theme}]", axe_violations(page))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_passes_axe_wcag_22_aa_in_both_themes(browser: Browser, live_server, site):
    public = {"landing": site.pop("landing"), "login": reverse("login"), "signup": reverse("signup")}
    learner = {name: site.pop(name) for name in list(site) if name.startswith("embed")}
    completion = site.pop("one-step course")
    # bypass_csp: axe is an inline script, which the pages' own CSP (rightly) refuses. The init script puts it
    # into every page (and the share page's preview frame) as it loads.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True, reduced_motion="reduce")
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    # A learner first: the creator's own course in the embed is a preview, which records no completion.
    problems = check_pages(page, live_server.url, {**public, **learner})
    for theme in THEMES:
        page.emulate_media(color_scheme=theme)
        problems += after_answers(page, live_server.url, learner["embed DATABASE step"], completion, theme)
    favicon = page.request.get(live_server.url + page.locator("link[rel=icon]").get_attribute("href"))
    assert favicon.ok and favicon.headers["content-type"].startswith("image/svg+xml")
    log_in(page, live_server)
    problems += check_pages(page, live_server.url, site)
    context.close()
    assert not problems, f"{len(problems)} axe violation node(s):\n" + "\n".join(problems)
