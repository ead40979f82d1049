"""The learner's workspace inside an embed: the endpoints a step's workspace posts to, and the
glue every capsule type's workspace shares — who may post, completing a step, and answering htmx, JSON
and plain form posts alike.

Access is exactly the embed page's: a step of a playlist the request may embed (public, its token, or its
owner) that a learner sees, or a capsule the request may read. Anything else is a 404 that never says
whether a private course exists.

CSRF: these endpoints are csrf_exempt for the reason given at views/embed.py's events view — the embed
lives in third-party iframes where browsers withhold our SameSite=Lax CSRF cookie, so a token check would
refuse every real learner. Nothing rides on an ambient authority: a post grades the code it carries and
records progress only under the learner key it names itself. A forged cross-site post is refused by the
same Origin check; bodies are capped and every endpoint is rate-limited per learner and per address.

One response shape per kind of client:
* htmx (the workspace's buttons): the results panel for `#ws-results`, the one-line summary out of band
  into the `#ws-status` live region, and on completion the step dots and the footer out of band plus an
  HX-Trigger of `codecapsule:step-completed` {step} (and `codecapsule:completed` {total} when the course
  became complete), which embed-frame.js forwards to the host page;
* `Accept: application/json`: the result as JSON, with the completion;
* a plain form post (no JavaScript): the whole embed page again, with the results in place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from capsules.models import Capsule, CapsuleType
from capsules.seed_sql import SeedSqlMissing, seed_sql_read
from capsules.selectors import get_capsule_for_reader
from codecapsule.admission import InFlight, learner_attempt
from codecapsule.http import HtmxHttpRequest
from codecapsule.net import client_address
from judges.grading import AttemptResult, GradedTest, Mode, grade_attempt, verdict_label
from judges.sandbox import SandboxError
from playlists.models import LearnerProgress, Playlist
from playlists.selectors import EmbedStep, embed_step, get_playlist_for_embed, learner_progress
from playlists.services import progress_record_step_completed
from playlists.views._embed_common import (
    RATE_WINDOW_SECONDS,
    EmbedOptions,
    Learner,
    WorkspaceLocation,
    browser_engine_of,
    capsule_context,
    completed_item_ids,
    course_complete,
    course_context,
    embed_private,
    embed_response,
    learner_of,
    over_rate_limit,
    same_origin,
    single_capsule_location,
    step_location,
)

NOT_FOUND_MESSAGE = "Playlist or step not found"
# The answers' pieces: partials of one template.
RESULTS = "playlists/embed/workspace/_results.html"
STATUS_TEMPLATE = f"{RESULTS}#status"
OOB_TEMPLATE = f"{RESULTS}#completion_oob"


# --- What a post works on -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceTarget:
    """The capsule a learner's post is about, where it sits (a course step, or alone), and who posts."""

    capsule: Capsule
    options: EmbedOptions
    learner: Learner
    location: WorkspaceLocation
    step: EmbedStep | None = None  # None: a capsule embedded on its own

    @property
    def playlist(self) -> Playlist | None:
        return self.step.playlist if self.step is not None else None


def step_target(request: HtmxHttpRequest, playlist_id: UUID, position: int) -> WorkspaceTarget:
    """Step `position` of a course the request may embed, as the embed page grants it; Http404 otherwise.
    Three queries: the playlist, the step titles, the capsule."""
    options = EmbedOptions.from_query(request.GET)
    playlist = get_playlist_for_embed(playlist_id, token=options.token, user=request.user)
    step = embed_step(playlist, position)
    return WorkspaceTarget(
        capsule=step.capsule, options=options, learner=learner_of(request), location=step_location(step, options), step=step
    )


def capsule_target(request: HtmxHttpRequest, capsule_id: UUID) -> WorkspaceTarget:
    """A capsule embedded on its own: published and public, or the reader's own; Http404 otherwise."""
    options = EmbedOptions.from_query(request.GET)
    capsule = get_capsule_for_reader(request.user, capsule_id)
    return WorkspaceTarget(
        capsule=capsule, options=options, learner=learner_of(request), location=single_capsule_location(capsule, options)
    )


