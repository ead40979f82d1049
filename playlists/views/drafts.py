"""The learner's code drafts, kept on the server: `POST …/steps/<n>/draft` (a course step) and
`POST /embed/capsule/<id>/draft` (a capsule on its own), body `{"code": "…"}` → `{"saved": true, "draft": bool}`.

workspace.js posts the editor's code a moment after the learner stops typing and before every Run and Submit;
the state endpoint (views/embed.py) hands it back, and workspace.js puts it in an editor that still holds the
starting code. localStorage is only a fast local copy: a third-party iframe often refuses it (and cookies without
CHIPS), while the partitioned learner cookie names the learner across reloads.

Access is the embed page's: a step of a course the request may embed (public, its token, or its owner), or a
capsule the request may read; anything else is a 404 that never says whether a private course exists. A draft is
stored only under a learner key this server signed (the X-Learner-Key header or the learner cookie).

CSRF: exempt, for the reason given at views/embed.py's events view (browsers withhold our SameSite=Lax CSRF cookie
inside a third-party iframe). A post writes nothing but the draft of the learner key it names itself; a forged
cross-site post is refused by the Origin check, the body is capped and the endpoint rate-limited.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from capsules.models import Capsule, CapsuleType
from capsules.selectors import get_capsule_for_reader
from codecapsule import jsonparse
from codecapsule.http import HtmxHttpRequest
from codecapsule.net import client_address
from playlists.selectors import embed_step, get_playlist_for_embed
from playlists.services import draft_save
from playlists.views._embed_cache import keep_private
from playlists.views._embed_common import LEARNER_KEY_HEADER, RATE_WINDOW_SECONDS, learner_of, over_rate_limit, same_origin
from playlists.views.workspace import NOT_FOUND_MESSAGE, declared_body_over

# The capsule types whose workspace is an editor; a TERMINAL step keeps its work in its sandboxed directory.
DRAFTED_TYPES = frozenset({CapsuleType.CODE, CapsuleType.DATABASE})
# workspace.js saves at most about once a second while the learner types (it waits for a pause).
DRAFT_SAVES_PER_MINUTE = 60
DRAFT_SAVES_PER_MINUTE_PER_ADDRESS = 600
# JSON.stringify writes a control character as \u00XX: a body may be up to six times its code, plus the braces.
BODY_EXPANSION = 6
BODY_OVERHEAD_BYTES = 1024


def _error(message: str, status: int) -> JsonResponse:
    return keep_private(JsonResponse({"error": message}, status=status))


def _body_limit() -> int:
    return BODY_EXPANSION * settings.JUDGE_MAX_CODE_BYTES + BODY_OVERHEAD_BYTES


def _body_too_large(request: HtmxHttpRequest) -> bool:
    """Refuse by the declared length before reading; a body without one (chunked) is measured once read."""
    return declared_body_over(request, _body_limit()) or len(request.body) > _body_limit()


def _code_of(request: HtmxHttpRequest) -> str:
    """The `code` of the JSON body; ValueError with the sentence to answer otherwise."""
    try:
        body = jsonparse.loads(request.body)
    except jsonparse.JSONInputError as exc:
        raise ValueError(f'The body must be JSON, {{"code": "…"}}: {exc}.') from None
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str):
        raise ValueError('The body must be a JSON object with a string "code".')
    size = len(code.encode())
    if size > settings.JUDGE_MAX_CODE_BYTES:
        raise ValueError(f"The code is {size:,} bytes; the limit is {settings.JUDGE_MAX_CODE_BYTES:,} bytes.")
    return code.replace("\r\n", "\n")  # as the workspace's posts: the editor and the judge use LF


def _step_capsule(request: HtmxHttpRequest, playlist_id: UUID, position: int) -> Capsule:
    playlist = get_playlist_for_embed(playlist_id, token=request.GET.get("token") or None, user=request.user)
    return embed_step(playlist, position).capsule


def _save(request: HtmxHttpRequest, find_capsule: Callable[[], Capsule]) -> JsonResponse:
    if not same_origin(request):
        return _error("Drafts are only accepted from the embed itself.", 403)
    if _body_too_large(request):
        return _error(f"The body may not exceed {_body_limit():,} bytes.", 413)
    learner = learner_of(request)
    if not learner.known:
        return _error(f"A learner key is required (the {LEARNER_KEY_HEADER} header or the learner cookie).", 400)
    if over_rate_limit(
        request, learner, scope="embed-drafts", per_learner=DRAFT_SAVES_PER_MINUTE, per_address=DRAFT_SAVES_PER_MINUTE_PER_ADDRESS
    ):
        response = _error("Too many saves; slow down.", 429)
        response["Retry-After"] = str(RATE_WINDOW_SECONDS)
        return response
    try:
        code = _code_of(request)
    except ValueError as exc:
        return _error(str(exc), 400)
    try:
        capsule = find_capsule()
    except Http404:
        return _error(NOT_FOUND_MESSAGE, 404)
    if capsule.capsule_type not in DRAFTED_TYPES:
        return _error("Only CODE and DATABASE steps keep a draft.", 400)
    draft = draft_save(learner_key=learner.key, capsule=capsule, code=code, address=client_address(request))
    response = keep_private(JsonResponse({"saved": True, "draft": draft is not None}))
    if request.headers.get(LEARNER_KEY_HEADER) != learner.token:
        response[LEARNER_KEY_HEADER] = learner.token  # a key from before signing, signed now: embed-frame.js keeps it
    return response


@csrf_exempt
@require_POST
def save_draft(
    request: HtmxHttpRequest, playlist_id: UUID | None = None, step: int | None = None, capsule_id: UUID | None = None
) -> JsonResponse:
    """`POST …/steps/<step>/draft` (a course step) or `POST /embed/capsule/<id>/draft` (a capsule on its own)."""
    if capsule_id is not None:
        return _save(request, lambda: get_capsule_for_reader(request.user, capsule_id))
    assert playlist_id is not None and step is not None  # the course step's route passes both
    return _save(request, lambda: _step_capsule(request, playlist_id, step))
