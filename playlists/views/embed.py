"""Learner-facing pages: the embeddable course and capsule (iframe pages), the learner events endpoint, the
host-page resizer script, oEmbed, and the public gallery.

Embed pages live in other sites' iframes, so they (and only they) call `allow_framing`; every other page
keeps the strict CSP (codecapsule/csp.py). They are pure reads: the page at `?step=N` renders the same
whether it came as a full load or as an htmx swap of `#course`, and the learner's view of a step is
recorded by a separate POST from static/js/embed-frame.js, so the page's query count stays at four
(playlist, learner progress, step titles, current capsule) whatever the playlist's length.

Learners are anonymous: a random key in a first-party cookie, mirrored by embed-frame.js in localStorage
and sent as `X-Learner-Key`, because browsers often refuse cookies inside a third-party iframe.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from http.cookies import Morsel
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from capsules.models import Capsule, CapsuleType
from capsules.schemas import learner_safe_config
from capsules.selectors import get_capsule_for_reader
from codecapsule.csp import allow_framing
from codecapsule.markdown import render_markdown
from codecapsule.views import HtmxHttpRequest
from playlists import oembed as oembed_helpers
from playlists.models import LearnerProgress, Playlist
from playlists.selectors import (
    EmbedStep,
    PlaylistNotFound,
    embed_step,
    get_playlist_for_embed,
    learner_progress,
    parse_step,
    playlist_steps,
    public_playlists_with_step_counts,
)
from playlists.services import progress_record_view

THEMES = ("auto", "light", "dark")
_FALSE_VALUES = {"false", "0", "no", "off"}
LEARNER_KEY_HEADER = "X-Learner-Key"
# secrets.token_urlsafe(24) gives 32 characters; a stored key from localStorage must look like one of ours.
_LEARNER_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
# `{"verb": "viewed", "step": 123}` is about 30 bytes; anything much larger is not from our frame script.
EVENT_MAX_BYTES = 1024
EVENT_VERBS = {"viewed"}
RATE_WINDOW_SECONDS = 60


# --- Options and the learner ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbedOptions:
    """What the embed URL asks for besides the step. Navigation links keep these, so a dark, token-carrying
    embed stays dark and keeps working as the learner moves through it."""

    theme: str = "auto"
    show_progress: bool = True
    token: str | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> EmbedOptions:
        theme = query.get("theme", "auto")
        return cls(
            theme=theme if theme in THEMES else "auto",
            show_progress=query.get("progress", "").lower() not in _FALSE_VALUES,
            token=query.get("token") or None,
        )

    def query(self, **extra: Any) -> str:
        pairs: list[tuple[str, Any]] = list(extra.items())
        if self.theme != "auto":
            pairs.append(("theme", self.theme))
        if not self.show_progress:
            pairs.append(("progress", "false"))
        if self.token:
            pairs.append(("token", self.token))
        return urlencode(pairs)


@dataclass(frozen=True)
class Learner:
    key: str
    known: bool  # the request named this key (header or cookie); False when it was minted just now
    in_cookie: bool


def _learner(request: HtmxHttpRequest) -> Learner:
    """The learner's key: the X-Learner-Key header (embed-frame.js, from localStorage) wins over the cookie,
    because it survives where third-party cookies are blocked or cleared."""
    cookie = request.COOKIES.get(settings.EMBED_LEARNER_COOKIE, "")
    for candidate in (request.headers.get(LEARNER_KEY_HEADER, ""), cookie):
        if _LEARNER_KEY.fullmatch(candidate):
            return Learner(key=candidate, known=True, in_cookie=candidate == cookie)
    return Learner(key=secrets.token_urlsafe(24), known=False, in_cookie=False)


def _remember_learner(response: HttpResponse, request: HtmxHttpRequest, learner: Learner) -> None:
    """Set the learner cookie. Inside a third-party iframe a browser only stores a SameSite=None cookie,
    which must be Secure; over plain HTTP (development) Lax is the best we can ask for."""
    if learner.in_cookie:
        return
    secure = request.is_secure()
    response.set_cookie(
        settings.EMBED_LEARNER_COOKIE,
        learner.key,
        max_age=settings.EMBED_LEARNER_COOKIE_AGE,
        secure=secure,
        httponly=True,  # embed-frame.js reads the key from the page, never from the cookie
        samesite="None" if secure else "Lax",
    )
    if secure:
        _partition(response, settings.EMBED_LEARNER_COOKIE)


class _PartitionedMorsel(Morsel):
    """A cookie with the CHIPS `Partitioned` attribute, which Python 3.11's http.cookies cannot write."""

    def OutputString(self, attrs: Any = None) -> str:
        return super().OutputString(attrs) + "; Partitioned"


