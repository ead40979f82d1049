"""The feedback API.

    POST /api/feedback/edit   the seed's EditEvent: a client that tracks edits itself reports one

The body is the seed's EditEvent, `{capsuleId, fieldPath, originalValue, correctedValue, editType?, timestamp?}`;
the same keys in snake_case (`capsule_id`, `field_path`, ...) are accepted too, and errors name the keys the
way the client spelled them. A `creatorId` in the body is ignored: the edit is the authenticated caller's.
Access follows `get_capsule_for_owner` (404 for a capsule the caller cannot read, 403 for one they can read but
do not own); the rules of the edit itself are feedback.edits.capture.creator_edit_report's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from capsules.languages import language_choices
from capsules.models import CapsuleType
from capsules.selectors import get_capsule_for_owner
from codecapsule.errors import ValidationFailed, error_responses
from codecapsule.http import AuthenticatedRequest
from feedback.edits.capture import creator_edit_report
from feedback.models import CreatorEdit, EditSource, EditType

# The seed's camelCase keys and their snake_case spellings.
_SNAKE_CASE = {
    "capsuleId": "capsule_id",
    "fieldPath": "field_path",
    "originalValue": "original_value",
    "correctedValue": "corrected_value",
    "editType": "edit_type",
    "timestamp": "timestamp",
}
_CAMEL_CASE = {snake: camel for camel, snake in _SNAKE_CASE.items()}


# --- Input ----------------------------------------------------------------------------------------------


class EditEventSerializer(serializers.Serializer):
    """The seed's EditEvent. snake_case keys (capsule_id, field_path, ...) are accepted as well."""

    capsuleId = serializers.UUIDField(help_text="One of your capsules. (Also accepted as `capsule_id`.)")
    fieldPath = serializers.CharField(
        max_length=255, help_text="What was edited, e.g. `config_data.test_cases[2].expected_output`. (`field_path`)"
    )
    originalValue = serializers.JSONField(
        allow_null=True, help_text="The value before the edit, any JSON; null when something was added. (`original_value`)"
    )
    correctedValue = serializers.JSONField(
        allow_null=True, help_text="The value after the edit, any JSON; null when something was removed. (`corrected_value`)"
    )
    editType = serializers.ChoiceField(
        choices=EditType.choices,
        required=False,
        allow_null=True,
        help_text="Inferred from the path and values when absent. (`edit_type`)",
    )
    timestamp = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When the edit happened, ISO 8601; kept as `reported_at`."
    )


def _camel_case_body(data: Any) -> tuple[dict[str, Any], bool]:
    """The body with camelCase keys, and whether the client wrote snake_case (so that errors answer in kind).

    A key given in both spellings is an error: which one the client meant cannot be known.
    """
    if not isinstance(data, Mapping):
        raise ValidationFailed.for_fields({"__all__": "expected a JSON object"}, subject="The edit")
    body = dict(data)
    twice = {
        camel: f"is given twice, as {camel} and {snake}"
        for camel, snake in _SNAKE_CASE.items()
        if camel != snake and camel in body and snake in body
    }
    if twice:
        raise ValidationFailed.for_fields(twice, subject="The edit")
    snake_case = any(snake in body for camel, snake in _SNAKE_CASE.items() if camel != snake)
    for camel, snake in _SNAKE_CASE.items():
        if snake in body:
            body[camel] = body.pop(snake)
    return body, snake_case


def _spelled(fields: Mapping[str, str], *, snake_case: bool) -> dict[str, str]:
    """Error paths in the client's spelling (the service names fields in snake_case, the serializer in camelCase)."""
    if snake_case:
        return {_SNAKE_CASE.get(path, path): message for path, message in fields.items()}
    return {_CAMEL_CASE.get(path, path): message for path, message in fields.items()}


def _serializer_errors(errors: Mapping[str, Any]) -> dict[str, str]:
    return {path: " ".join(str(message) for message in messages) for path, messages in errors.items()}


# --- Output ---------------------------------------------------------------------------------------------


