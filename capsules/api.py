"""The capsule JSON API: small DRF views, one per resource.

Every read goes through the selectors (`get_capsule_for_reader` / `get_capsule_for_owner` first, as every
view does) and every write through the services, which validate the whole BaseCapsule with pydantic and
raise ValidationFailed with field paths. Serializers here shape output and document the API; they do not
validate capsule input (parse_capsule is the one validation path for every write).

The learner-safe rule lives in `capsules.schemas.learner_safe_config`; `LearnerCapsuleSerializer` is the
one serializer that applies it, reused by every endpoint that shows a capsule to someone who is not its
creator (capsule reads here, playlist embeds and grading later).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from capsules.hooks import EditPath
from capsules.languages import language_choices
from capsules.models import Capsule, CapsuleStatus, CapsuleType, Difficulty
from capsules.schemas import (
    EXTENDED_TIER_SUFFIX,
    allowed_runtime_tiers,
    base_runtime_tier,
    is_extended_tier,
    learner_safe_config,
)
from capsules.selectors import (
    capsule_base_dict,
    capsule_list,
    capsules_owned_by,
    capsules_readable_by,
    get_capsule_for_owner,
    get_capsule_for_reader,
)
from capsules.services import capsule_create, capsule_delete, capsule_update
from codecapsule.admission import creator_judgement
from codecapsule.errors import ValidationFailed, error_responses
from codecapsule.http import AuthenticatedRequest, User
from codecapsule.net import client_address

# --- Capsule output ------------------------------------------------------------------------------------

_CONFIG_DATA_HELP = (
    "The type-specific configuration, a JSON object: CodeConfig (boilerplate_code, reference_solution, hints, "
    "test_cases[{description, test_call, expected_output, is_hidden}]), DatabaseConfig (boilerplate_code, "
    "reference_solution, hints, schema_info[{table_name, columns}], dialect, seed_sql or seed_sql_url, and the "
    "hidden dataset hidden_seed_sql or hidden_seed_sql_url: the same tables with other rows, graded too and never "
    "shown to learners; required for new capsules) or "
    "TerminalConfig (environment_config{disk_image_url}, hints, setup_script, "
    "tasks[{task_id, description, validation_script, solution_commands}])."
)


class RuntimeConfigSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=language_choices())
    runtime_tier = serializers.CharField(
        required=False,
        allow_null=True,
        help_text=(
            "Where the capsule runs. Defaults from the language (and SQL dialect); `<default>-extended` for larger "
            "limits. Browser tiers run Run in the learner's browser and grade Submit on the server: `wasm-python` "
            "(Python), `browser-javascript` (JavaScript), `wasm-sqlite` (SQLite). The seed's `server-sql` (SQL) and "
            "`wasm-linux` (Bash; the server sandbox until a browser Linux exists) are accepted too."
        ),
    )


class CapsuleSerializer(serializers.Serializer):
    """A capsule as its creator sees it: the seed's BaseCapsule plus difficulty, status, is_public, updated_at.

    Output only. The declared fields document the shape; the values come from `capsule_base_dict`, the
    one definition of the BaseCapsule dictionary.
    """

    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    capsule_type = serializers.ChoiceField(choices=CapsuleType.choices, read_only=True)
    problem_statement_md = serializers.CharField(read_only=True)
    runtime_config = RuntimeConfigSerializer(read_only=True)
    config_data = serializers.DictField(read_only=True, help_text=_CONFIG_DATA_HELP)
    creator_id = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, read_only=True)
    status = serializers.ChoiceField(choices=CapsuleStatus.choices, read_only=True)
    is_public = serializers.BooleanField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Capsule) -> dict[str, Any]:
        return capsule_base_dict(instance)


class LearnerCapsuleSerializer(CapsuleSerializer):
    """A capsule as a learner (anyone but its creator) may see it. The one learner-safe serializer.

    Same keys as CapsuleSerializer; config_data goes through `learner_safe_config`, so it never carries a
    reference solution, hidden tests' calls or expected outputs, validation scripts, solution commands,
    setup scripts, seed SQL or its URL.
    """

    config_data = serializers.DictField(
        read_only=True,
        help_text="The learner-visible part of the configuration (no solutions, hidden tests or seed SQL).",
    )

    def to_representation(self, instance: Capsule) -> dict[str, Any]:
        data = capsule_base_dict(instance)
        data["config_data"] = learner_safe_config(instance.capsule_type, instance.config_data)
        return data


def capsule_representation(capsule: Capsule, *, user: User) -> dict[str, Any]:
    """The creator gets the full capsule; every other reader gets the learner-safe one."""
    if user.is_authenticated and capsule.creator_id == user.pk:
        return CapsuleSerializer(capsule).data
    return LearnerCapsuleSerializer(capsule).data


# --- Capsule input (documentation only: capsules.schemas.parse_capsule validates) ------------------------


class CapsuleInputSerializer(serializers.Serializer):
    """A capsule body: all of it for create and PUT, any top-level part of it for PATCH. The read-only keys
    of the output (id, creator_id, status, created_at, updated_at) may be sent back; they are ignored."""

    title = serializers.CharField(max_length=200)
    capsule_type = serializers.ChoiceField(choices=CapsuleType.choices)
    problem_statement_md = serializers.CharField(help_text="Markdown.")
    runtime_config = RuntimeConfigSerializer()
    config_data = serializers.DictField(help_text=_CONFIG_DATA_HELP)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, required=False, default=Difficulty.MEDIUM)
    is_public = serializers.BooleanField(required=False, default=False)


# A complete, valid body: the docs show it, and the API fuzzer (prodtests/test_api_fuzz.py) sends it, so a create
# and a replace go all the way through the judge at least once.
CAPSULE_INPUT_EXAMPLE = OpenApiExample(
    "A CODE capsule",
    request_only=True,
    value={
        "title": "Find the largest number",
        "capsule_type": "CODE",
        "problem_statement_md": "Write `find_largest(numbers)` that returns the largest number in a non-empty list.",
        "runtime_config": {"language": "python"},
        "difficulty": "easy",
        "is_public": False,
        "config_data": {
            "boilerplate_code": "def find_largest(numbers):\n    pass\n",
            "reference_solution": "def find_largest(numbers):\n    return max(numbers)\n",
            "hints": ["Python has a built-in for this."],
            "test_cases": [
                {"description": "three numbers", "test_call": "print(find_largest([1, 5, 2]))",
                 "expected_output": "5\n", "is_hidden": False},
                {"description": "negatives", "test_call": "print(find_largest([-3, -1, -7]))",
                 "expected_output": "-1\n", "is_hidden": True},
            ],
        },
    },
)  # fmt: skip


# --- List filters ---------------------------------------------------------------------------------------


class _FilterChoice(serializers.ChoiceField):
    """An optional choice filter whose error names the allowed values; blank means "any"."""

    def __init__(self, choices: list[tuple[str, str]], **kwargs: Any):
        allowed = ", ".join(value for value, _label in choices)
        super().__init__(
            choices,
            required=False,
            allow_blank=True,
            error_messages={"invalid_choice": f'"{{input}}" is not allowed; allowed: {allowed}.'},
            **kwargs,
        )


class CapsuleFilterSerializer(serializers.Serializer):
    capsule_type = _FilterChoice(CapsuleType.choices)
    language = _FilterChoice(language_choices())
    status = _FilterChoice(CapsuleStatus.choices)
    difficulty = _FilterChoice(Difficulty.choices)
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Case-insensitive match in the title."
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only the caller's own capsules (`mine=1`)."
    )


# --- PATCH ----------------------------------------------------------------------------------------------


def capsule_patch_merge(current: Mapping[str, Any], patch: Any) -> dict[str, Any]:
    """The full capsule a PATCH asks for, to be validated and saved by `capsule_update`.

    1. Top-level keys of the patch replace the current ones. `config_data` is replaced as a whole: it is
       validated as one object, and a key-wise merge would keep keys that belong to another capsule_type.
    2. `runtime_config` is merged key-wise, so `{"runtime_config": {"runtime_tier": "…-extended"}}` keeps
       the language.
    3. Unless the patch names a runtime_tier, the capsule keeps its tier while the tier still belongs to the
       (possibly new) language and SQL dialect; otherwise the tier follows them: the default tier, or its
       extended variant when the capsule had an extended one. Without this, switching python → javascript
       would fail on the old tier.
    """
    if not isinstance(patch, Mapping):
        raise ValidationFailed.for_fields({"__all__": "expected a JSON object"})
    merged: dict[str, Any] = {**current, **patch}
    runtime_patch = patch.get("runtime_config")
    if isinstance(runtime_patch, Mapping):
        merged["runtime_config"] = {**current["runtime_config"], **runtime_patch}
        tier_given = "runtime_tier" in runtime_patch
    else:
        tier_given = False
    runtime = merged["runtime_config"]
    if isinstance(runtime, Mapping) and not tier_given:
        runtime = merged["runtime_config"] = dict(runtime)  # never write into the caller's dictionary
        runtime["runtime_tier"] = _tier_following(
            old_tier=current["runtime_config"]["runtime_tier"],
            language=runtime.get("language"),
            capsule_type=merged.get("capsule_type"),
            config_data=merged.get("config_data"),
        )
    return merged


def _tier_following(*, old_tier: str, language: Any, capsule_type: Any, config_data: Any) -> str | None:
    dialect = None
    if capsule_type == CapsuleType.DATABASE and isinstance(config_data, Mapping):
        dialect = config_data.get("dialect")
    if not isinstance(language, str) or not isinstance(dialect, str | None):
        return None  # validation reports the bad value
    try:
        if old_tier in allowed_runtime_tiers(language, dialect):
            return old_tier  # still a tier of the language: a PATCH of other fields never changes it
        base = base_runtime_tier(language, dialect)
    except KeyError:
        return None  # an unknown language: validation names the allowed ones
    return base + EXTENDED_TIER_SUFFIX if is_extended_tier(old_tier) else base


# --- Views ----------------------------------------------------------------------------------------------

_CAPSULE_ID = OpenApiParameter("capsule_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The capsule's id.")


def _detail_url(capsule: Capsule) -> str:
    return reverse("api-capsule-detail", kwargs={"capsule_id": capsule.pk})


class CapsuleListView(GenericAPIView):
    """`/api/capsules/`: list the capsules the caller may read, create one."""

    serializer_class = CapsuleSerializer

    @extend_schema(
        operation_id="capsules_list",
        summary="List capsules",
        description=(
            "Your own capsules and everyone's published public ones (anonymous callers: published public "
            "only), newest first. Capsules of other creators come learner-safe."
        ),
        parameters=[CapsuleFilterSerializer],
        responses={
            200: CapsuleSerializer(many=True),
            **error_responses(
                400, 401, 404, descriptions={400: "A filter value is not allowed.", 404: "No such page."}
            ),
        },
    )
    def get(self, request: Request) -> Response:
        filters = CapsuleFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = dict(filters.validated_data)
        mine = params.pop("mine", False)
        base = capsules_owned_by(request.user) if mine else capsules_readable_by(request.user)
        capsules = capsule_list(queryset=base, **params)
        page = self.paginate_queryset(capsules)
        assert page is not None  # DEFAULT_PAGINATION_CLASS is set: every list is paginated
        return self.get_paginated_response([capsule_representation(c, user=request.user) for c in page])

    @extend_schema(
        operation_id="capsules_create",
        summary="Create a capsule",
        description="The caller becomes its creator; it starts as a draft.",
        request=CapsuleInputSerializer,
        examples=[CAPSULE_INPUT_EXAMPLE],
        responses={201: CapsuleSerializer, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        with creator_judgement(user_id=request.user.pk, address=client_address(request)):
            capsule = capsule_create(creator=request.user, data=request.data)
        return Response(
            CapsuleSerializer(capsule).data, status=status.HTTP_201_CREATED, headers={"Location": _detail_url(capsule)}
        )


class CapsuleDetailView(GenericAPIView):
    """`/api/capsules/<id>`: read (reader rule), replace, patch or delete (creator only)."""

    serializer_class = CapsuleSerializer

    @extend_schema(
        operation_id="capsules_retrieve",
        summary="Read a capsule",
        description="The creator gets the full capsule; anyone else gets a published public one, learner-safe.",
        parameters=[_CAPSULE_ID],
        responses={200: CapsuleSerializer, **error_responses(404)},
    )
    def get(self, request: Request, capsule_id: str) -> Response:
        capsule = get_capsule_for_reader(request.user, capsule_id)
        return Response(capsule_representation(capsule, user=request.user))

    @extend_schema(
        operation_id="capsules_update",
        summary="Replace a capsule",
        description=(
            "The whole capsule, validated as on create. Changing content takes back a validated or published status."
        ),
        parameters=[_CAPSULE_ID],
        request=CapsuleInputSerializer,
        examples=[CAPSULE_INPUT_EXAMPLE],
        responses={200: CapsuleSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def put(self, request: AuthenticatedRequest, capsule_id: str) -> Response:
        capsule = get_capsule_for_owner(request.user, capsule_id)
        with creator_judgement(user_id=request.user.pk, address=client_address(request)):
            capsule = capsule_update(capsule=capsule, actor=request.user, data=request.data, source=EditPath.API)
        return Response(CapsuleSerializer(capsule).data)

    @extend_schema(
        operation_id="capsules_partial_update",
        summary="Change part of a capsule",
        description=(
            "Top-level keys replace the stored ones (config_data as a whole); runtime_config is merged key by "
            "key. The result is validated as a whole capsule."
        ),
        parameters=[_CAPSULE_ID],
        request=CapsuleInputSerializer,
        examples=[CAPSULE_INPUT_EXAMPLE],
        responses={200: CapsuleSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def patch(self, request: AuthenticatedRequest, capsule_id: str) -> Response:
        capsule = get_capsule_for_owner(request.user, capsule_id)
        data = capsule_patch_merge(capsule_base_dict(capsule), request.data)
        with creator_judgement(user_id=request.user.pk, address=client_address(request)):
            capsule = capsule_update(capsule=capsule, actor=request.user, data=data, source=EditPath.API)
        return Response(CapsuleSerializer(capsule).data)

    @extend_schema(
        operation_id="capsules_destroy",
        summary="Delete a capsule",
        description="Creator only. Another creator gets 403 for a capsule they can read, 404 for one they cannot.",
        parameters=[_CAPSULE_ID],
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: AuthenticatedRequest, capsule_id: str) -> Response:
        capsule = get_capsule_for_owner(request.user, capsule_id)
        capsule_delete(capsule=capsule, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_object(self) -> Capsule:
        """What DRF's OPTIONS metadata asks for to decide whether to describe PUT: the owner's capsule, or 404/403
        (which it answers by leaving PUT out). GenericAPIView's own get_object needs a queryset this view does not
        have, and OPTIONS on a capsule answered 500."""
        return get_capsule_for_owner(self.request.user, self.kwargs["capsule_id"])