def resolve_target(request: HtmxHttpRequest, *, playlist_id: UUID | None, step: int | None, capsule_id: UUID | None) -> WorkspaceTarget:
    """The target named by the URL: a course step (`playlist_id` + `step`) or a capsule alone."""
    if playlist_id is not None and step is not None:
        return step_target(request, playlist_id, step)
    if capsule_id is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return capsule_target(request, capsule_id)


# --- Refusals ---------------------------------------------------------------------------------------------------


def refusal(
    request: HtmxHttpRequest, message: str, status: int, *, learner: Learner | None = None, retry_after: int | None = None
) -> HttpResponse:
    """A post we do not serve, answered in the client's language: a sentence for the results panel (htmx;
    workspace.js lets error fragments through), `{"error": …}` for JSON, a small page of its own for a
    plain form post. A 429 says when to come back (`retry_after`, default the rate-limit window)."""
    learner = learner or learner_of(request)
    context = {"message": message, "status": status, "options": EmbedOptions.from_query(request.GET)}
    if wants_json(request):
        response: HttpResponse = embed_private(JsonResponse({"error": message}, status=status), request, learner)
    elif request.htmx:
        html = render_to_string(f"{RESULTS}#refusal", context, request=request)
        response = embed_private(HttpResponse(html, status=status), request, learner)
    else:
        response = embed_response(request, "playlists/embed/workspace/refusal_page.html", context, learner=learner, status=status)
    if status == 429:
        response["Retry-After"] = str(retry_after or RATE_WINDOW_SECONDS)
    return response


def retry_later(response: HttpResponse) -> HttpResponse:
    """A 503 because the judge was full or failed: the learner's work is kept, and this says when to retry."""
    response["Retry-After"] = str(settings.JUDGE_BUSY_RETRY_AFTER_SECONDS)
    return response


@contextmanager
def judging(request: HtmxHttpRequest, learner: Learner) -> Iterator[None]:
    """Admission to the judge for a learner's post: one attempt in flight per learner and per address
    (codecapsule/admission.py; InFlight otherwise)."""
    with learner_attempt(learner=learner.key if learner.known else None, address=client_address(request)):
        yield


def in_flight_refusal(request: HtmxHttpRequest, learner: Learner, error: InFlight) -> HttpResponse:
    return refusal(request, error.message, 429, learner=learner, retry_after=error.retry_after)


def refuse_post(request: HtmxHttpRequest, *, scope: str, per_learner: int, per_address: int) -> HttpResponse | None:
    """The checks every workspace post passes before any work: it comes from our own frame, and this learner
    and this address are under `scope`'s limits per minute. None when the post may go on."""
    if not same_origin(request):
        return refusal(request, "Only the embedded exercise itself may post here.", 403)
    learner = learner_of(request)
    if over_rate_limit(request, learner, scope=scope, per_learner=per_learner, per_address=per_address):
        return refusal(
            request, "That was a lot of attempts in a minute — wait a moment, then try again. Your code is kept.", 429, learner=learner
        )
    return None


def wants_json(request: HtmxHttpRequest) -> bool:
    return not request.htmx and "application/json" in request.headers.get("Accept", "")


# --- Completion --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """A learner's passing submit, and what the UI and the host page learn from it."""

    step: int  # the step's position (1 for a capsule on its own)
    total: int  # the course's steps (1 for a capsule on its own)
    saved: bool  # the learner's progress holds it (not for the creator's preview, a post without a key, a capsule alone)
    course_complete: bool  # every step of the course is complete now
    newly_completed_course: bool  # … and this submit made it so: the host hears `completed` once
    progress: LearnerProgress | None = None

    def trigger(self) -> dict[str, dict[str, int]]:
        """The HX-Trigger events; embed-frame.js forwards each to the host as the message of the same name."""
        events = {"codecapsule:step-completed": {"step": self.step}}
        if self.newly_completed_course:
            events["codecapsule:completed"] = {"total": self.total}
        return events

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.step, "total": self.total, "saved": self.saved,
            "course_complete": self.course_complete, "newly_completed_course": self.newly_completed_course,
        }  # fmt: skip