def _partition(response: HttpResponse, name: str) -> None:
    """Make a cookie partitioned (CHIPS): browsers that block third-party cookies (Chrome) still keep it
    inside our iframe, in a jar of its own per embedding site, so learners resume where they left off."""
    plain = response.cookies[name]
    partitioned = _PartitionedMorsel()
    partitioned.update(plain)
    partitioned.set(plain.key, plain.value, plain.coded_value)
    response.cookies[name] = partitioned


def _embed_response(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], *, learner: Learner, status: int = 200
) -> HttpResponse:
    """Render an embed page (or its fragment): frameable by other sites, private to this learner."""
    context.setdefault("site_url", settings.SITE_URL)
    context.setdefault("learner_key", learner.key)
    response = render(request, template, context, status=status)
    allow_framing(response)
    _remember_learner(response, request, learner)
    # The fragment and the page share a URL, and progress makes a page this learner's own.
    patch_vary_headers(response, ("HX-Request", "Cookie", LEARNER_KEY_HEADER))
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _not_found(
    request: HtmxHttpRequest, options: EmbedOptions, learner: Learner, *, first_step_url: str = "", empty_course: bool = False
) -> HttpResponse:
    """A 404 the iframe can show (the default page would be refused by frame-ancestors 'none'). It never
    says whether a private playlist exists: `first_step_url` and `empty_course` only come after access was granted."""
    context = {"options": options, "first_step_url": first_step_url, "empty_course": empty_course}
    return _embed_response(request, "playlists/embed/not_found.html", context, learner=learner, status=404)


# --- Capsule content ----------------------------------------------------------------------------------------


def _capsule_context(capsule: Capsule) -> dict[str, Any]:
    """What _capsule.html shows of a capsule: only its learner-safe part (DESIGN.md §4)."""
    config = learner_safe_config(capsule.capsule_type, capsule.config_data)
    tests = config.get("test_cases", [])
    return {
        "capsule": capsule,
        "statement_html": render_markdown(capsule.problem_statement_md),
        "config": config,
        "visible_tests": [test for test in tests if not test["is_hidden"]],
        "hidden_test_count": sum(1 for test in tests if test["is_hidden"]),
    }


# --- The course -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepLink:
    position: int
    title: str
    url: str
    is_current: bool
    is_completed: bool


def _resolve_step(playlist: Playlist, raw_step: str | None, progress: LearnerProgress | None) -> EmbedStep:
    """`?step=N`, else where the learner left off, else step 1. A resume position beyond a playlist that
    has since shrunk starts again at step 1 rather than failing."""
    if raw_step is not None:
        return embed_step(playlist, parse_step(raw_step))
    resume_at = progress.position if progress is not None else 1
    try:
        return embed_step(playlist, resume_at)
    except PlaylistNotFound:
        if resume_at == 1:
            raise
        return embed_step(playlist, 1)


def _course_context(request: HtmxHttpRequest, step: EmbedStep, options: EmbedOptions, progress: LearnerProgress | None) -> dict[str, Any]:
    completed = set(progress.completed_items) if progress is not None else set()
    links = [
        StepLink(
            position=summary.position,
            title=summary.title,
            url=f"{request.path}?{options.query(step=summary.position)}",
            is_current=summary.position == step.position,
            is_completed=str(summary.item_id) in completed,
        )
        for summary in step.steps
    ]
    playlist = step.playlist
    return {
        **_capsule_context(step.capsule),
        "playlist": playlist,
        "step": step,
        "links": links,
        "previous_link": links[step.position - 2] if step.previous else None,
        "next_link": links[step.position] if step.next else None,
        "options": options,
        "progress_percent": round(100 * step.position / step.total),
        "document_title": f"{step.capsule.title} · Step {step.position} of {step.total} · {playlist.title}",
        "events_url": _events_url(playlist, options),
    }


def _events_url(playlist: Playlist, options: EmbedOptions) -> str:
    url = reverse("playlists:embed_events", kwargs={"playlist_id": playlist.pk})
    return f"{url}?{urlencode({'token': options.token})}" if options.token else url


