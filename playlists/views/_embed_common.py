"""What the embed pages (views/embed.py) and the learner's workspace endpoints (views/workspace.py) share:
the embed options of the URL, the anonymous learner, rendering a frameable learner-private response, the
Origin check and rate limits of learner POSTs, and the template context of a capsule and of a course step.

A GET of an embed page renders no learner at all (it is the same answer for everyone, which shared caches keep:
views/_embed_cache.py); the learner's key, progress and saved terminal directory come from the state endpoint
(views/embed.py). The answers to a learner's POSTs are theirs alone, and render their progress.

Learners are anonymous: a random key that the server issues signed, in a first-party cookie, mirrored by
embed-frame.js in localStorage and sent as `X-Learner-Key`, because browsers often refuse cookies inside a
third-party iframe. Only a key this server signed counts as a learner: a request without one (or with one it made
up) is counted as its address's one anonymous learner by the rate limits, never as a fresh learner per request.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from html import escape as html_escape
from http.cookies import Morsel
from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Min, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from capsules.models import Capsule, CapsuleType
from capsules.schemas import browser_engine, learner_browser_tests, learner_safe_config
from codecapsule.csp import allow_framing
from codecapsule.http import HtmxHttpRequest
from codecapsule.markdown import render_markdown
from codecapsule.net import client_address
from judges.grading import SHOWN_ROWS, VERDICT_LABELS
from judges.models import TerminalWorkspace
from playlists.models import LearnerEvent, LearnerProgress
from playlists.selectors import EmbedStep, StepSummary
from playlists.views._embed_cache import keep_private

THEMES = ("auto", "light", "dark")
_FALSE_VALUES = {"false", "0", "no", "off"}
LEARNER_KEY_HEADER = "X-Learner-Key"
# secrets.token_urlsafe(24) gives 32 characters. Keys issued before keys were signed look like this alone.
_LEARNER_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
_LEARNER_SIGNER = signing.Signer(salt="playlists.learner-key")
# The rate-limit bucket of an address's requests that carry no key this server signed.
ANONYMOUS_LEARNER = "-"
RATE_WINDOW_SECONDS = 60
# "You reached the end" links to at most this many open steps; the jump menu lists them all.
OPEN_STEP_LINKS = 10


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
    key: str  # what the learner's progress and workspaces are stored under
    token: str  # the key with the server's signature: what the cookie, the page and X-Learner-Key carry
    known: bool  # the request carried this learner's valid token (False: minted just now)
    in_cookie: bool

    @property
    def counted_as(self) -> str:
        """Whom the per-learner limits count: this learner, or the address's anonymous learner."""
        return self.key if self.known else ANONYMOUS_LEARNER


def learner_of(request: HtmxHttpRequest) -> Learner:
    """The learner: the X-Learner-Key header (embed-frame.js, from localStorage) wins over the cookie, because it
    survives where third-party cookies are blocked or cleared. Only a token this server signed names a learner;
    a key from before keys were signed is honoured (and signed) only if it already has progress or a workspace,
    which a made-up key never has. Otherwise a new learner is minted (known=False)."""
    cookie = request.COOKIES.get(settings.EMBED_LEARNER_COOKIE, "")
    candidates = (request.headers.get(LEARNER_KEY_HEADER, ""), cookie)
    for candidate in candidates:
        key = _signed_key(candidate)
        if key is not None:
            return Learner(key=key, token=candidate, known=True, in_cookie=candidate == cookie)
    for candidate in candidates:
        if _LEARNER_KEY.fullmatch(candidate) and _has_history(candidate):
            return Learner(key=candidate, token=learner_token(candidate), known=True, in_cookie=False)
    key = secrets.token_urlsafe(24)
    return Learner(key=key, token=learner_token(key), known=False, in_cookie=False)


def learner_token(key: str) -> str:
    """The token the server issues for learner `key`: the key and its signature."""
    return _LEARNER_SIGNER.sign(key)