def record_completion(request: HtmxHttpRequest, *, playlist: Playlist, step: EmbedStep, learner: Learner) -> Completion:
    """Step `step` passed (CODE and DATABASE: every test or the query matches; TERMINAL: every task): mark it
    in the learner's progress, once.

    The creator previewing their own course is not a learner (their attempts would skew the analytics they
    read), and a learner whose key we have never seen (a post without cookie or X-Learner-Key) has no
    progress to keep: both are told the step passed, and nothing is written.
    """
    is_creator = request.user.is_authenticated and request.user.pk == playlist.creator_id
    if is_creator or not learner.known:
        progress = learner_progress(playlist, learner.key) if learner.known else None
        completed = completed_item_ids(progress) | {str(step.current.item_id)}
        return Completion(
            step=step.position, total=step.total, saved=False,
            course_complete=course_complete(step.steps, completed), newly_completed_course=False, progress=progress,
        )  # fmt: skip
    progress, newly_completed_course = progress_record_step_completed(
        playlist=playlist, learner_key=learner.key, step=step.position, item_id=step.current.item_id,
        all_item_ids=[summary.item_id for summary in step.steps],
    )  # fmt: skip
    return Completion(
        step=step.position, total=step.total, saved=True,
        course_complete=course_complete(step.steps, completed_item_ids(progress)),
        newly_completed_course=newly_completed_course, progress=progress,
    )  # fmt: skip


def capsule_completion() -> Completion:
    """A capsule embedded on its own has no course progress, but its host still hears `step-completed`."""
    return Completion(step=1, total=1, saved=False, course_complete=False, newly_completed_course=False)


def complete_target(request: HtmxHttpRequest, target: WorkspaceTarget) -> Completion:
    """record_completion for a course step, capsule_completion for a capsule alone."""
    if target.step is None:
        return capsule_completion()
    return record_completion(request, playlist=target.step.playlist, step=target.step, learner=target.learner)


# --- Answering -----------------------------------------------------------------------------------------------------


def workspace_response(
    request: HtmxHttpRequest,
    target: WorkspaceTarget,
    *,
    results_template: str,
    context: dict[str, Any],
    json_body: dict[str, Any],
    status_message: str,
    completion: Completion | None = None,
    status: int = 200,
) -> HttpResponse:
    """Answer a workspace post (see the module docstring for the three shapes).

    `results_template` renders the results panel from `context`; `status_message` is the sentence the live
    region announces; `completion` is set when the post completed the step (complete_target).
    """
    if wants_json(request):
        body = json_body | {"completion": completion.as_json() if completion else None}
        return embed_private(JsonResponse(body, status=status), request, target.learner)
    context = {**context, "results_template": results_template, "status_message": status_message, "completion": completion}
    if request.htmx:
        return _fragment_response(request, target, context, completion=completion, status=status)
    return _page_response(request, target, context, completion=completion, status=status)


def _fragment_response(
    request: HtmxHttpRequest, target: WorkspaceTarget, context: dict[str, Any], *, completion: Completion | None, status: int
) -> HttpResponse:
    parts = [
        render_to_string(context["results_template"], context, request=request),
        render_to_string(STATUS_TEMPLATE, context, request=request),
    ]
    if completion is not None and target.step is not None:
        course = course_context(target.step, target.options, completion.progress)
        parts.append(render_to_string(OOB_TEMPLATE, {**context, **course}, request=request))
    response = HttpResponse("".join(parts), status=status)
    if completion is not None:
        response["HX-Trigger"] = json.dumps(completion.trigger())
    return embed_private(response, request, target.learner)


