"""Which static files WhiteNoise may tell browsers and caches to keep for good (Cache-Control: immutable)."""

from __future__ import annotations

import pytest
from django.conf import settings


@pytest.mark.parametrize(
    ("url", "immutable"),
    [
        ("/static/js/app.0123456789ab.js", True),  # Django's manifest name
        ("/static/vendor/codemirror-languages/python-CL4USUO5.js", True),  # esbuild's content-named language module
        ("/static/vendor/codemirror-languages/shared-6S2AL3SN.js", True),
        ("/static/js/app.js", False),  # the unhashed copy collectstatic keeps
        ("/static/vendor/codemirror.js", False),
        ("/static/vendor/codemirror-languages/python.js", False),
        ("/static/vendor/engines/pyodide-0.25.1/pyodide.asm.wasm", True),  # a browser engine, named after its version
        ("/static/vendor/engines/sqljs-1.17.0/sql-wasm.wasm", True),
        ("/static/vendor/engines/engines.json", False),
        ("/static/vendor/runners/python-worker.js", False),
    ],
)
def test_only_files_named_after_their_content_or_version_are_kept_for_good(url, immutable):
    assert settings.WHITENOISE_IMMUTABLE_FILE_TEST("", url) is immutable


@pytest.mark.parametrize(
    ("url", "policy"),
    [
        ("/static/vendor/runners/python-worker.js", True),
        ("/static/vendor/runners/javascript-worker.js", True),
        ("/static/vendor/runners/browser-run.js", False),  # runs in the page, under the page's own policy
        ("/static/js/workspace.js", False),
    ],
)
def test_the_workers_that_run_learners_code_may_fetch_from_our_origin_only(url, policy):
    headers: dict[str, str] = {}
    settings.WHITENOISE_ADD_HEADERS_FUNCTION(headers, "", url)
    assert ("connect-src 'self'" in headers.get("Content-Security-Policy", "")) is policy
