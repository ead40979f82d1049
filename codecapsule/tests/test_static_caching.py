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
    ],
)
def test_only_files_named_after_their_content_are_kept_for_good(url, immutable):
    assert settings.WHITENOISE_IMMUTABLE_FILE_TEST("", url) is immutable