class CreatorEditSerializer(serializers.Serializer):
    """One recorded edit."""

    id = serializers.UUIDField(read_only=True)
    capsule_id = serializers.UUIDField(read_only=True)
    creator_id = serializers.CharField(read_only=True, allow_null=True, help_text="Who made the edit.")
    field_path = serializers.CharField(read_only=True)
    original_value = serializers.JSONField(read_only=True, allow_null=True)
    corrected_value = serializers.JSONField(read_only=True, allow_null=True)
    edit_type = serializers.ChoiceField(choices=EditType.choices, read_only=True)
    # DRF's serializer metaclass takes declared fields out of the class: this does not shadow Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=EditSource.choices, read_only=True, help_text="How the edit reached us; `client` for this endpoint."
    )
    generation_job_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="The generation job the capsule came from, if any."
    )
    agent = serializers.CharField(
        read_only=True, allow_null=True, help_text="`coder` or `debugger`: the agent that wrote the original value, when known."
    )
    capsule_type = serializers.ChoiceField(choices=CapsuleType.choices, read_only=True)
    language = serializers.ChoiceField(choices=language_choices(), read_only=True)
    reported_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="The client's timestamp.")
    created_at = serializers.DateTimeField(read_only=True, help_text="When it was recorded.")

    def to_representation(self, instance: CreatorEdit) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["creator_id"] = str(instance.creator_id) if instance.creator_id is not None else None
        return data


class EditRecordedSerializer(serializers.Serializer):
    recorded = serializers.BooleanField(read_only=True, help_text="Always true here.")
    edit = CreatorEditSerializer(read_only=True)


class EditDuplicateSerializer(serializers.Serializer):
    recorded = serializers.BooleanField(read_only=True, help_text="Always false here.")
    duplicate = serializers.BooleanField(read_only=True, help_text="Always true here.")


# --- View -----------------------------------------------------------------------------------------------


class EditEventView(APIView):
    """`POST /api/feedback/edit`: record one edit a client tracked itself."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="feedback_edit_create",
        summary="Report a creator edit",
        description=(
            "The seed's EditEvent for clients that track edits themselves (edits saved through the capsule API, "
            "the dashboard or the admin are captured without it). Only for your own capsules; the edit is yours "
            "whatever the body says. An edit of the same capsule, field and values as one recorded within the "
            "last minute (by a report or a save) is ignored: 200 with `duplicate: true`."
        ),
        request=EditEventSerializer,
        responses={
            201: OpenApiResponse(EditRecordedSerializer, description="Recorded."),
            200: OpenApiResponse(EditDuplicateSerializer, description="A duplicate: nothing recorded."),
            **error_responses(
                400,
                401,
                403,
                404,
                descriptions={
                    400: "Invalid input, by field path in the client's spelling (camelCase or snake_case).",
                    403: "The capsule is readable (published) but not yours, or a session request without its CSRF token.",
                },
            ),
        },
        examples=[
            OpenApiExample(
                "A corrected expected output",
                request_only=True,
                value={
                    "capsuleId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "fieldPath": "config_data.test_cases[2].expected_output",
                    "originalValue": "5",
                    "correctedValue": "5\n",
                    "editType": "expected_output_fix",
                    "timestamp": "2025-01-31T12:00:00Z",
                },
            )
        ],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        body, snake_case = _camel_case_body(request.data)
        serializer = EditEventSerializer(data=body)
        if not serializer.is_valid():
            fields = _spelled(_serializer_errors(serializer.errors), snake_case=snake_case)
            raise ValidationFailed.for_fields(fields, subject="The edit")
        event = serializer.validated_data
        capsule = get_capsule_for_owner(request.user, event["capsuleId"])
        try:
            edit, created = creator_edit_report(
                capsule=capsule,
                actor=request.user,
                field_path=event["fieldPath"],
                original_value=event["originalValue"],
                corrected_value=event["correctedValue"],
                edit_type=event.get("editType"),
                reported_at=event.get("timestamp"),
            )
        except ValidationFailed as exc:
            raise ValidationFailed.for_fields(_spelled(exc.fields, snake_case=snake_case), subject="The edit") from exc
        if not created:
            return Response({"recorded": False, "duplicate": True}, status=status.HTTP_200_OK)
        return Response({"recorded": True, "edit": CreatorEditSerializer(edit).data}, status=status.HTTP_201_CREATED)
