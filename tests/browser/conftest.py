"""Real-browser fixtures: Playwright (sync API) driving Debian's Chromium, headless and offline.

Playwright's sync API runs an asyncio event loop in the test's thread; Django refuses ORM calls from a
thread with a running loop unless told it is safe. The tests touch the database only between browser
steps, never concurrently with them, so it is.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@contextmanager
def static_site(pages: dict[str, str], *, tls: ssl.SSLContext | None = None) -> Iterator[ThreadingHTTPServer]:
    """A web server on 127.0.0.1 that serves `pages` (path → HTML, filled in by the test; 404 otherwise), over
    https with `tls`: the host page of an embed, on another origin than the app."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args) -> None:
            pass  # keep the test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
