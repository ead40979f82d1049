"""Judge endpoints: re-validate a capsule (its owner) and grade a learner's attempt (anyone who may read it).

    POST /api/capsules/<id>/validate   → {"status": ..., "report": ValidationReport}
    POST /api/capsules/<id>/attempts   {"code": "..."} → AttemptResult (per-test verdicts; hidden: verdict only)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from capsules.selectors import get_capsule_for_owner, get_capsule_for_reader
from capsules.services import capsule_validate
from codecapsule.errors import RetryLater, ValidationFailed, error_responses
from codecapsule.net import client_address
from codecapsule.admission import creator_judgement, learner_attempt
from judges.grading import AttemptResult, grade_attempt
from judges.sandbox import SandboxError


class JudgeUnavailable(RetryLater):
    code = "judge_unavailable"
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
                inline_serializer("AttemptResult", {"score": serializers.FloatField(allow_null=True), "graded": serializers.BooleanField()}),
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


class CapsuleValidateView(APIView):
    """Run the quality gate on a saved capsule again; its owner only. The report and status are saved."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(
                inline_serializer("ValidationResult", {"status": serializers.CharField(), "report": serializers.DictField()}),
                description="The capsule's new status and the judge's ValidationReport.",
            ),
            **error_responses(401, 403, 404, 429),
        },
        summary="Validate a capsule",
    )
    def post(self, request: Request, capsule_id: str) -> Response:
        capsule = get_capsule_for_owner(request.user, capsule_id)
        with creator_judgement(user_id=request.user.pk, address=client_address(request)):
            report = capsule_validate(capsule=capsule, actor=request.user)
        return Response({"status": capsule.status, "report": report})
