"""Real-browser fixtures: Playwright (sync API) driving Debian's Chromium, headless and offline.

Playwright's sync API runs an asyncio event loop in the test's thread; Django refuses ORM calls from a
thread with a running loop unless told it is safe. The tests touch the database only between browser
steps, never concurrently with them, so it is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (scripts/system-packages.txt), not a downloaded build
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in a container; Chromium's own sandbox needs user namespaces
    "--disable-gpu",
    "--disable-background-networking",  # the machine is offline: no update checks, no safe-browsing lists
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make sysdeps)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def javascript_errors(page: Page) -> list[str]:
    """Uncaught JavaScript errors of the page, collected as they happen."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
