"""Learner-facing pages: the embeddable course and capsule (iframe pages), the learner events endpoint, the
host-page resizer script, oEmbed, and the public gallery.

Embed pages live in other sites' iframes, so they (and only they) call `allow_framing`; every other page
keeps the strict CSP (codecapsule/csp.py). They are pure reads: the page at `?step=N` renders the same
whether it came as a full load or as an htmx swap of `#course`, and the learner's view of a step is
recorded by a separate POST from static/js/embed-frame.js, so the page's query count stays at four
(playlist, learner progress, step titles, current capsule) whatever the playlist's length.

What these views share with the learner's workspace endpoints (views/workspace.py) — options, the
anonymous learner, framing, rate limits, the capsule and course context — lives in views/_embed_common.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from capsules.models import CapsuleType
from capsules.selectors import get_capsule_for_reader
from codecapsule import jsonparse
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
    public_playlists_with_steps,
    with_step_counts,
)
from playlists.services import progress_record_view
from playlists.views._embed_common import (
    LEARNER_KEY_HEADER,
    RATE_WINDOW_SECONDS,
    EmbedOptions,
    Learner,
    capsule_context,
    course_context,
    embed_response,
    learner_of,
    not_found,
    over_rate_limit,
    same_origin,
    single_capsule_location,
    step_location,
)

# `{"verb": "viewed", "step": 123}` is about 30 bytes; anything much larger is not from our frame script.
EVENT_MAX_BYTES = 1024
EVENT_VERBS = {"viewed"}


# --- The course -----------------------------------------------------------------------------------------------


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


@require_safe
def embed_playlist(request: HtmxHttpRequest, playlist_id: UUID) -> HttpResponse:
    """`/embed/playlist/<id>?step=N&theme=…&progress=false&token=…`: one step of a course; htmx requests
    get the `#course` fragment (header, step, footer)."""
    options = EmbedOptions.from_query(request.GET)
    learner = learner_of(request)
    try:
        playlist = get_playlist_for_embed(playlist_id, token=options.token, user=request.user)
    except Http404:
        return not_found(request, options, learner)
    progress = learner_progress(playlist, learner.key) if learner.known else None
    try:
        step = _resolve_step(playlist, request.GET.get("step"), progress)
    except PlaylistNotFound:
        if "step" not in request.GET:  # even step 1 is missing: nothing to point the learner to
            return not_found(request, options, learner, empty_course=True)
        return not_found(request, options, learner, first_step_url=f"{request.path}?{options.query(step=1)}")
    context = {**capsule_context(step.capsule, step_location(step, options)), **course_context(step, options, progress)}
    # Cookies refused and no ?step: embed-frame.js asks again with the key it kept in localStorage.
    context["resume"] = "step" not in request.GET and not learner.known
    if playlist.is_public:
        page_url = f"{settings.SITE_URL}{reverse('playlists:embed_playlist', kwargs={'playlist_id': playlist.pk})}"
        context["oembed_href"] = oembed_helpers.discovery_href(settings.SITE_URL, page_url)
    template = "playlists/embed/playlist.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#course"
    return embed_response(request, template, context, learner=learner)


@require_safe
def embed_capsule(request: HtmxHttpRequest, capsule_id: UUID) -> HttpResponse:
    """`/embed/capsule/<id>`: one capsule on its own, for anyone if it is published and public, else its owner."""
    options = EmbedOptions.from_query(request.GET)
    learner = learner_of(request)
    try:
        capsule = get_capsule_for_reader(request.user, capsule_id)
    except Http404:
        return not_found(request, options, learner)
    context = {**capsule_context(capsule, single_capsule_location(capsule, options)), "options": options}
    return embed_response(request, "playlists/embed/capsule.html", context, learner=learner)


# --- Learner events ---------------------------------------------------------------------------------------


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _rate_limited(request: HtmxHttpRequest, learner: Learner) -> bool:
    """A learner clicking through steps, and one address minting many keys (see over_rate_limit)."""
    return over_rate_limit(
        request, learner, scope="embed-events",
        per_learner=settings.EMBED_EVENTS_PER_MINUTE, per_address=settings.EMBED_EVENTS_PER_MINUTE_PER_ADDRESS,
    )  # fmt: skip


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
        # The strict loader, as for API bodies: a body of 1,000 `[` fits under EVENT_MAX_BYTES and would otherwise
        # crash json's recursive parser, and NaN or 1e400 are no JSON numbers.
        body = jsonparse.loads(request.body)
    except jsonparse.JSONInputError as exc:
        return f'The body must be JSON, {{"verb": "viewed", "step": N}}: {exc}.'
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
    if not same_origin(request):
        return _json_error("Events are only accepted from the embed itself.", 403)
    if _body_too_large(request):
        return _json_error(f"The body may not exceed {EVENT_MAX_BYTES} bytes.", 413)
    try:
        playlist = get_playlist_for_embed(playlist_id, token=request.GET.get("token") or None, user=request.user)
    except Http404:
        return _json_error("Playlist or step not found", 404)
    learner = learner_of(request)
    if not learner.known:
        return _json_error(f"A learner key is required (the {LEARNER_KEY_HEADER} header or the learner cookie).", 400)
    if _rate_limited(request, learner):
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
    progress = progress_record_view(playlist=playlist, learner_key=learner.key, step=step, item_id=steps[step - 1].item_id)
    response = JsonResponse({"position": progress.position, "completed": progress.completed_at is not None, "recorded": True})
    if request.headers.get(LEARNER_KEY_HEADER) != learner.token:
        response[LEARNER_KEY_HEADER] = learner.token  # a key from before signing, signed now: embed-frame.js keeps it
    return response


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


class AnnotatingPaginator(Paginator):
    """Counts and cuts out the page on `object_list` as given, then reads the page's rows through `annotate`, with
    the page as a subquery of ids (still one query). Per-row subqueries (the gallery's step counts) then run for
    the rows shown only: PostgreSQL also runs them for every row an OFFSET skips, and the query of the last page of a
    gallery of 850 courses took 48 ms instead of 3 (benchmarks/scale_bench.py)."""

    def __init__(self, object_list: QuerySet, per_page: int, *, annotate: Callable[[QuerySet], QuerySet]):
        super().__init__(object_list, per_page)
        self.annotate = annotate

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.annotate(self.object_list.filter(pk__in=self.object_list.values("pk")[bottom:top]))
        return self._get_page(rows, number, self)


@require_safe
def gallery(request: HtmxHttpRequest) -> HttpResponse:
    paginator = AnnotatingPaginator(public_playlists_with_steps(), settings.PLAYLIST_LIST_PAGE_SIZE, annotate=with_step_counts)
    page = paginator.get_page(request.GET.get("page"))
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
