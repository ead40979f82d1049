"""The learner's workspace inside an embed (issue #6): the endpoints a step's workspace posts to, and the
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

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from capsules.models import Capsule
from capsules.selectors import get_capsule_for_reader
from codecapsule.views import HtmxHttpRequest
from playlists.models import LearnerProgress, Playlist
from playlists.selectors import EmbedStep, embed_step, get_playlist_for_embed, learner_progress
from playlists.services import progress_record_step_completed
from playlists.views._embed_common import (
    RATE_WINDOW_SECONDS,
    EmbedOptions,
    Learner,
    WorkspaceLocation,
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
STATUS_TEMPLATE = "playlists/embed/workspace/_status.html"
OOB_TEMPLATE = "playlists/embed/workspace/_completion_oob.html"


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


def refusal(request: HtmxHttpRequest, message: str, status: int, *, learner: Learner | None = None) -> HttpResponse:
    """A post we do not serve, answered in the client's language: a sentence for the results panel (htmx;
    workspace.js lets error fragments through), `{"error": …}` for JSON, a small page of its own for a
    plain form post."""
    learner = learner or learner_of(request)
    context = {"message": message, "status": status, "options": EmbedOptions.from_query(request.GET)}
    if wants_json(request):
        response: HttpResponse = embed_private(JsonResponse({"error": message}, status=status), request, learner)
    elif request.htmx:
        html = render_to_string("playlists/embed/workspace/_refusal.html", context, request=request)
        response = embed_private(HttpResponse(html, status=status), request, learner)
    else:
        response = embed_response(request, "playlists/embed/workspace/refusal_page.html", context, learner=learner, status=status)
    if status == 429:
        response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


def refuse_post(request: HtmxHttpRequest, *, scope: str, per_learner: int, per_address: int) -> HttpResponse | None:
    """The checks every workspace post passes before any work: it comes from our own frame, and this learner
    and this address are under `scope`'s limits per minute. None when the post may go on."""
    if not same_origin(request):
        return refusal(request, "Only the embedded exercise itself may post here.", 403)
    learner = learner_of(request)
    if over_rate_limit(request, learner.key, scope=scope, per_learner=per_learner, per_address=per_address):
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