def _page_response(
    request: HtmxHttpRequest, target: WorkspaceTarget, context: dict[str, Any], *, completion: Completion | None, status: int
) -> HttpResponse:
    """The whole embed page, as GET renders it, with the results in the workspace (no JavaScript)."""
    page = {**capsule_context(target.capsule, target.location), **context}
    if target.step is None:
        return embed_response(
            request, "playlists/embed/capsule.html", {**page, "options": target.options}, learner=target.learner, status=status
        )
    if completion is not None:
        progress = completion.progress
    else:
        progress = learner_progress(target.step.playlist, target.learner.key) if target.learner.known else None
    page.update(course_context(target.step, target.options, progress))
    return embed_response(request, "playlists/embed/playlist.html", page, learner=target.learner, status=status)


def too_large(code: str) -> str | None:
    """The learner-facing sentence when `code` exceeds JUDGE_MAX_CODE_BYTES (the API's cap), else None."""
    limit = settings.JUDGE_MAX_CODE_BYTES
    size = len(code.encode())
    if size <= limit:
        return None
    return f"Your code is {size:,} bytes; the limit is {limit:,} bytes. Shorten it and try again — nothing was sent to the judge."


# --- Run and Submit (CODE and DATABASE) ------------------------------------------------------------------------------

GRADED_TYPES = (CapsuleType.CODE, CapsuleType.DATABASE)
RESULT_TEMPLATES: dict[str, str] = {  # by Capsule.capsule_type
    CapsuleType.CODE: f"{RESULTS}#code",
    CapsuleType.DATABASE: f"{RESULTS}#database",
}
UNAVAILABLE_TEMPLATE = f"{RESULTS}#unavailable"
UNAVAILABLE_MESSAGE = "Grading is unavailable right now — your code is kept; Retry"
# A form-encoded body: percent-encoding makes each byte of code up to three characters, plus the other fields.
FORM_OVERHEAD_BYTES = 4096


