"""`GET /api/feedback/insights?days=7|30|90`: what creators' corrections say.

Staff get everyone's edits (`scope: "all"`, from the stored snapshot when it is fresh, with the LLM summary
when a provider is configured); anyone else their own edits (`scope: "mine"`, computed on request). The rules
are feedback.insights.store's; the numbers are feedback.insights.analysis's.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from codecapsule.errors import ValidationFailed, error_responses
from codecapsule.http import AuthenticatedRequest
from feedback.insights.analysis import DEFAULT_DAYS, PERIODS
from feedback.insights.store import insights_for

# --- Output (documentation of feedback.insights.analysis.feedback_insights) -------------------------------


class ShareSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The value counted, e.g. `expected_output_fix`, `python`, `coder`.")
    label = serializers.CharField(help_text="For people.")  # type: ignore[assignment]  # a declared field, not Field.label
    count = serializers.IntegerField()
    percent = serializers.FloatField(help_text="Share of the table's total, 0-100, one decimal.")


class WeekSerializer(serializers.Serializer):
    week = serializers.CharField(help_text="ISO week, e.g. `2025-W07`.")
    week_start = serializers.DateField(help_text="Its Monday.")
    total = serializers.IntegerField()
    by_type = serializers.DictField(child=serializers.IntegerField(), help_text="Edit type → edits (types with none left out).")


class FailureCategoriesSerializer(serializers.Serializer):
    judge_reports = ShareSerializer(many=True, help_text="Capsules updated in the period whose judge report did not pass.")
    failed_jobs = ShareSerializer(many=True, help_text="Generation jobs of the period that failed, by error category.")
    heal_reports = ShareSerializer(
        many=True, help_text="Failing judge reports inside generation jobs: what the Debugger was asked to heal."
    )


class SuggestionSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="The rule that fired, e.g. `expected_outputs`, `debugger_rewrites`, `judge_wrong_output`.")
    agent = serializers.CharField(help_text="Whose prompt to change: `pedagogist`, `coder` or `debugger`.")
    count = serializers.IntegerField(help_text="Edits (or failures) behind the pattern.")
    percent = serializers.FloatField()
    text = serializers.CharField(help_text="The suggestion as a sentence.")
    prompt_addition = serializers.CharField(help_text="The instruction to add to the agent's prompt.")


class LLMSummarySerializer(serializers.Serializer):
    text = serializers.CharField()
    prompt_changes = serializers.ListField(child=serializers.CharField())
    model = serializers.CharField()
    days = serializers.IntegerField(help_text="The period the model was shown.")
    generated_at = serializers.DateTimeField()


class InsightsSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["all", "mine"], help_text="`all` for staff, `mine` for a creator's own edits.")
    days = serializers.IntegerField()
    since = serializers.DateTimeField()
    generated_at = serializers.DateTimeField(help_text="When these numbers were computed.")
    total_edits = serializers.IntegerField(
        help_text="Net corrections: fields whose latest validated value differs from what the AI wrote (an edit "
        "undone later does not count, a field changed twice counts once)."
    )
    by_edit_type = ShareSerializer(many=True)
    by_field = ShareSerializer(many=True, help_text="Field paths with list indexes as `[*]`.")
    by_capsule_type = ShareSerializer(many=True)
    by_language = ShareSerializer(many=True)
    by_agent = ShareSerializer(many=True, help_text="The agent that wrote the corrected value; `unattributed` when unknown.")
    weekly_trend = WeekSerializer(many=True, help_text="The last 12 ISO weeks, oldest first, whatever `days` is.")
    failure_categories = FailureCategoriesSerializer()
    suggestions = SuggestionSerializer(many=True, help_text="Rule-based prompt improvements, the strongest first.")
    llm_summary = LLMSummarySerializer(
        allow_null=True, help_text="Staff only, when an LLM provider is configured and the analysis has run; else null."
    )


# --- View -------------------------------------------------------------------------------------------------


def _days(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_DAYS
    allowed = ", ".join(str(period) for period in PERIODS)
    try:
        days = int(value)
    except ValueError:
        raise ValidationFailed.for_fields({"days": f"must be one of {allowed}"}, subject="The query") from None
    if days not in PERIODS:
        raise ValidationFailed.for_fields({"days": f"must be one of {allowed}"}, subject="The query")
    return days


class InsightsView(APIView):
    """`GET /api/feedback/insights`: patterns in creators' corrections and suggested prompt changes."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="feedback_insights_retrieve",
        summary="Feedback insights",
        description=(
            "Frequencies of creators' net corrections (the generation job's output against the capsule's latest "
            "validated state) by type, field, capsule type, language and agent over the period; the "
            "weekly trend; the judge's top failure categories; and suggested prompt improvements. Staff see "
            "everyone's (`scope: all`), anyone else those of their own capsules (`scope: mine`)."
        ),
        parameters=[
            OpenApiParameter(
                "days",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                enum=list(PERIODS),
                description=f"The period in days (default {DEFAULT_DAYS}).",
            )
        ],
        responses={
            200: OpenApiResponse(InsightsSerializer, description="The insights."),
            **error_responses(400, 401, descriptions={400: "`days` is not one of 7, 30, 90 (fields: `days`)."}),
        },
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        days = _days(request.query_params.get("days"))
        return Response(insights_for(user=request.user, days=days))
