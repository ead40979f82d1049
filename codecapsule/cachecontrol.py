"""A guard for answers a shared cache may keep (`Cache-Control: public`, the embed's; playlists/views/_embed_cache.py).

A shared cache stores one copy of an answer and hands it to everyone who asks for the URL. An answer that sets a
cookie (a session, a CSRF token, a learner key) or varies on Cookie is one person's, whatever its view meant: some
caches store it anyway and would hand that cookie to the next visitor, and the others store nothing and the
origin serves every request. Any middleware below this one may add a cookie or `Vary: Cookie` after the view
chose `public` (the session middleware does as soon as anything read `request.user`), so this one, outermost,
has the last word: such an answer becomes `private, no-store`, and the mistake is logged so it gets fixed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re, patch_cache_control

logger = logging.getLogger(__name__)


def is_shared(response: HttpResponse) -> bool:
    directives = {part.strip().split("=", 1)[0].lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))}
    return "public" in directives or "s-maxage" in directives


def personal(response: HttpResponse) -> bool:
    vary = {part.strip().lower() for part in cc_delim_re.split(response.get("Vary", ""))}
    return bool(response.cookies) or "cookie" in vary


class SharedCacheGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_shared(response) and personal(response):
            logger.error("a public answer for %s set a cookie or varies on Cookie: made private", request.path)
            del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
        return response
