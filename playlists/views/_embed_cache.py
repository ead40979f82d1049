"""HTTP caching of the embed's shared answers: the public course and capsule pages, the embed JSON and /embed.js.

One answer per URL for every learner: nothing learner-specific (learner key, progress, completion marks, a
terminal's saved directory) is in them; embed-frame.js loads that from the learner state endpoint
(views/embed.py, `…/state`, never cached) and client storage. So a shared cache (a CDN, nginx `proxy_cache`)
may keep them:

* `ETag`, strong: a digest of what the answer is made from (the playlist's or capsule's embed stamp, the
  variant the URL and headers ask for, and render_version()). A conditional GET is answered 304 from the stamp
  alone (one query), before anything is rendered.
* `Cache-Control: public, max-age=EMBED_CACHE_MAX_AGE, s-maxage=EMBED_CACHE_S_MAXAGE,
  stale-while-revalidate=…, stale-if-error=…` (settings.py says why those numbers). No purge is available, so
  the ages bound how long a creator's edit takes to reach every learner.
* `Vary` names only request headers that choose the answer (HX-Request: the page or its htmx fragment), never
  Cookie; the answer sets no cookie (codecapsule/cachecontrol.py downgrades any public answer that would).

Everything else an embed answers (a private course opened with its token, the owner's preview, a 404, the
learner's state, every POST) is `private, no-store`.

Rendering a shared answer is cached too, in Django's cache (Redis in production, shared by every worker), under
its ETag: the origin renders each variant once per change of content, and a revalidation or a second cache node
costs one query and one cache read.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from playlists.models import Playlist
from playlists.selectors import StepSummary, playlist_steps

logger = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R", bound=HttpResponse)  # keep_private answers the response it was given, JSON or not
_MISSING = object()

# What an embed answer is rendered from besides the database: these apps' templates and code (the learner-safe
# serializer, the Markdown renderer), and the static files' hashed names the pages link to.
_RENDERED_FROM = ("playlists", "capsules", "codecapsule/markdown.py")
_SOURCE_SUFFIXES = {".py", ".html"}


@lru_cache(maxsize=1)
def render_version() -> str:
    """A digest of the code, templates and static manifest that shape an embed answer, read once per process.

    It goes into every ETag and render cache key, so a deploy that changes any of them changes every embed's
    ETag: shared caches revalidate into the new markup (and hashed static URLs) instead of keeping the old
    until it expires. EMBED_CACHE_VERSION (e.g. the release's commit) is mixed in where a deploy changes what
    the files do not show."""
    digest = hashlib.sha256(settings.EMBED_CACHE_VERSION.encode())
    base = Path(settings.BASE_DIR)
    for name in _RENDERED_FROM:
        root = base / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in _SOURCE_SUFFIXES and "tests" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest and staticfiles_storage.exists(manifest):
        with staticfiles_storage.open(manifest) as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:16]


def etag_of(*parts: object) -> str:
    """A strong ETag for an answer made from `parts` (and render_version())."""
    text = "|".join(map(str, (render_version(), *parts)))
    return f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """The 304 (or 412) a conditional request gets for an answer whose ETag is `etag`; None when the full answer
    is due. Cheap on purpose: it runs before anything is rendered."""
    answer = get_conditional_response(request, etag=etag)
    if answer is None:
        return None
    if isinstance(answer, HttpResponseNotModified):
        answer["ETag"] = etag
    return answer


class _Recent:
    """A least-recently-used map shared by a process's threads (gunicorn's gthread workers), holding at most `limit`
    in total `weight` (1 per entry by default). Only for values whose key names their content (an ETag, a stamp):
    an entry is never stale, only dropped when room is needed."""

    def __init__(self, limit: int, weight: Callable[[Any], int] = lambda value: 1) -> None:
        self.limit = limit
        self.weight = weight
        self.total = 0
        self.items: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            value = self.items.get(key, _MISSING)
            if value is not _MISSING:
                self.items.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        weight = self.weight(value)
        if weight > self.limit:
            return
        with self.lock:
            if key in self.items:
                return
            self.items[key] = value
            self.total += weight
            while self.total > self.limit:
                _, dropped = self.items.popitem(last=False)
                self.total -= self.weight(dropped)

    def get_or_compute(self, key: str, compute: Callable[[], T]) -> T:
        value = self.get(key)
        if value is _MISSING:
            value = compute()
            self.put(key, value)
        return value


def cached(key: str, compute: Callable[[], T]) -> T:
    """The value cached under `key` (a key that names its content: an ETag, a stamp), else `compute()`, kept for
    EMBED_RENDER_CACHE_SECONDS (0: never cached). A cache that is away costs the computation, never the answer."""
    if not settings.EMBED_RENDER_CACHE_SECONDS:
        return compute()
    try:
        value = cache.get(key, _MISSING)
    except Exception:  # noqa: BLE001 — Redis away: the cache only saves work
        logger.warning("embed render cache unavailable", exc_info=True)
        return compute()
    if value is not _MISSING:
        return value
    value = compute()
    try:
        cache.set(key, value, timeout=settings.EMBED_RENDER_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("embed render cache unavailable", exc_info=True)
    return value


# The bodies a process answered last, in front of Django's cache: a body from Redis costs ~0.5 ms of the client's
# Python per request (a third of a cached answer), one from here nothing.
_BODIES = _Recent(limit=settings.EMBED_RENDER_MEMORY_BYTES, weight=len)


def rendered(etag: str, render: Callable[[], bytes]) -> bytes:
    """The body of the answer whose ETag is `etag`, rendered once: from this process's recent bodies, else from
    Django's cache (shared by every process and machine), else `render()` (see cached)."""
    if not settings.EMBED_RENDER_CACHE_SECONDS:
        return render()
    body = _BODIES.get(etag)
    if body is _MISSING:
        body = cached(f"embed-body:{etag}", render)
        _BODIES.put(etag, body)
    return body