def _signed_key(token: str) -> str | None:
    if len(token) > 200:
        return None
    try:
        key = _LEARNER_SIGNER.unsign(token)
    except signing.BadSignature:
        return None
    return key if _LEARNER_KEY.fullmatch(key) else None


def _has_history(key: str) -> bool:
    return LearnerProgress.objects.filter(learner_key=key).exists() or TerminalWorkspace.objects.filter(learner_key=key).exists()


def remember_learner(response: HttpResponse, request: HtmxHttpRequest, learner: Learner) -> None:
    """Set the learner cookie. Inside a third-party iframe a browser only stores a SameSite=None cookie,
    which must be Secure; over plain HTTP (development) Lax is the best we can ask for."""
    if request.headers.get(LEARNER_KEY_HEADER) != learner.token:
        # embed-frame.js keeps what it is told here: a learner it had no signed key for gets theirs.
        response[LEARNER_KEY_HEADER] = learner.token
    if learner.in_cookie:
        return
    secure = request.is_secure()
    response.set_cookie(
        settings.EMBED_LEARNER_COOKIE,
        learner.token,
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


def embed_private(response: HttpResponse, request: HtmxHttpRequest, learner: Learner) -> HttpResponse:
    """Make a response an embed's answer to this learner: frameable by other sites, theirs alone, never stored."""
    allow_framing(response)
    remember_learner(response, request, learner)
    # A fragment and its page share a URL, and progress makes a page this learner's own.
    patch_vary_headers(response, ("HX-Request", "Cookie", LEARNER_KEY_HEADER))
    return keep_private(response)


def embed_response(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], *, learner: Learner, status: int = 200
) -> HttpResponse:
    """Render an embed page for one learner: the answer to a post without JavaScript, with their progress."""
    context.setdefault("site_url", settings.SITE_URL)
    context.setdefault("learner_key", learner.key)  # whose workspace and progress the page shows
    return embed_private(render(request, template, context, status=status), request, learner)


def not_found(request: HtmxHttpRequest, options: EmbedOptions, *, first_step_url: str = "", empty_course: bool = False) -> HttpResponse:
    """A 404 the iframe can show (the default page would be refused by frame-ancestors 'none'). It never
    says whether a private playlist exists: `first_step_url` and `empty_course` only come after access was granted.
    Nobody's, and never stored: a course made public or given a step a moment later must show at once."""
    context = {"options": options, "first_step_url": first_step_url, "empty_course": empty_course, "site_url": settings.SITE_URL}
    response = render(request, "playlists/embed/not_found.html", context, status=404)
    allow_framing(response)
    return keep_private(response)


# --- Learner POSTs: origin and rate limits -------------------------------------------------------------------


