"""Learner-facing pages: the embeddable course and capsule (iframe pages), the learner's state and events
endpoints, the host-page resizer script, oEmbed, and the public gallery.

Embed pages live in other sites' iframes, so they (and only they) call `allow_framing`; every other page
keeps the strict CSP (codecapsule/csp.py). They are pure reads, and the same for every learner: the page at
`?step=N` renders the same whether it came as a full load or as an htmx swap of `#course`, for whoever asks.
A public course or capsule is therefore one shared answer per URL that browsers and shared caches (a CDN, nginx)
keep and revalidate (views/_embed_cache.py); a private course opened with its token, and the owner's preview,
are the same markup but never stored.

What is a learner's own comes from `…/state` (embed_playlist_state, embed_capsule_state), which
static/js/embed-frame.js asks once a page is up: their signed key (minted, and set as the cookie, for a new
learner), where they left off, the steps they completed, a terminal step's saved directory and an editor step's
saved code (views/drafts.py). The learner's
view of a step is recorded by a separate POST (`…/events`). So a course page costs one query when its
rendering is cached (the playlist and the stamp of its content) and three when it is not (plus the step titles
and the current capsule), whatever the playlist's length.

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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from capsules.models import Capsule, CapsuleType
from capsules.selectors import get_capsule_for_reader
from codecapsule import jsonparse
from codecapsule.csp import allow_framing
from codecapsule.http import HtmxHttpRequest, render_page_or_fragment, wants_fragment
from playlists import oembed as oembed_helpers
from playlists.models import Playlist
from playlists.selectors import (
    PlaylistNotFound,
    embed_stamp,
    embed_step,
    get_playlist_for_embed,
    get_playlist_with_embed_stamp,
    learner_draft,
    learner_progress,
    learner_step_ids,
    may_embed,
    parse_step,
    playlist_steps,
    public_playlists_with_steps,
    with_step_counts,
)
from playlists.services import progress_record_view
from playlists.terminal_state import saved_prompt
from playlists.views._embed_cache import course_steps, etag_of, keep_private, not_modified, rendered, share
from playlists.views._embed_common import (
    LEARNER_KEY_HEADER,
    RATE_WINDOW_SECONDS,
    EmbedOptions,
    Learner,
    capsule_context,
    capsule_state_url,
    completed_item_ids,
    course_context,
    learner_of,
    not_found,
    over_rate_limit,
    remember_learner,
    same_origin,
    single_capsule_location,
    step_location,
)
from playlists.views.drafts import DRAFTED_TYPES

# `{"verb": "viewed", "step": 123}` is about 30 bytes; anything much larger is not from our frame script.
EVENT_MAX_BYTES = 1024
EVENT_VERBS = {"viewed"}
# The course page and its htmx fragment share a URL (htmx pushes the step's URL); a history restore asks for the page.
COURSE_VARY = ("HX-Request", "HX-History-Restore-Request")


# --- Answers ------------------------------------------------------------------------------------------------


def _answer(response: HttpResponse, *, etag: str, shared: bool, vary: tuple[str, ...] = ()) -> HttpResponse:
    """A course or capsule page (or its 304): frameable, and cacheable by anyone when `shared`, else by nobody."""
    allow_framing(response)
    if shared:
        return share(response, etag=etag, vary=vary)
    response["ETag"] = etag
    if vary:
        patch_vary_headers(response, vary)
    return keep_private(response)


def _html(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="text/html; charset=utf-8")


# --- The course -----------------------------------------------------------------------------------------------


@require_safe
def embed_playlist(request: HtmxHttpRequest, playlist_id: UUID) -> HttpResponse:
    """`/embed/playlist/<id>?step=N&theme=…&progress=false&token=…`: one step of a course; htmx requests
    get the `#course` fragment (header, step, footer). Without `?step` it shows step 1 and asks embed-frame.js to
    resume where the learner left off (`data-resume`), which the page itself cannot know.

    1. The playlist and the stamp of its content (one query); a course that is not public needs its token or
       its owner; anything else is a 404 that never says whether a private course exists.
    2. The ETag of this variant (stamp, step, options, page or fragment): a matching If-None-Match is a 304.
    3. The rendered answer, from the render cache or rendered now (the step titles, the capsule: two queries).
    """
    options = EmbedOptions.from_query(request.GET)
    playlist = get_playlist_with_embed_stamp(playlist_id)
    # request.user is lazy: may_embed reads the session only for a course that is not public.
    if playlist is None or not may_embed(playlist, token=options.token, user=request.user):
        return not_found(request, options)
    resume = "step" not in request.GET
    position = parse_step(request.GET.get("step"))
    if position is None or not 1 <= position <= playlist.step_count:
        if resume:  # even step 1 is missing: nothing to point the learner to
            return not_found(request, options, empty_course=True)
        return not_found(request, options, first_step_url=f"{request.path}?{options.query(step=1)}")
    fragment = wants_fragment(request)
    etag = etag_of("course", embed_stamp(playlist), position, resume, fragment, options.theme, options.show_progress, options.token)
    shared = playlist.is_public

    answered = not_modified(request, etag)
    if answered is not None:
        return _answer(answered, etag=etag, shared=shared, vary=COURSE_VARY)
    try:
        body = rendered(etag, lambda: _render_course(playlist, position, options, resume=resume, fragment=fragment))
    except PlaylistNotFound:  # a step went away between the stamp and the step list: as if it never was
        first_step_url = "" if resume else f"{request.path}?{options.query(step=1)}"
        return not_found(request, options, first_step_url=first_step_url, empty_course=resume)
    return _answer(_html(body), etag=etag, shared=shared, vary=COURSE_VARY)


def _render_course(playlist: Playlist, position: int, options: EmbedOptions, *, resume: bool, fragment: bool) -> bytes:
    """The course page (or its `#course` fragment) at `position`, as anyone sees it: no learner, no progress.
    Rendered without the request, so nothing of the request (its user, its session, a CSRF token) can get in."""
    step = embed_step(playlist, position, steps=course_steps(playlist, embed_stamp(playlist)))
    context = {**capsule_context(step.capsule, step_location(step, options)), **course_context(step, options, None)}
    context.update(resume=resume, site_url=settings.SITE_URL)
    if playlist.is_public:
        page_url = f"{settings.SITE_URL}{reverse('playlists:embed_playlist', kwargs={'playlist_id': playlist.pk})}"
        context["oembed_href"] = oembed_helpers.discovery_href(settings.SITE_URL, page_url)
    template = "playlists/embed/playlist.html" + ("#course" if fragment else "")
    return render_to_string(template, context).encode()


@require_safe
def embed_capsule(request: HtmxHttpRequest, capsule_id: UUID) -> HttpResponse:
    """`/embed/capsule/<id>`: one capsule on its own, for anyone if it is published and public (a shared answer),
    else for its owner (never stored)."""
    options = EmbedOptions.from_query(request.GET)
    capsule = Capsule.objects.visible_to(None).filter(pk=capsule_id).first()
    shared = capsule is not None
    if capsule is None:
        try:
            capsule = get_capsule_for_reader(request.user, capsule_id)
        except Http404:
            return not_found(request, options)
    stamp = (capsule.pk, capsule.updated_at.isoformat(), capsule.status, capsule.is_public, capsule.creator_id)
    etag = etag_of("capsule", *stamp, options.theme, options.show_progress, options.token)
    answered = not_modified(request, etag)
    if answered is not None:
        return _answer(answered, etag=etag, shared=shared)
    body = rendered(etag, lambda: _render_capsule(capsule, options))
    return _answer(_html(body), etag=etag, shared=shared)


def _render_capsule(capsule: Capsule, options: EmbedOptions) -> bytes:
    context = {**capsule_context(capsule, single_capsule_location(capsule, options)), "options": options}
    context.update(site_url=settings.SITE_URL, state_url=capsule_state_url(capsule.pk))
    return render_to_string("playlists/embed/capsule.html", context).encode()


# --- The learner's state ------------------------------------------------------------------------------------


def _state_response(request: HtmxHttpRequest, learner: Learner, data: dict) -> JsonResponse:
    """One learner's own answer: never stored by anyone, and it carries their key (the cookie for a new learner,
    the X-Learner-Key header when embed-frame.js should keep a key other than the one it sent)."""
    response = JsonResponse({"learner_key": learner.token, **data})
    remember_learner(response, request, learner)
    patch_vary_headers(response, ("Cookie", LEARNER_KEY_HEADER))
    return keep_private(response)


def _draft_state(learner: Learner, capsule_id: UUID, capsule_type: str) -> dict | None:
    """The learner's server-side draft of an editor step (views/drafts.py) for workspace.js to restore, or None.
    A learner minted just now has none: no query."""
    if not learner.known or capsule_type not in DRAFTED_TYPES:
        return None
    code = learner_draft(learner.key, capsule_id)
    return {"capsule_id": str(capsule_id), "code": code} if code is not None else None


def _state_not_found() -> JsonResponse:
    return keep_private(JsonResponse({"error": "Playlist or step not found"}, status=404))


@require_safe
def embed_playlist_state(request: HtmxHttpRequest, playlist_id: UUID) -> JsonResponse:
    """`GET /embed/playlist/<id>/state?step=N&token=…` → the learner's own part of a course page:

        {"learner_key": "<signed key>", "position": 3, "completed_steps": [1, 2], "course_complete": false,
         "terminal_prompt": "learner:~/data$" | null, "draft": {"capsule_id": "…", "code": "…"} | null}

    `position` is where the learner left off (1 for a new learner, or when the course has since shrunk below it);
    `completed_steps` numbers their completed items as the course is now; `terminal_prompt` is the directory of
    their saved workspace when step N is a TERMINAL step; `draft` their saved code when it is a CODE or DATABASE
    step (views/drafts.py). Access is the page's (public, token, or owner). The
    learner is learner_of's: a new one is minted here, and told by the cookie and X-Learner-Key.
    """
    options = EmbedOptions.from_query(request.GET)
    try:
        playlist = get_playlist_for_embed(playlist_id, token=options.token, user=request.user)
    except Http404:
        return _state_not_found()
    learner = learner_of(request)
    progress = learner_progress(playlist, learner.key) if learner.known else None
    raw_step = request.GET.get("step")
    wanted = parse_step(raw_step) if raw_step else None
    # A stranger has nothing to number or look up: their state needs no step list (one query less).
    steps = learner_step_ids(playlist) if progress is not None or (wanted and learner.known) else []
    completed = completed_item_ids(progress)
    completed_steps = [position for position, (item_id, _, _) in enumerate(steps, start=1) if str(item_id) in completed]
    position = progress.position if progress is not None and 1 <= progress.position <= len(steps) else 1
    prompt = draft = None
    if wanted is not None and 1 <= wanted <= len(steps):
        _item_id, capsule_id, capsule_type = steps[wanted - 1]
        if capsule_type == CapsuleType.TERMINAL:
            prompt = saved_prompt(capsule_id, learner.key)
        draft = _draft_state(learner, capsule_id, capsule_type)
    data = {
        "position": position,
        "completed_steps": completed_steps,
        "course_complete": bool(steps) and len(completed_steps) == len(steps),
        "terminal_prompt": prompt,
        "draft": draft,
    }
    return _state_response(request, learner, data)


@require_safe
def embed_capsule_state(request: HtmxHttpRequest, capsule_id: UUID) -> JsonResponse:
    """`GET /embed/capsule/<id>/state` → `{"learner_key": …, "terminal_prompt": … | null, "draft": … | null}` for a
    capsule embedded on its own (no course progress)."""
    try:
        capsule = get_capsule_for_reader(request.user, capsule_id)
    except Http404:
        return _state_not_found()
    learner = learner_of(request)
    prompt = saved_prompt(capsule.pk, learner.key) if learner.known and capsule.capsule_type == CapsuleType.TERMINAL else None
    draft = _draft_state(learner, capsule.pk, capsule.capsule_type)
    return _state_response(request, learner, {"terminal_prompt": prompt, "draft": draft})


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

SCRIPT_MAX_AGE = 3600
SCRIPT_STALE_SECONDS = 24 * 3600


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
    snippet cannot point at them). Browsers and shared caches keep it an hour (a changed script reaches every
    host page within that), revalidated by ETag; stale for a day more while a cache revalidates in the
    background, so host pages never wait on the origin for it."""
    content, etag = _read_script() if settings.DEBUG else _cached_script()
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    patch_cache_control(
        response, public=True, max_age=SCRIPT_MAX_AGE, s_maxage=SCRIPT_MAX_AGE,
        stale_while_revalidate=SCRIPT_STALE_SECONDS, stale_if_error=SCRIPT_STALE_SECONDS,
    )  # fmt: skip
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
        self.queryset = object_list  # object_list, as a QuerySet (the stubs type it as any sequence)
        self.annotate = annotate

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.annotate(self.queryset.filter(pk__in=self.queryset.values("pk")[bottom:top]))
        return self._get_page(rows, number, self)  # type: ignore[attr-defined]  # a documented hook the stubs lack


@require_safe
def gallery(request: HtmxHttpRequest) -> HttpResponse:
    paginator = AnnotatingPaginator(public_playlists_with_steps(), settings.PLAYLIST_LIST_PAGE_SIZE, annotate=with_step_counts)
    page = paginator.get_page(request.GET.get("page"))
    return render_page_or_fragment(request, "playlists/gallery.html", "results", {"page": page})


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
            {
                "position": step.position,
                "title": step.title,
                "capsule_type": step.capsule_type,
                "type_label": CapsuleType(step.capsule_type).label,
            }
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