def declared_body_over(request: HtmxHttpRequest, limit: int) -> bool:
    """Whether the body's declared length is over `limit` (or unreadable): refused before Django parses the
    body, whose own cap would answer a bare 400."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > limit


def _declared_too_large(request: HtmxHttpRequest) -> bool:
    # A form-encoded byte of code is up to three characters.
    return declared_body_over(request, 3 * settings.JUDGE_MAX_CODE_BYTES + FORM_OVERHEAD_BYTES)


def _code_of(request: HtmxHttpRequest) -> str:
    # Browsers send a textarea's line breaks as CRLF; the judge and the learner's localStorage copy use LF.
    return request.POST.get("code", "").replace("\r\n", "\n")


def _limits(mode: Mode) -> dict[str, Any]:
    per_learner = settings.EMBED_RUNS_PER_MINUTE if mode == "run" else settings.EMBED_SUBMITS_PER_MINUTE
    return {"scope": f"embed-{mode}", "per_learner": per_learner, "per_address": settings.EMBED_GRADING_PER_MINUTE_PER_ADDRESS}


def _grading_post(request: HtmxHttpRequest, mode: Mode, **where: Any) -> HttpResponse:
    """Run or Submit the learner's code for the capsule `where` names (a course step or a capsule alone).

    1. Refusals, cheapest first: another origin (403), over the rate limit (429), a body over the cap (400),
       no such step or capsule for this request (404), a course that changed under the page (409), a
       TERMINAL capsule (it has a workspace of its own: 404).
    2. The judge, in `mode`, if this learner and this address have no other attempt in flight (else 429 with
       Retry-After); a full judge (no slot within JUDGE_LEARNER_SLOT_WAIT_SECONDS), a broken sandbox or a
       timeout answers 503 with Retry-After and a Retry button (the code stays put).
    3. A passing submit completes the step (complete_target); the answer carries the results.
    """
    refused = refuse_post(request, **_limits(mode))
    if refused is not None:
        return refused
    if _declared_too_large(request):
        return refusal(request, f"Your code is over the limit of {settings.JUDGE_MAX_CODE_BYTES:,} bytes. Shorten it and try again.", 400)
    code = _code_of(request)
    message = too_large(code)
    if message:
        return refusal(request, message, 400)
    try:
        target = resolve_target(request, **where)
    except Http404:
        return refusal(request, f"{NOT_FOUND_MESSAGE}.", 404)
    if request.POST.get("capsule") not in (None, str(target.capsule.pk)):
        return refusal(
            request, "This course changed since the page was loaded. Reload it to go on — your code is kept in this browser.", 409
        )
    if target.capsule.capsule_type not in GRADED_TYPES:
        return refusal(request, "This exercise is solved in its terminal, not with Run and Submit.", 404)
    context = {"mode": mode, "code": code, "retry_url": target.location.url(mode), "ran_on": _ran_on(target.capsule, mode)}
    try:
        with judging(request, target.learner):
            result = grade_attempt(capsule=target.capsule, code=code, mode=mode)
    except InFlight as error:
        return in_flight_refusal(request, target.learner, error)
    except (SandboxError, TimeoutError):
        # The learner's code never leaves the page (and localStorage): a Retry posts it again.
        return retry_later(
            workspace_response(
                request, target, results_template=UNAVAILABLE_TEMPLATE, context=context, status=503,
                json_body={"error": UNAVAILABLE_MESSAGE}, status_message=UNAVAILABLE_MESSAGE,
            )
        )  # fmt: skip
    completion = complete_target(request, target) if mode == "submit" and result.passed else None
    return workspace_response(
        request, target, results_template=RESULT_TEMPLATES[target.capsule.capsule_type],
        context={**context, **result_context(result), "summary_message": result.message},
        json_body=result.model_dump(mode="json", exclude_none=True) | {"score": result.score},
        status_message=_status_message(result, completion), completion=completion,
    )  # fmt: skip


def _ran_on(capsule: Capsule, mode: Mode) -> str:
    """Which judge ran a Run, said where a learner could expect their browser to (workspace.js writes the browser's)."""
    if mode == "run" and browser_engine_of(capsule) is not None:
        return "Ran on the server: your browser could not run it here."
    return ""


def _status_message(result: AttemptResult, completion: Completion | None) -> str:
    """What the live region announces: the result's sentence, and what it completed."""
    if completion is None:
        return result.message
    if completion.course_complete:
        return f"{result.message} Course complete!"
    return f"{result.message} Step {completion.step} complete." if completion.total > 1 else f"{result.message} Exercise complete."


# --- Presenting a result -------------------------------------------------------------------------------------------

# Whitespace made visible in expected and actual output: a trailing space or a missing line end is the
# commonest "but it looks the same" failure. The raw text goes beside it for screen readers.
_WHITESPACE_MARKS = {" ": "·", "\t": "→", "\r": "␍", "\n": "↵"}


def show_whitespace(text: str) -> SafeString:
    """`text` escaped, each space, tab, carriage return and line end replaced by a dimmed mark (line ends keep
    their break)."""
    parts: list[str] = []
    for char in text:
        mark = _WHITESPACE_MARKS.get(char)
        if mark is None:
            parts.append(escape(char))
        else:
            parts.append(f'<span class="ws-mark">{mark}</span>' + ("\n" if char == "\n" else ""))
    return mark_safe("".join(parts))  # noqa: S308 — every character was escaped above or is one of our marks


@dataclass(frozen=True)
class ShownTest:
    number: int  # 1-based, among all of the capsule's tests
    is_hidden: bool
    passed: bool
    verdict: str  # the code ("WA"): a data attribute for scripts and styles; learners read verdict_label
    verdict_label: str
    failure_message: str = ""  # the author's hint; grading sets it only for a test that failed
    description: str = ""
    call: str = ""
    expected: str = ""
    actual: str = ""
    expected_shown: SafeString | str = ""
    actual_shown: SafeString | str = ""
    stderr: str = ""
    message: str = ""


def _shown_test(test: GradedTest) -> ShownTest:
    shown = ShownTest(
        number=test.index + 1, is_hidden=test.is_hidden, passed=test.passed, verdict=test.verdict,
        verdict_label=test.verdict_label or verdict_label(test.verdict), failure_message=test.failure_message or "",
    )  # fmt: skip
    if test.is_hidden:
        return shown
    expected, actual = test.expected or "", test.actual or ""
    return replace(
        shown, description=test.description or "", call=test.call or "", expected=expected, actual=actual,
        expected_shown=show_whitespace(expected), actual_shown=show_whitespace(actual),
        stderr=test.stderr or "", message=test.message or "",
    )  # fmt: skip


@dataclass(frozen=True)
class Cell:
    text: str
    is_null: bool


def _cells(rows: list[list[Any]]) -> list[list[Cell]]:
    # NULL is not the empty string (judges/sql_compare.py): the grid says which is which.
    return [[Cell(text="NULL" if value is None else str(value), is_null=value is None) for value in row] for row in rows]


def result_context(result: AttemptResult) -> dict[str, Any]:
    """What the results templates show of an AttemptResult (already learner-safe: judges/grading.py)."""
    context: dict[str, Any] = {"result": result, "passed": result.passed if result.graded else None}
    if result.mode == "run" and result.capsule_type == CapsuleType.DATABASE:
        context["passed"] = None  # a run has no verdict, even when the query ran
    tests = [_shown_test(test) for test in result.tests]
    context.update(tests=tests, passed_count=sum(test.passed for test in tests))
    if result.score is not None:
        context["score_percent"] = round(100 * result.score)
    if result.result is not None:
        context["grid"] = _cells(result.result.rows)
    if result.difference:
        context["extra_examples"] = _cells(result.difference.get("extra_examples", []))
    return context


# --- The views -----------------------------------------------------------------------------------------------------


@csrf_exempt  # see the module docstring: Origin check, learner key, caps and rate limits instead
@require_POST
def grade(
    request: HtmxHttpRequest, mode: Mode, playlist_id: UUID | None = None, step: int | None = None, capsule_id: UUID | None = None
) -> HttpResponse:
    """Run or Submit (form field `code`) for a course step, `POST /embed/playlist/<id>/steps/<step>/run|submit`,
    or a capsule on its own, `POST /embed/capsule/<id>/run|submit`; `mode` comes from the URL pattern.

    Run shows the visible tests or the query's grid; a passing Submit completes the step (a capsule on its own
    tells the host `step-completed`, with no course progress)."""
    return _grading_post(request, mode, playlist_id=playlist_id, step=step, capsule_id=capsule_id)


SEED_CACHE_SECONDS = 3600


@require_GET
def browser_seed(
    request: HtmxHttpRequest, playlist_id: UUID | None = None, step: int | None = None, capsule_id: UUID | None = None
) -> HttpResponse:
    """The visible seed SQL of a DATABASE capsule whose Run happens in the learner's browser (a browser tier, on
    SQLite): `GET /embed/playlist/<id>/steps/<step>/seed` or `/embed/capsule/<id>/seed`, fetched by workspace.js on
    the first Run. Access is the workspace's. Only the visible seed: the hidden dataset never leaves the server,
    and a capsule of any other tier is a 404 (its Run is the server's). Cached by the browser for the seed file's
    name, which changes with its content."""
    try:
        target = resolve_target(request, playlist_id=playlist_id, step=step, capsule_id=capsule_id)
    except Http404:
        return HttpResponse(f"{NOT_FOUND_MESSAGE}.", status=404, content_type="text/plain; charset=utf-8")
    capsule = target.capsule
    url = capsule.config_data.get("seed_sql_url") or ""
    if browser_engine_of(capsule) is None or capsule.capsule_type != CapsuleType.DATABASE or not url:
        return HttpResponse("This exercise runs on the server.", status=404, content_type="text/plain; charset=utf-8")
    etag = f'"{hashlib.sha256(url.encode()).hexdigest()[:32]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        # Kept in the cache: every learner's first Run asks, and the file (S3 in production) is the same for all.
        seed = cache.get(f"embed-seed:{etag}")
        if seed is None:
            try:
                seed = seed_sql_read(url=url)
            except SeedSqlMissing:
                return HttpResponse("The exercise's data is missing.", status=404, content_type="text/plain; charset=utf-8")
            cache.set(f"embed-seed:{etag}", seed, SEED_CACHE_SECONDS)
        response = HttpResponse(seed, content_type="application/sql; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=3600"
    return response