def same_origin(request: HtmxHttpRequest) -> bool:
    """Our frame posts from our own origin; a browser names any other page's origin in `Origin`."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.get_host()


def over_rate_limit(request: HtmxHttpRequest, learner: Learner, *, scope: str, per_learner: int, per_address: int) -> bool:
    """Fixed one-minute windows in the Django cache: one bucket per learner and address (one person; every request
    without a signed key of ours shares its address's anonymous learner), one per address (many learners behind one
    client; a classroom shares an address, hence a larger allowance)."""
    address = client_address(request)
    over_learner = count_hit(f"{scope}:{address}:{learner.counted_as}") > per_learner
    over_address = count_hit(f"{scope}:{address}") > per_address
    return over_learner or over_address


def count_hit(key: str) -> int:
    if cache.add(key, 1, timeout=RATE_WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
        return 1


# --- Where a workspace posts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceLocation:
    """A learner's workspace: a step of a course (`playlists:step_<action>`) or a capsule embedded on its own
    (`playlists:capsule_<action>`). Action URLs keep the embed options, so a token-carrying private course
    and a dark theme survive a post without JavaScript."""

    options: EmbedOptions
    capsule_id: UUID
    playlist_id: UUID | None = None
    position: int | None = None

    def url(self, action: str) -> str:
        if self.playlist_id is not None:
            path = reverse(f"playlists:step_{action}", kwargs={"playlist_id": self.playlist_id, "step": self.position})
        else:
            path = reverse(f"playlists:capsule_{action}", kwargs={"capsule_id": self.capsule_id})
        query = self.options.query()
        return f"{path}?{query}" if query else path


class ActionUrls(Mapping[str, str]):
    """`{{ workspace_urls.run }}` in a template: each workspace's routes are reversed only when named, so
    a template asks for exactly the actions its capsule type has."""

    def __init__(self, location: WorkspaceLocation) -> None:
        self._location = location

    def __getitem__(self, action: str) -> str:
        return self._location.url(action)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def storage_key(capsule: Capsule) -> str:
    """Where workspace.js keeps the learner's code in localStorage: per capsule, so the same capsule in two
    courses shares one draft and two capsules never mix."""
    return f"codecapsule-code:{capsule.pk}"


# --- Capsule content ----------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def statement_html(source: str) -> str:
    """A statement's Markdown as safe HTML, rendered once per text per process: learners open the same few
    statements over and over, and parsing and sanitizing one costs about a millisecond."""
    return render_markdown(source)


def capsule_context(capsule: Capsule, location: WorkspaceLocation) -> dict[str, Any]:
    """What _capsule.html and its workspace show of a capsule: only its learner-safe part."""
    config = learner_safe_config(capsule.capsule_type, capsule.config_data)
    tests = config.get("test_cases", [])
    return {
        "capsule": capsule,
        "statement_html": statement_html(capsule.problem_statement_md or ""),
        "config": config,
        "visible_tests": [test for test in tests if not test["is_hidden"]],
        "hidden_test_count": sum(1 for test in tests if test["is_hidden"]),
        "workspace_urls": ActionUrls(location),
        "editor_language": config.get("dialect", "sqlite") if capsule.capsule_type == CapsuleType.DATABASE else capsule.language,
        "dialect_label": "PostgreSQL" if config.get("dialect") == "postgresql" else "SQLite",
        "storage_key": storage_key(capsule),
        "code": config.get("boilerplate_code", ""),  # what the editor holds; a post without JavaScript keeps the learner's
        "browser_run": browser_run(capsule),
    }


def browser_engine_of(capsule: Capsule) -> str | None:
    """The engine that runs the capsule's Run in the learner's browser, or None: its Run is the server judge's. A
    browser tier (capsules/schemas.py) whose DATABASE dialect the browser cannot run (PostgreSQL) runs on the server."""
    engine = browser_engine(capsule.runtime_tier)
    if engine is None:
        return None
    if capsule.capsule_type == CapsuleType.DATABASE and capsule.config_data.get("dialect", "sqlite") != "sqlite":
        return None
    return engine


def browser_run(capsule: Capsule) -> dict[str, Any] | None:
    """How workspace.js runs Run in the learner's browser for a capsule of a browser tier, or None: Run posts to the
    server judge. `job` is learner-safe (the visible tests); a DATABASE capsule's visible seed is fetched on first
    Run, so it does not weigh on every page. Limits are the server judge's for one run."""
    engine = browser_engine_of(capsule)
    if engine is None:
        return None
    limits = {"wall_seconds": settings.JUDGE_WALL_SECONDS, "output_bytes": settings.JUDGE_OUTPUT_BYTES, "max_rows": SHOWN_ROWS}
    job: dict[str, Any] = {"engine": engine, "limits": limits, "verdict_labels": VERDICT_LABELS}
    if capsule.capsule_type == CapsuleType.CODE:
        job["tests"] = learner_browser_tests(capsule.config_data)
        job["hidden_tests"] = sum(1 for test in capsule.config_data.get("test_cases", []) if test.get("is_hidden"))
    return {"engine": engine, "job": job}