@require_safe
def embed_playlist(request: HtmxHttpRequest, playlist_id: UUID) -> HttpResponse:
    """`/embed/playlist/<id>?step=N&theme=…&progress=false&token=…`: one step of a course; htmx requests
    get the `#course` fragment (header, step, footer)."""
    options = EmbedOptions.from_query(request.GET)
    learner = _learner(request)
    try:
        playlist = get_playlist_for_embed(playlist_id, token=options.token, user=request.user)
    except Http404:
        return _not_found(request, options, learner)
    progress = learner_progress(playlist, learner.key) if learner.known else None
    try:
        step = _resolve_step(playlist, request.GET.get("step"), progress)
    except PlaylistNotFound:
        if "step" not in request.GET:  # even step 1 is missing: nothing to point the learner to
            return _not_found(request, options, learner, empty_course=True)
        return _not_found(request, options, learner, first_step_url=f"{request.path}?{options.query(step=1)}")
    context = _course_context(request, step, options, progress)
    # Cookies refused and no ?step: embed-frame.js asks again with the key it kept in localStorage.
    context["resume"] = "step" not in request.GET and not learner.known
    if playlist.is_public:
        page_url = f"{settings.SITE_URL}{reverse('playlists:embed_playlist', kwargs={'playlist_id': playlist.pk})}"
        context["oembed_href"] = oembed_helpers.discovery_href(settings.SITE_URL, page_url)
    template = "playlists/embed/playlist.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#course"
    return _embed_response(request, template, context, learner=learner)


@require_safe
def embed_capsule(request: HtmxHttpRequest, capsule_id: UUID) -> HttpResponse:
    """`/embed/capsule/<id>`: one capsule on its own, for anyone if it is published and public, else its owner."""
    options = EmbedOptions.from_query(request.GET)
    learner = _learner(request)
    try:
        capsule = get_capsule_for_reader(request.user, capsule_id)
    except Http404:
        return _not_found(request, options, learner)
    context = {**_capsule_context(capsule), "options": options}
    return _embed_response(request, "playlists/embed/capsule.html", context, learner=learner)


# --- Learner events ---------------------------------------------------------------------------------------


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _rate_limited(request: HtmxHttpRequest, learner_key: str) -> bool:
    """Fixed one-minute windows in the Django cache: one bucket per learner and address (a learner clicking
    through steps), one per address (many keys minted by one client; a classroom shares an address, hence
    the larger allowance)."""
    address = request.META.get("REMOTE_ADDR", "")
    per_learner = settings.EMBED_EVENTS_PER_MINUTE
    per_address = settings.EMBED_EVENTS_PER_MINUTE_PER_ADDRESS
    over_learner = _count_hit(f"embed-events:{address}:{learner_key}") > per_learner
    over_address = _count_hit(f"embed-events:{address}") > per_address
    return over_learner or over_address


def _count_hit(key: str) -> int:
    if cache.add(key, 1, timeout=RATE_WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
        return 1


def _same_origin(request: HtmxHttpRequest) -> bool:
    """Our frame script posts from our own origin; a browser names any other page's origin in `Origin`."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.get_host()


def _body_too_large(request: HtmxHttpRequest) -> bool:
    """Refuse by the declared length before reading; a body without one (chunked) is measured once read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > EVENT_MAX_BYTES or len(request.body) > EVENT_MAX_BYTES


def _parse_event(request: HtmxHttpRequest) -> tuple[str, int] | str:
    """(verb, step) from the JSON body, or an error message."""
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return 'The body must be JSON: {"verb": "viewed", "step": N}.'
    if not isinstance(body, dict):
        return "The body must be a JSON object."
    verb, step = body.get("verb"), body.get("step")
    if verb not in EVENT_VERBS:
        return f"verb must be one of: {', '.join(sorted(EVENT_VERBS))}."
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        return "step must be a positive integer."
    return verb, step


# CSRF: the frame lives in a third-party iframe, where browsers withhold our SameSite=Lax CSRF cookie, so a
# token check would refuse every real learner. Nothing here rides on an ambient authority: the view only
# appends anonymous events under the learner key the request itself names, for a playlist the request
# can read (token included). What a forged cross-site POST could still do (move a learner's position) is
# refused by the Origin check; the body is capped and the endpoint rate-limited.
@csrf_exempt
@require_POST
def embed_events(request: HtmxHttpRequest, playlist_id: UUID) -> JsonResponse:
    """`POST /embed/playlist/<id>/events {verb: "viewed", step: N}` → `{position, completed}`."""
    if not _same_origin(request):
        return _json_error("Events are only accepted from the embed itself.", 403)
    if _body_too_large(request):
        return _json_error(f"The body may not exceed {EVENT_MAX_BYTES} bytes.", 413)
    try:
        playlist = get_playlist_for_embed(playlist_id, token=request.GET.get("token") or None, user=request.user)
    except Http404:
        return _json_error("Playlist or step not found", 404)
    learner = _learner(request)
    if not learner.known:
        return _json_error(f"A learner key is required (the {LEARNER_KEY_HEADER} header or the learner cookie).", 400)
    if _rate_limited(request, learner.key):
        response = _json_error("Too many events; slow down.", 429)
        response["Retry-After"] = str(RATE_WINDOW_SECONDS)
        return response
    parsed = _parse_event(request)
    if isinstance(parsed, str):
        return _json_error(parsed, 400)
    _verb, step = parsed
    steps = playlist_steps(playlist)
    if step > len(steps):
        return _json_error("Playlist or step not found", 404)
    if request.user.is_authenticated and request.user.pk == playlist.creator_id:
        # The creator previewing their own course (the share page's preview) is not a learner: their
        # clicks would skew the analytics they came to read.
        return JsonResponse({"position": step, "completed": False, "recorded": False})
    progress = progress_record_view(
        playlist=playlist, learner_key=learner.key, step=step, item_id=steps[step - 1].item_id, total_steps=len(steps)
    )
    return JsonResponse({"position": progress.position, "completed": progress.completed_at is not None, "recorded": True})


# --- The host page's script ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _cached_script() -> tuple[bytes, str]:
    return _read_script()


def _read_script() -> tuple[bytes, str]:
    path = finders.find("js/embed.js")
    if not path:
        raise Http404("embed.js is missing")
    content = Path(path).read_bytes()
    return content, f'"{hashlib.sha256(content).hexdigest()[:32]}"'


@require_safe
def embed_script(request: HtmxHttpRequest) -> HttpResponse:
    """`/embed.js` at a stable URL for embed codes (static URLs carry a hash in production, so a pasted
    snippet cannot point at them). An hour of caching, revalidated by ETag."""
    content, etag = _read_script() if settings.DEBUG else _cached_script()
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=3600)
    return response