# Courses whose steps a process keeps; a course of 200 steps takes ~60 KB here.
_STEPS = _Recent(limit=256)


def course_steps(playlist: Playlist, stamp: str) -> list[StepSummary]:
    """The course's steps (titles, ids) for its embed stamp, read once per version of its content and process: every
    page of a course lists them all, and a course of 200 steps is 200 pages and 200 JSON answers to render after an
    edit. Kept in the process, not in Django's cache: unpickling 200 steps from Redis cost ~2 ms a rendering, about
    what the query costs; the stamp names the content, so no process ever holds a stale list under it."""
    return _STEPS.get_or_compute(f"{playlist.pk}:{stamp}", lambda: playlist_steps(playlist))


def share(response: HttpResponse, *, etag: str, vary: Iterable[str] = ()) -> HttpResponse:
    """Make `response` (or the 304 for it) cacheable by browsers and shared caches, validated by `etag`. Anything but
    a 200 or a 304 (a 412 for a failed If-Match) is kept private: only the answer itself is everyone's."""
    response["ETag"] = etag
    if response.status_code not in (200, 304):
        return keep_private(response)
    patch_cache_control(
        response,
        public=True,
        max_age=settings.EMBED_CACHE_MAX_AGE,
        s_maxage=settings.EMBED_CACHE_S_MAXAGE,
        stale_while_revalidate=settings.EMBED_CACHE_STALE_WHILE_REVALIDATE,
        stale_if_error=settings.EMBED_CACHE_STALE_IF_ERROR,
    )
    if vary:
        patch_vary_headers(response, tuple(vary))
    return response


def keep_private(response: R) -> R:
    """Never stored by a shared cache, nor kept by the browser: this answer is one learner's, one signed-in
    reader's, or one that only a secret token opens."""
    if "Cache-Control" in response:
        del response["Cache-Control"]
    patch_cache_control(response, private=True, no_store=True)
    return response