def single_capsule_location(capsule: Capsule, options: EmbedOptions) -> WorkspaceLocation:
    return WorkspaceLocation(options=options, capsule_id=capsule.pk)


def step_location(step: EmbedStep, options: EmbedOptions) -> WorkspaceLocation:
    return WorkspaceLocation(options=options, capsule_id=step.capsule.pk, playlist_id=step.playlist.pk, position=step.position)


# --- The course -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepLink:
    position: int
    title: str
    url: str
    is_current: bool
    is_completed: bool


def render_dots(links: list[StepLink]) -> SafeString:
    """The step dots' list items. Built here rather than by a template loop: a course of 200 steps has 200 dots
    and 200 jump-menu entries, and the template engine took ~45 ms of a page's ~50 ms to render them (about
    0.1 ms per link; these f-strings take a hundredth of that). `data-step-link` lets embed-frame.js mark the
    learner's completed steps in a page that is the same for everyone."""
    items = []
    for link in links:
        label = f"Step {link.position}: {html_escape(link.title)}{' (completed)' if link.is_completed else ''}"
        classes = "dot" + (" dot--current" if link.is_current else "") + (" dot--completed" if link.is_completed else "")
        url = html_escape(link.url)
        current = ' aria-current="step"' if link.is_current else ""
        items.append(
            f'<li><a class="{classes}" href="{url}" hx-get="{url}" target="_self" title="{label}" data-step-link="{link.position}"'
            f'{current}><span class="visually-hidden">{label}</span></a></li>'
        )
    return mark_safe("\n".join(items))  # noqa: S308 — every value above was escaped or is our own markup


