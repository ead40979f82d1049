"""Content-Security-Policy on every response: only /embed/ pages may be framed by other sites.

Every page gets the strict policy: our own scripts only (no inline script), no plugins, and
`frame-ancestors 'none'` — no other site may frame the dashboard (clickjacking). Pages meant to live in
someone else's iframe (/embed/...) call `allow_framing(response)`, which swaps in the embed policy whose
frame-ancestors is EMBED_FRAME_ANCESTORS, and lifts X-Frame-Options for that response only.

Inline styles stay allowed: htmx and CodeMirror inject <style> elements, and style attributes cannot run code.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"

_BASE_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def strict_policy() -> str:
    return "; ".join((*_BASE_DIRECTIVES, "frame-ancestors 'none'"))


def embed_policy() -> str:
    ancestors = " ".join(settings.EMBED_FRAME_ANCESTORS) or "'none'"
    return "; ".join((*_BASE_DIRECTIVES, f"frame-ancestors {ancestors}"))


def allow_framing(response: HttpResponse) -> HttpResponse:
    """Let other sites frame this response (an embed page): the embed CSP, and no X-Frame-Options."""
    response[HEADER] = embed_policy()
    response.xframe_options_exempt = True  # read by XFrameOptionsMiddleware
    return response


class ContentSecurityPolicyMiddleware:
    """Adds the strict policy to every response that did not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = strict_policy()
        return response
