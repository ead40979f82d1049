"""oEmbed (https://oembed.com) and embed-code helpers: pure functions of URLs and settings, no database.

`/oembed?url=…` names one of our pages; parse_target() says which object it is (a playlist by its embed
or gallery URL, a capsule by its embed URL) and keeps what the iframe must carry (a private playlist's
token, the step and display options). The view then checks access and builds the answer with
oembed_response(). embed_code() is the snippet creators paste: the gallery page and the builder's share
page show the same one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit
from uuid import UUID

from django.urls import Resolver404, resolve, reverse
from django.utils.html import format_html

PROVIDER_NAME = "CodeCapsule"
# oEmbed needs integer sizes; 800 px is a comfortable reading width for an exercise beside a blog post.
DEFAULT_WIDTH = 800
# Query parameters an iframe src keeps from the URL it was made from; anything else is dropped.
KEPT_PARAMS = ("step", "theme", "progress", "token")

_PLAYLIST_VIEWS = {"playlists:embed_playlist", "playlists:gallery_playlist"}
_CAPSULE_VIEWS = {"playlists:embed_capsule"}


class OEmbedError(Exception):
    """A request oEmbed must refuse; `status` is the HTTP status the spec asks for."""

    status = 400


class ForeignUrl(OEmbedError):
    """Missing, malformed, or not one of our embeddable pages: 400 (the URL is not ours to describe)."""


class BadSize(OEmbedError):
    """maxwidth or maxheight that is not a positive integer: 400."""


class UnsupportedFormat(OEmbedError):
    status = 501


@dataclass(frozen=True)
class EmbedTarget:
    kind: Literal["playlist", "capsule"]
    object_id: UUID
    params: dict[str, str] = field(default_factory=dict)

    @property
    def token(self) -> str | None:
        return self.params.get("token") or None


def parse_target(url: str | None, *, site_url: str) -> EmbedTarget:
    """The object a URL on `site_url` names. ForeignUrl when the URL is missing, on another origin, or
    not an embeddable page."""
    if not url:
        raise ForeignUrl("The url parameter is required.")
    parts = urlsplit(url.strip())
    site = urlsplit(site_url)
    if parts.scheme.lower() != site.scheme.lower() or parts.netloc.lower() != site.netloc.lower():
        raise ForeignUrl(f"Only URLs on {site_url} can be embedded.")
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        raise ForeignUrl("The url is not an embeddable CodeCapsule page.") from None
    params = {key: value for key, value in parse_qsl(parts.query) if key in KEPT_PARAMS and value}
    if match.view_name in _PLAYLIST_VIEWS:
        return EmbedTarget(kind="playlist", object_id=match.kwargs["playlist_id"], params=params)
    if match.view_name in _CAPSULE_VIEWS:
        params = {key: value for key, value in params.items() if key == "theme"}
        return EmbedTarget(kind="capsule", object_id=match.kwargs["capsule_id"], params=params)
    raise ForeignUrl("The url is not an embeddable CodeCapsule page.")


def check_format(value: str | None) -> None:
    """oEmbed §2.2: a provider that does not serve the requested format answers 501."""
    if value not in (None, "", "json"):
        raise UnsupportedFormat("Only format=json is supported.")


def _positive(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadSize(f"{name} must be a positive integer.") from None
    if number < 1:
        raise BadSize(f"{name} must be a positive integer.")
    return number


def bounded_size(maxwidth: str | None, maxheight: str | None, *, default_height: int) -> tuple[int, int]:
    """The embed's width and height: our defaults, never above the consumer's maxwidth/maxheight."""
    width, height = DEFAULT_WIDTH, default_height
    max_width, max_height = _positive(maxwidth, "maxwidth"), _positive(maxheight, "maxheight")
    if max_width is not None:
        width = min(width, max_width)
    if max_height is not None:
        height = min(height, max_height)
    return width, height


def embed_src(site_url: str, target: EmbedTarget) -> str:
    """The absolute iframe src for a target, carrying only the kept parameters."""
    if target.kind == "playlist":
        path = reverse("playlists:embed_playlist", kwargs={"playlist_id": target.object_id})
    else:
        path = reverse("playlists:embed_capsule", kwargs={"capsule_id": target.object_id})
    query = urlencode([(key, target.params[key]) for key in KEPT_PARAMS if key in target.params])
    return f"{site_url}{path}{'?' + query if query else ''}"


def embed_code(
    *, site_url: str, src: str, title: str, width: int | str, height: int, playlist_id: str | None = None
) -> str:
    """The iframe plus the resizer script: the one snippet creators paste (share page, gallery, oEmbed).
    Without the script (a host that strips scripts) the iframe keeps `height` and scrolls inside; with it,
    it grows to its content. `data-playlist-id` (the seed's attribute) lets host scripts find a course."""
    data = format_html(' data-playlist-id="{}"', playlist_id) if playlist_id else ""
    return format_html(
        '<iframe src="{}" title="{}" width="{}" height="{}" frameborder="0" style="border:0;max-width:100%"{} '
        'loading="lazy" allow="clipboard-write"></iframe>\n'
        '<script src="{}" async></script>',
        src,
        title,
        width,
        height,
        data,
        f"{site_url}{reverse('playlists:embed_script')}",
    )


def oembed_response(*, site_url: str, src: str, title: str, width: int, height: int) -> dict[str, Any]:
    """The `rich` oEmbed answer (oEmbed §2.3.4)."""
    return {
        "version": "1.0",
        "type": "rich",
        "provider_name": PROVIDER_NAME,
        "provider_url": site_url,
        "title": title,
        "html": embed_code(site_url=site_url, src=src, title=title, width=width, height=height),
        "width": width,
        "height": height,
    }


def discovery_href(site_url: str, page_url: str) -> str:
    """The href of a page's `<link rel="alternate" type="application/json+oembed">` (oEmbed §4)."""
    return f"{site_url}{reverse('playlists:oembed')}?{urlencode({'url': page_url, 'format': 'json'})}"