def render_jump_menu(links: list[StepLink]) -> SafeString:
    """The jump menu's list items (see render_dots for why they are not a template loop)."""
    items = []
    for link in links:
        url = html_escape(link.url)
        current = ' aria-current="step"' if link.is_current else ""
        completed = ' class="is-completed"' if link.is_completed else ""
        mark = '<span class="visually-hidden"> (completed)</span>' if link.is_completed else ""
        items.append(
            f'<li><a href="{url}" hx-get="{url}" target="_self" data-step-link="{link.position}"{current}{completed}>'
            f"Step {link.position}: {html_escape(link.title)}{mark}</a></li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308 — every value above was escaped or is our own markup


def step_links(step: EmbedStep, options: EmbedOptions, completed: set[str]) -> list[StepLink]:
    # The page's own URL, not request.path: a workspace post (no JavaScript) renders this page at …/run.
    path = reverse("playlists:embed_playlist", kwargs={"playlist_id": step.playlist.pk})
    # options.query(step=N), with the options' part encoded once rather than once per step.
    rest = options.query()
    rest = f"&{rest}" if rest else ""
    return [
        StepLink(
            position=summary.position,
            title=summary.title,
            url=f"{path}?step={summary.position}{rest}",
            is_current=summary.position == step.position,
            is_completed=str(summary.item_id) in completed,
        )
        for summary in step.steps
    ]


def completed_item_ids(progress: LearnerProgress | None) -> set[str]:
    return set(progress.completed_items) if progress is not None else set()


def course_complete(steps: list[StepSummary], completed: set[str]) -> bool:
    """Every step the learner sees now is complete. Counted over the current steps, not from completed_at:
    a step added after the learner finished opens the course again."""
    return bool(steps) and all(str(summary.item_id) in completed for summary in steps)


@dataclass(frozen=True)
class StepOutcome:
    """One line of the completion summary: how a step went for the learner."""

    position: int
    title: str
    done: bool
    time_taken: str  # from the learner's first view of the step to its completion; "" when not known


def format_duration(seconds: float) -> str:
    """A learner-facing span: "40 s", "3 min 20 s", "2 h 5 min", "3 days"."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _time_taken(first_view: datetime | None, done_at: datetime | None) -> str:
    """From the first view of a step to its completion; "" when either is unknown or they are out of order."""
    if first_view is None or done_at is None or done_at < first_view:
        return ""
    return format_duration((done_at - first_view).total_seconds())


def completion_summary(step: EmbedStep, progress: LearnerProgress) -> list[StepOutcome]:
    """Each step of the course as the learner did it, in one grouped query of their events: the first time they
    viewed the step and the time the judge passed it. A step completed before any view was recorded (an event
    lost to the network, a post without JavaScript) has no time rather than a wrong one."""
    completed = completed_item_ids(progress)
    times = {
        str(row["item_id"]): row
        for row in LearnerEvent.objects.filter(
            playlist_id=step.playlist.pk, learner_key=progress.learner_key, item_id__in=[s.item_id for s in step.steps]
        )
        .values("item_id")
        .annotate(
            first_view=Min("created_at", filter=Q(verb=LearnerEvent.Verb.VIEWED)),
            done_at=Min("created_at", filter=Q(verb=LearnerEvent.Verb.STEP_COMPLETED)),
        )
    }
    outcomes = []
    for summary in step.steps:
        row = times.get(str(summary.item_id), {})
        outcomes.append(
            StepOutcome(
                position=summary.position,
                title=summary.title,
                done=str(summary.item_id) in completed,
                time_taken=_time_taken(row.get("first_view"), row.get("done_at")),
            )
        )
    return outcomes


def course_context(step: EmbedStep, options: EmbedOptions, progress: LearnerProgress | None) -> dict[str, Any]:
    """The course around a step: header, dots, footer (navigation, completion, the jump menu).

    The badge rule: "Course Completed" only once every step is complete, on any step; on the last
    step otherwise "You reached the end — N of M steps complete" with links to the steps still open. A learner
    who completed the course gets its summary (completion_summary); the page everyone shares has no learner.
    """
    completed = completed_item_ids(progress)
    links = step_links(step, options, completed)
    playlist = step.playlist
    open_links = [link for link in links if not link.is_completed]
    is_complete = course_complete(step.steps, completed)
    return {
        "completion_steps": completion_summary(step, progress) if is_complete and progress is not None else [],
        "completion_time": _course_time(progress) if is_complete and progress is not None else "",
        "playlist": playlist,
        "step": step,
        "links": links,
        "dots_html": render_dots(links) if options.show_progress else "",
        "jump_html": render_jump_menu(links) if step.total > 1 else "",
        "previous_link": links[step.position - 2] if step.previous else None,
        "next_link": links[step.position] if step.next else None,
        "options": options,
        "progress_percent": round(100 * step.position / step.total),
        "document_title": f"{step.capsule.title} · Step {step.position} of {step.total} · {playlist.title}",
        "events_url": events_url(playlist.pk, options),
        "state_url": playlist_state_url(playlist.pk, options),
        "course_complete": is_complete,
        "completed_count": len(links) - len(open_links),
        "open_links": open_links[:OPEN_STEP_LINKS],
        "more_open_steps": max(0, len(open_links) - OPEN_STEP_LINKS),
    }


def _course_time(progress: LearnerProgress) -> str:
    """From the learner's first step in the course to its completion."""
    if progress.completed_at is None or progress.started_at is None:
        return ""
    return format_duration((progress.completed_at - progress.started_at).total_seconds())


def events_url(playlist_id: UUID, options: EmbedOptions) -> str:
    url = reverse("playlists:embed_events", kwargs={"playlist_id": playlist_id})
    return f"{url}?{urlencode({'token': options.token})}" if options.token else url


def playlist_state_url(playlist_id: UUID, options: EmbedOptions) -> str:
    """Where embed-frame.js asks for the learner's state in a course (views/embed.py's embed_playlist_state)."""
    url = reverse("playlists:embed_playlist_state", kwargs={"playlist_id": playlist_id})
    return f"{url}?{urlencode({'token': options.token})}" if options.token else url


def capsule_state_url(capsule_id: UUID) -> str:
    return reverse("playlists:embed_capsule_state", kwargs={"capsule_id": capsule_id})
