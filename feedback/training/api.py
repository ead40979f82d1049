"""`GET /api/feedback/training-data`: the training set as OpenAI chat JSONL.

Staff get everyone's corrected capsules, a creator only their own (feedback.training.build has the rules). The body
is JSON Lines, one `{"messages": [system, user, assistant]}` per line, ready for `files.create(purpose=
"fine-tune")`; `?summary=1` answers the counts as JSON instead.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from codecapsule.env import TRUE_WORDS
from codecapsule.errors import error_responses
from codecapsule.http import AuthenticatedRequest
from feedback.training.build import training_set_build

JSONL_MEDIA_TYPE = "application/jsonl"
_OK_DESCRIPTION = "The examples as JSON Lines, one per line (none: an empty body); with `?summary=1`, the counts as JSON."


class ByCapsuleTypeSerializer(serializers.Serializer):
    CODE = serializers.IntegerField()
    DATABASE = serializers.IntegerField()
    TERMINAL = serializers.IntegerField()


class TrainingSummarySerializer(serializers.Serializer):
    examples = serializers.IntegerField(help_text="Lines the JSONL has.")
    capsules_considered = serializers.IntegerField(
        help_text="Capsules whose latest validated state differs from what the AI wrote (edits undone later do not count)."
    )
    skipped_moderated = serializers.IntegerField(help_text="Rejected or flagged by moderation.")
    skipped_not_validated = serializers.IntegerField(
        help_text="Their latest save did not pass the judge (a broken capsule is never training data)."
    )
    skipped_no_job = serializers.IntegerField(help_text="Not made by a generation job (written by hand or imported).")
    skipped_no_idea = serializers.IntegerField(help_text="Their job recorded no Pedagogist idea.")
    skipped_request_changed = serializers.IntegerField(help_text="Their type or language is no longer the job's.")
    skipped_not_passing = serializers.IntegerField(help_text="Failing the judge now.")
    duplicates = serializers.IntegerField(help_text="Examples identical to an earlier one, left out.")
    by_capsule_type = ByCapsuleTypeSerializer(help_text="Examples per capsule type.")


class TrainingDataView(APIView):
    """`GET /api/feedback/training-data`: the fine-tuning JSONL, or its summary."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="feedback_training_data",
        summary="Export training data (JSONL)",
        description=(
            "OpenAI chat fine-tuning examples from capsules creators corrected, one JSON object per line: "
            "`{\"messages\": [system, user, assistant]}`, where the system message is the Coder's role prompt, "
            "the user message the generation request with the Pedagogist's idea, and the assistant message the "
            "corrected capsule in the Coder's JSON answer shape. Only capsules that came from a generation job, "
            "whose latest validated state differs from the AI's output (an edit undone later is no correction), "
            "whose latest save is validated, and that pass the judge now; identical examples once. Staff export everyone's capsules, "
            "a creator only their own. Every edited capsule is judged (verdicts are cached while it is "
            "unchanged), so a large export can take a while. `?summary=1` returns the counts as JSON instead."
        ),
        parameters=[
            OpenApiParameter(
                "summary", OpenApiTypes.BOOL, required=False, description="`1`: the counts as JSON instead of the file."
            )
        ],
        responses={
            (200, JSONL_MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.STR,
                description=_OK_DESCRIPTION,
                examples=[
                    OpenApiExample(
                        "One example",
                        value='{"messages": [{"role": "system", "content": "You are the Coder of CodeCapsule. ..."}, '
                        '{"role": "user", "content": "Write the capsule for this exercise ..."}, '
                        '{"role": "assistant", "content": "{\\"title\\": \\"Find the largest number\\", ...}"}]}\n',
                    )
                ],
            ),
            (200, "application/json"): OpenApiResponse(TrainingSummarySerializer, description=_OK_DESCRIPTION),
            **error_responses(401),
        },
    )
    def get(self, request: AuthenticatedRequest) -> HttpResponse:
        training = training_set_build(user=request.user)
        if str(request.query_params.get("summary", "")).lower() in TRUE_WORDS:
            return Response(training.summary())
        response = HttpResponse(training.jsonl(), content_type=f"{JSONL_MEDIA_TYPE}; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="codecapsule-training-data.jsonl"'
        response["X-Training-Examples"] = str(len(training.examples))
        return response
