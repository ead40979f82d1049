"""Judge endpoints: re-validate a capsule (its owner) and grade a learner's attempt (anyone who may read it).

    POST /api/capsules/<id>/validate   → {"status": ..., "report": ValidationReport}
    POST /api/capsules/<id>/validate?dry_run=1, or with a capsule body
                                       → {"status", "dry_run": true, "would_be_status", "report"}; nothing saved
    POST /api/capsules/<id>/attempts   {"code": "..."} → AttemptResult (per-test verdicts in words; a failing hidden test:
                                       its verdict and the author's hint, never its call or output)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from capsules import services
from capsules.api import CapsuleInputSerializer, capsule_patch_merge
from capsules.models import Capsule
from capsules.schemas import CapsuleDraft
from capsules.selectors import capsule_base_dict, get_capsule_for_owner, get_capsule_for_reader
from capsules.services import capsule_validate
from codecapsule.admission import creator_judgement, learner_attempt
from codecapsule.env import FALSE_WORDS, TRUE_WORDS
from codecapsule.errors import ErrorCode, RetryLater, ValidationFailed, error_responses
from codecapsule.http import AuthenticatedRequest
from codecapsule.net import client_address
from judges.grading import AttemptResult, grade_attempt
from judges.sandbox import SandboxError


class JudgeUnavailable(RetryLater):
    code = ErrorCode.JUDGE_UNAVAILABLE
    http_status = status.HTTP_503_SERVICE_UNAVAILABLE


class AttemptInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        allow_blank=True, trim_whitespace=False,
        help_text="The learner's program (CODE), query (DATABASE) or shell commands (TERMINAL); at most JUDGE_MAX_CODE_BYTES.",
    )  # fmt: skip


def _attempt_code(data: Any) -> str:
    serializer = AttemptInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    code = serializer.validated_data["code"]
    limit = settings.JUDGE_MAX_CODE_BYTES
    size = len(code.encode())
    if size > limit:
        raise ValidationFailed.for_fields({"code": f"is {size} bytes; the limit is {limit} bytes"}, subject="The attempt")
    return code


class CapsuleAttemptView(APIView):
    """Grade a learner's attempt. Anonymous learners may grade capsules they can read (published and public)."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "attempts"

    @extend_schema(
        request=AttemptInputSerializer,
        responses={
            200: OpenApiResponse(
                inline_serializer(
                    "AttemptResult", {"score": serializers.FloatField(allow_null=True), "graded": serializers.BooleanField()}
                ),
                description="Per-test verdicts (hidden tests: verdict only), per-task results or the query result, and a score in [0, 1].",
            ),
            **error_responses(
                400, 404, 429, 503,
                descriptions={
                    429: "Throttled, or another attempt of this caller or address is still being graded "
                    "(attempt_in_flight); Retry-After says when to try again.",
                    503: "The judge is full or unavailable (judge_unavailable); nothing was graded. Retry-After says "
                    "when to try again.",
                },
            ),
        },
        summary="Grade an attempt",
    )
    def post(self, request: Request, capsule_id: str) -> Response:
        capsule = get_capsule_for_reader(request.user, capsule_id)
        code = _attempt_code(request.data)
        # One attempt in flight per caller (an account, else its address) and per address: InFlight is a 429 with
        # Retry-After (codecapsule/admission.py), as JudgeUnavailable is a 503 with one.
        caller = f"user:{request.user.pk}" if request.user.is_authenticated else None
        with learner_attempt(learner=caller, address=client_address(request)):
            try:
                result: AttemptResult = grade_attempt(capsule=capsule, code=code)
            except SandboxError as exc:
                raise JudgeUnavailable(f"Grading is unavailable right now: {exc}") from exc
        # Absent fields are left out (a hidden test has only its verdict), but the score is always there:
        # null says "not graded" (a compile error).
        return Response(result.model_dump(mode="json", exclude_none=True) | {"score": result.score})


def _dry_run_flag(value: str | None) -> bool:
    if value is None or value.lower() in FALSE_WORDS:
        return False
    if value.lower() in TRUE_WORDS:
        return True
    raise ValidationFailed.for_fields({"dry_run": "must be 1 or 0 (true or false)"})


def _has_body(data: Any) -> bool:
    """A request that carries a capsule (or anything that is not an empty object, which is then refused)."""
    return not (isinstance(data, Mapping) and not data)


def dry_run_draft(*, capsule: Capsule, body: Any) -> CapsuleDraft:
    """`capsule` with `body` merged on it as PATCH merges (None: the capsule as saved), checked as a save checks
    it: schema errors are ValidationFailed (400, field paths)."""
    current = capsule_base_dict(capsule)
    data = capsule_patch_merge(current, body) if body is not None else current
    return services.capsule_validate_for_save(data=data)


class CapsuleValidateView(APIView):
    """Run the quality gate on a capsule; its owner only.

    Without a body: the saved capsule is judged again and the report and status are saved. With `?dry_run=1`, or
    with a capsule body (merged onto the saved capsule as PATCH merges it: top-level keys replace, config_data as
    a whole, runtime_config key by key), the judgement is only returned: nothing is saved — no status change, no
    edit record, no stored report."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CapsuleInputSerializer,
        parameters=[
            OpenApiParameter(
                "dry_run", OpenApiTypes.BOOL, OpenApiParameter.QUERY, required=False,
                description="Judge without saving anything (implied by a request body).",
            ),  # fmt: skip
        ],
        responses={
            200: OpenApiResponse(
                inline_serializer(
                    "ValidationResult",
                    {
                        "status": serializers.CharField(),
                        "report": serializers.DictField(),
                        "dry_run": serializers.BooleanField(required=False),
                        "would_be_status": serializers.CharField(required=False),
                    },
                ),
                description="The capsule's status (new, or unchanged for a dry run, with the status a save would give "
                "it) and the judge's ValidationReport, every problem in `problems`.",
            ),
            **error_responses(400, 401, 403, 404, 429),
        },
        summary="Validate a capsule, or check a changed one without saving",
    )
    def post(self, request: AuthenticatedRequest, capsule_id: str) -> Response:
        capsule = get_capsule_for_owner(request.user, capsule_id)
        body = request.data if _has_body(request.data) else None
        dry_run = _dry_run_flag(request.query_params.get("dry_run")) or body is not None
        draft = dry_run_draft(capsule=capsule, body=body) if dry_run else None  # a bad body is refused before judging
        # A check costs a sandbox job like a save: the same admission control.
        with creator_judgement(user_id=request.user.pk, address=client_address(request)):
            if draft is None:
                report = capsule_validate(capsule=capsule, actor=request.user)
                return Response({"status": capsule.status, "report": report})
            would_be, report = services.capsule_check(draft=draft, existing=capsule)
        return Response({"status": capsule.status, "dry_run": True, "would_be_status": would_be, "report": report})
