"""CodeMirror's languages in a real browser: a page downloads the editor core (static/vendor/codemirror.js) and
only the language modules its editors show (static/vendor/codemirror-languages/<language>-<hash>.js, plus the
shared-<hash>.js chunks they import); the creator's language select loads the new one when it changes.

"Highlighted" is what the learner sees: a token coloured otherwise than the editor's plain text."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Request, expect

from tests.browser.test_playlist_builder import log_in

LANGUAGE_MODULE = re.compile(r"/static/vendor/codemirror-languages/(?P<module>[a-z]+)-[A-Z0-9]+\.js$")


def editor_requests(page: Page) -> list[str]:
    """Paths of the CodeMirror files the page asks for, in order, as it asks."""
    paths: list[str] = []

    def record(request: Request) -> None:
        path = urlparse(request.url).path
        if "/static/vendor/codemirror" in path:
            paths.append(path)

    page.on("request", record)
    return paths


def language_modules(paths: list[str]) -> set[str]:
    """The language modules among the requested files (shared chunks are not a language)."""
    return {match["module"] for path in paths if (match := LANGUAGE_MODULE.search(path))} - {"shared"}


WAIT_FOR_HIGHLIGHT = """([selector, word]) => {
    const content = document.querySelector(selector);
    if (!content) return false;
    const plain = getComputedStyle(content).color;
    return [...content.querySelectorAll(".cm-line span")]
        .some((span) => span.textContent === word && getComputedStyle(span).color !== plain);
}"""


def wait_until_highlighted(page: Page, selector: str, word: str) -> None:
    page.wait_for_function(WAIT_FOR_HIGHLIGHT, arg=[selector, word])


def is_highlighted(page: Page, selector: str, word: str) -> bool:
    return page.evaluate(WAIT_FOR_HIGHLIGHT, [selector, word])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_form_of_a_python_capsule_loads_only_python_and_switching_to_go_loads_and_applies_go(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule
):
    capsule = make_capsule(owner, "CODE")
    log_in(page, live_server)
    requested = editor_requests(page)
    reference = "#id_reference_solution + .cm-editor .cm-content"

    page.goto(live_server.url + reverse("capsules:edit", args=[capsule.pk]))
    expect(page.locator(".cm-editor")).to_have_count(2)  # boilerplate and reference solution, one module for both
    wait_until_highlighted(page, reference, "def")
    assert "/static/vendor/codemirror.js" in requested
    assert language_modules(requested) == {"python"}
    assert all(path == "/static/vendor/codemirror.js" or LANGUAGE_MODULE.search(path) for path in requested), requested
    assert len(requested) == len(set(requested)), "each file is asked for once"

    # The creator picks Go: the Go module loads then, and both editors highlight Go, not Python.
    with page.expect_request(lambda request: language_modules([urlparse(request.url).path]) == {"go"}):
        page.get_by_label("Language").select_option("go")
    editor = page.locator(reference)
    editor.click()
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.insert_text("\nfunc main() {}\n")
    wait_until_highlighted(page, reference, "func")
    assert not is_highlighted(page, reference, "def"), "def is no Go keyword"
    assert language_modules(requested) == {"python", "go"}

    # Back to Python: the module is already here, no request, and its highlighting is back.
    count = len(requested)
    page.get_by_label("Language").select_option("python")
    wait_until_highlighted(page, reference, "def")
    assert not is_highlighted(page, reference, "func")
    assert len(requested) == count
    assert javascript_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("capsule_type", "module", "keyword"),
    [("CODE", "python", "def"), ("DATABASE", "sql", "SELECT")],
)
def test_a_learner_workspace_loads_the_core_and_its_capsule_language_only(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule, capsule_type, module, keyword
):
    capsule = make_capsule(owner, capsule_type, status="published", is_public=True)
    requested = editor_requests(page)

    page.goto(live_server.url + reverse("playlists:embed_capsule", args=[capsule.pk]))
    wait_until_highlighted(page, "#workspace .cm-content", keyword)
    assert requested[0] == "/static/vendor/codemirror.js"
    assert language_modules(requested) == {module}
    assert all(LANGUAGE_MODULE.search(path) for path in requested[1:]), requested
    assert javascript_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_language_that_does_not_load_leaves_a_plain_editor_that_still_edits_the_field(
    page: Page, javascript_errors: list[str], live_server, owner, make_capsule
):
    capsule = make_capsule(owner, "CODE")
    log_in(page, live_server)
    page.route(re.compile(r"/static/vendor/codemirror-languages/"), lambda route: route.abort())

    page.goto(live_server.url + reverse("capsules:edit", args=[capsule.pk]))
    expect(page.locator(".cm-editor")).to_have_count(2)
    page.locator("#id_reference_solution + .cm-editor .cm-content").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text("def f():\n    return 1\n")
    expect(page.locator("#id_reference_solution")).to_have_value("def f():\n    return 1\n")
    assert not is_highlighted(page, "#id_reference_solution + .cm-editor .cm-content", "def")
    assert javascript_errors == []