# --- oEmbed -------------------------------------------------------------------------------------------------


def _oembed_title(target: oembed_helpers.EmbedTarget) -> str:
    """The target's title, if anonymous readers may embed it; Http404 otherwise."""
    if target.kind == "capsule":
        return get_capsule_for_reader(AnonymousUser(), target.object_id).title
    return get_playlist_for_embed(target.object_id, token=target.token, user=None).title


@require_safe
def oembed(request: HtmxHttpRequest) -> JsonResponse:
    """`/oembed?url=…&maxwidth=&maxheight=&format=json` (oEmbed 1.0, `rich` type)."""
    site_url = settings.SITE_URL
    try:
        oembed_helpers.check_format(request.GET.get("format"))
        target = oembed_helpers.parse_target(request.GET.get("url"), site_url=site_url)
        width, height = oembed_helpers.bounded_size(
            request.GET.get("maxwidth"), request.GET.get("maxheight"), default_height=settings.EMBED_DEFAULT_HEIGHT
        )
        title = _oembed_title(target)
    except oembed_helpers.OEmbedError as error:
        return _json_error(str(error), error.status)
    except Http404:
        return _json_error("Nothing embeddable at this url.", 404)
    src = oembed_helpers.embed_src(site_url, target)
    data = oembed_helpers.oembed_response(site_url=site_url, src=src, title=title, width=width, height=height)
    response = JsonResponse(data)
    response["Access-Control-Allow-Origin"] = "*"  # public metadata; browser-side consumers may read it
    return response


# --- Gallery ------------------------------------------------------------------------------------------------


@require_safe
def gallery(request: HtmxHttpRequest) -> HttpResponse:
    page = Paginator(public_playlists_with_step_counts(), settings.PLAYLIST_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "playlists/gallery.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    response = render(request, template, {"page": page})
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_safe
def gallery_playlist(request: HtmxHttpRequest, playlist_id: UUID) -> HttpResponse:
    """A public course's page: its steps, a live embed, the embed code. Private ones are not found here
    (their owner shares them through the builder)."""
    playlist = get_playlist_for_embed(playlist_id, token=None, user=None)
    site_url = settings.SITE_URL
    embed_path = reverse("playlists:embed_playlist", kwargs={"playlist_id": playlist.pk})
    page_url = f"{site_url}{reverse('playlists:gallery_playlist', kwargs={'playlist_id': playlist.pk})}"
    context = {
        "playlist": playlist,
        "steps": [
            {"position": step.position, "title": step.title, "capsule_type": step.capsule_type, "type_label": CapsuleType(step.capsule_type).label}
            for step in playlist_steps(playlist)
        ],
        "embed_path": embed_path,
        "embed_height": settings.EMBED_DEFAULT_HEIGHT,
        "embed_code": oembed_helpers.embed_code(
            site_url=site_url, src=f"{site_url}{embed_path}", title=f"Interactive Learning Playlist: {playlist.title}",
            width="100%", height=settings.EMBED_DEFAULT_HEIGHT, playlist_id=str(playlist.pk),
        ),
        "oembed_href": oembed_helpers.discovery_href(site_url, page_url),
    }  # fmt: skip
    return render(request, "playlists/gallery_playlist.html", context)
