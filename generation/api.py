"""The generation API: start a job, optionally wait for it, read it back.

    POST /api/generate-and-validate          {type, language, difficulty, prompt} → 202 with the job
    POST /api/generate-and-validate?wait=30  blocks up to 30 s: 200 with the finished job, or 202 still running
    GET  /api/generation-jobs/<id>           the job: status, steps, the capsule (succeeded) or last report (failed)
    POST /api/generation-jobs/<id>/take      {title}: a new job for one of a no_match job's suggestions → 202

Offline, a request no catalog exercise fits ends as status `no_match` (error_category `no_catalog_match`,
`error` says it in a sentence, nothing saved) with `suggestions`: the closest exercises (title, summary,
difficulty, why). POST one's title to .../take to get exactly that exercise.

Writes go through generation.services (forced choice, per-creator concurrency and hourly limits → 429);
reads through generation.selectors (`get_job_for_owner`: anyone but the creator gets 404). Waiting holds a
web worker for at most MAX_WAIT_SECONDS while it re-reads the job row; the job itself runs in the django-q2
cluster, never in the request.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from capsules.api import CapsuleSerializer
from capsules.languages import language_choices
from capsules.models import CapsuleType, Difficulty
from capsules.schemas import LANGUAGES_BY_TYPE
from codecapsule.errors import ValidationFailed, error_responses
from codecapsule.http import AuthenticatedRequest
from generation.models import AgentName, AgentStep, GenerationJob, JobStatus
from generation.selectors import get_job_for_owner, job_steps
from generation.services import (
    GenerationArguments,
    generation_job_create,
    generation_job_reap_if_lost,
    generation_job_take_suggestion,
)

# `?wait=SECONDS` blocks at most 60 s, so a waiting request never holds a web thread for long; longer waits
# belong to polling GET /api/generation-jobs/<id>.
MAX_WAIT_SECONDS = 60
# How often a waiting request re-reads the job row: a catalog job takes about a second, so a quarter of a
# second adds little latency and costs at most 4 small queries a second per waiting client.
WAIT_POLL_SECONDS = 0.25

_REQUEST_FIELDS = ("type", "language", "difficulty", "prompt")

# The capsule types as this API names them (`type`), described for people. (Labels that differ from
# CapsuleType's also keep drf-spectacular from seeing one choice set under two names, TypeEnum and
# CapsuleTypeEnum.)
TYPE_CHOICES = [
    (CapsuleType.CODE.value, "Code: a coding problem judged by test cases"),
    (CapsuleType.DATABASE.value, "Database: an SQL exercise on a seeded database"),
    (CapsuleType.TERMINAL.value, "Terminal: shell tasks checked by validation scripts"),
]


# --- Input ----------------------------------------------------------------------------------------------


class GenerationRequestSerializer(serializers.Serializer):
    """The forced choice (documentation: generation.services.generation_request_errors validates)."""

    type = serializers.ChoiceField(choices=TYPE_CHOICES, help_text="The capsule type.")
    language = serializers.ChoiceField(
        choices=language_choices(),
        help_text="A language of that type: "
        + "; ".join(f"{kind} {', '.join(codes)}" for kind, codes in LANGUAGES_BY_TYPE.items())
        + ".",
    )
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    prompt = serializers.CharField(
        required=False, allow_blank=True, help_text="What the capsule should be about (may be empty; length is limited)."
    )


class WaitSerializer(serializers.Serializer):
    wait = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=MAX_WAIT_SECONDS,
        help_text=f"Seconds to wait for the job to finish (at most {MAX_WAIT_SECONDS}). Without it the answer is immediate.",
    )


def _request_arguments(data: Any) -> GenerationArguments:
    """The service's keyword arguments from a JSON body; a value that is not a string is a field error."""
    if not isinstance(data, Mapping):
        raise ValidationFailed.for_fields({"__all__": "expected a JSON object"}, subject="The generation request")
    errors = {name: "must be a string" for name in _REQUEST_FIELDS if not isinstance(data.get(name, ""), str)}
    if errors:
        raise ValidationFailed.for_fields(errors, subject="The generation request")
    return {
        "capsule_type": data.get("type", ""),
        "language": data.get("language", ""),
        "difficulty": data.get("difficulty", ""),
        "prompt": data.get("prompt", ""),
    }


# --- Output ---------------------------------------------------------------------------------------------


class GenerationStepSerializer(serializers.Serializer):
    position = serializers.IntegerField(read_only=True)
    agent = serializers.ChoiceField(choices=AgentName.choices, read_only=True)
    model = serializers.CharField(read_only=True, help_text="The model (Azure: deployment) that answered; empty for the judge.")
    parsed_ok = serializers.BooleanField(
        read_only=True, help_text="Agents: the answer was usable (parsed and valid). Judge: the draft passed."
    )
    latency_ms = serializers.FloatField(read_only=True)
    tokens = serializers.IntegerField(read_only=True, allow_null=True, help_text="Prompt + completion tokens, when reported.")
    error = serializers.CharField(read_only=True)
    error_kind = serializers.CharField(read_only=True, help_text="refusal, length, invalid_json, timeout, rate_limited, ...")
    summary = serializers.CharField(read_only=True, help_text="One line: what the step produced or what the judge said.")

    def to_representation(self, instance: AgentStep) -> dict[str, Any]:
        tokens = None
        if instance.prompt_tokens is not None or instance.completion_tokens is not None:
            tokens = (instance.prompt_tokens or 0) + (instance.completion_tokens or 0)
        return {
            "position": instance.position,
            "agent": instance.agent,
            "model": instance.model,
            "parsed_ok": instance.parsed_ok,
            "latency_ms": instance.latency_ms,
            "tokens": tokens,
            "error": instance.error,
            "error_kind": instance.error_kind,
            "summary": instance.summary,
        }


class CatalogSuggestionSerializer(serializers.Serializer):
    """A catalog exercise a no_match job offers instead of the request it had nothing for."""

    title = serializers.CharField(read_only=True, help_text="The exercise's title: POST it to .../take to get it.")
    summary = serializers.CharField(read_only=True, help_text="What the exercise is, in one sentence.")
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, read_only=True)
    why = serializers.CharField(read_only=True, help_text="Why it is close to the request, in words.")


class TakeSuggestionSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="The title of one of the job's suggestions.")


class GenerationJobSerializer(serializers.Serializer):
    """A generation job as its creator sees it."""

    job_id = serializers.UUIDField(read_only=True)
    status_url = serializers.URLField(read_only=True, help_text="GET it to follow the job.")
    status = serializers.ChoiceField(choices=JobStatus.choices, read_only=True)
    stage = serializers.CharField(read_only=True, help_text="What the pipeline is doing now (empty when finished).")
    type = serializers.ChoiceField(choices=TYPE_CHOICES, read_only=True)
    language = serializers.ChoiceField(choices=language_choices(), read_only=True)
    difficulty = serializers.ChoiceField(choices=Difficulty.choices, read_only=True)
    prompt = serializers.CharField(read_only=True)
    provider = serializers.CharField(read_only=True, help_text="openai, azure or catalog (offline).")
    heals = serializers.IntegerField(read_only=True, help_text="Debugger attempts used.")
    quality_score = serializers.FloatField(read_only=True, allow_null=True)
    prompt_tokens = serializers.IntegerField(read_only=True, help_text="Prompt tokens of every model call (0 offline).")
    completion_tokens = serializers.IntegerField(read_only=True, help_text="Output tokens of every model call (0 offline).")
    statement_check = serializers.DictField(
        read_only=True,
        allow_null=True,
        help_text="The Solver's statement check: status (agreed, disagreed, skipped, failed), passed, total, message, "
        "solver_model. A succeeded job whose check disagreed saved its capsule as a draft.",
    )
    error = serializers.CharField(
        read_only=True, help_text="Failed or no_match: what happened, in a sentence (e.g. no exercise about the topic)."
    )
    error_category = serializers.CharField(
        read_only=True, help_text="Why it ended: no_catalog_match (status no_match), or a failure's category."
    )
    catalog_pick = serializers.CharField(
        read_only=True, help_text="The catalog exercise this job takes, when started from a suggestion; else empty."
    )
    suggestions = CatalogSuggestionSerializer(
        many=True, read_only=True, help_text="Status no_match: the closest catalog exercises; else empty."
    )
    created_at = serializers.DateTimeField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    steps = GenerationStepSerializer(many=True, read_only=True)
    capsule = CapsuleSerializer(
        read_only=True, allow_null=True, help_text="The capsule (full, as its creator sees it) once succeeded: validated, or a draft when "
        "the statement check disagreed."
    )
    last_report = serializers.DictField(
        read_only=True,
        allow_null=True,
        help_text="The judge's last ValidationReport (passed, category, message, tests with call/expected/actual) when failed.",
    )

    def to_representation(self, instance: GenerationJob) -> dict[str, Any]:
        request = self.context.get("request")
        url = reverse("api-generation-job", kwargs={"job_id": instance.pk})
        capsule = None
        if instance.status == JobStatus.SUCCEEDED and instance.result_capsule is not None:
            capsule = CapsuleSerializer(instance.result_capsule).data
        return {
            "job_id": str(instance.pk),
            "status_url": request.build_absolute_uri(url) if request is not None else url,
            "status": instance.status,
            "stage": instance.stage,
            "type": instance.capsule_type,
            "language": instance.language,
            "difficulty": instance.difficulty,
            "prompt": instance.prompt,
            "provider": instance.provider,
            "heals": instance.heals,
            "quality_score": instance.quality_score,
            "prompt_tokens": instance.prompt_tokens,
            "completion_tokens": instance.completion_tokens,
            "statement_check": instance.statement_check,
            "error": instance.error,
            "error_category": instance.error_category,
            "catalog_pick": instance.catalog_pick,
            "suggestions": _suggestions(instance),
            "created_at": serializers.DateTimeField().to_representation(instance.created_at),
            "started_at": _datetime(instance.started_at),
            "finished_at": _datetime(instance.finished_at),
            "steps": GenerationStepSerializer(job_steps(instance), many=True).data,
            "capsule": capsule,
            "last_report": instance.last_report if instance.status == JobStatus.FAILED else None,
        }


def _suggestions(job: GenerationJob) -> list[dict[str, str]]:
    if job.status != JobStatus.NO_MATCH:
        return []
    fields = ("title", "summary", "difficulty", "why")
    return [{name: str(item.get(name, "")) for name in fields} for item in job.suggestions if isinstance(item, dict)]


def _datetime(value: Any) -> str | None:
    return None if value is None else serializers.DateTimeField().to_representation(value)


# --- Views ----------------------------------------------------------------------------------------------

_JOB_ID = OpenApiParameter("job_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The job's id.")
_JOB_404 = {404: "No such job, or another creator's (jobs are visible to their creator only)."}


def _wait_for(job: GenerationJob, seconds: float) -> GenerationJob:
    """Re-read the job until it has finished or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not job.is_finished:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(WAIT_POLL_SECONDS, remaining))
        job.refresh_from_db()
    return job


class GenerateView(GenericAPIView):
    """`POST /api/generate-and-validate`: start a generation job."""

    serializer_class = GenerationJobSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="generation_create",
        summary="Generate and validate a capsule",
        description=(
            "Queues a generation job: Pedagogist → Coder → judge → Debugger … at most GENERATION_MAX_HEALS heals; "
            "only a capsule that passed the judge is saved (status validated, owned by the caller). Answers 202 "
            "with the job (`job_id`, `status_url`, ...) at once, or with `?wait=SECONDS` (at most "
            f"{MAX_WAIT_SECONDS}) after the job finished (200) or the wait ran out (202). Per creator, a few jobs "
            "may run at once and a limited number may start per hour (429 beyond)."
        ),
        parameters=[WaitSerializer],
        request=GenerationRequestSerializer,
        responses={
            200: OpenApiResponse(GenerationJobSerializer, description="With `wait`: the job finished in time."),
            202: OpenApiResponse(GenerationJobSerializer, description="The job is queued or still running."),
            **error_responses(
                400,
                401,
                403,
                429,
                descriptions={
                    400: "Invalid input (type/language/difficulty/prompt, or `wait` above the limit).",
                    403: "A session request without its CSRF token.",
                    429: "Too many jobs: the creator's concurrent or hourly limit (too_many_jobs).",
                },
            ),
        },
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        wait = WaitSerializer(data=request.query_params)
        wait.is_valid(raise_exception=True)
        job = generation_job_create(creator=request.user, **_request_arguments(request.data))
        seconds = wait.validated_data.get("wait")
        if seconds:
            job = _wait_for(job, seconds)
        body = GenerationJobSerializer(job, context={"request": request}).data
        code = status.HTTP_200_OK if job.is_finished else status.HTTP_202_ACCEPTED
        return Response(body, status=code, headers={"Location": body["status_url"]})


class GenerationJobDetailView(GenericAPIView):
    """`GET /api/generation-jobs/<id>`: one of the caller's jobs."""

    serializer_class = GenerationJobSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="generation_jobs_retrieve",
        summary="Read a generation job",
        description=(
            "Status, stage, heals, timings and every step. A succeeded job carries the validated capsule (full, "
            "as its creator sees it); a failed one the judge's last report. Offline, a job whose request no "
            "catalog exercise fits ends as `no_match` (error_category `no_catalog_match`, `error` in a sentence, "
            "nothing saved) with `suggestions`: the closest exercises (title, summary, difficulty, why); POST one's "
            "title to `/api/generation-jobs/<id>/take` to get exactly that exercise."
        ),
        parameters=[_JOB_ID],
        responses={200: GenerationJobSerializer, **error_responses(401, 404, descriptions=_JOB_404)},
    )
    def get(self, request: AuthenticatedRequest, job_id: str) -> Response:
        job = generation_job_reap_if_lost(job=get_job_for_owner(request.user, job_id))  # a dead worker's job: failed
        return Response(GenerationJobSerializer(job, context={"request": request}).data)


class TakeSuggestionView(GenericAPIView):
    """`POST /api/generation-jobs/<id>/take`: a new job for exactly one of a no_match job's suggestions."""

    serializer_class = GenerationJobSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="generation_jobs_take_suggestion",
        summary="Take a suggested catalog exercise",
        description=(
            "For a job that ended as `no_match`: starts a new job that takes exactly the catalog exercise named by "
            "`title` (one of the job's `suggestions`), with that exercise's type, language and difficulty. Answers "
            "202 with the new job. The creator's job limits apply (429)."
        ),
        parameters=[_JOB_ID],
        request=TakeSuggestionSerializer,
        responses={
            202: OpenApiResponse(GenerationJobSerializer, description="The new job is queued."),
            **error_responses(
                400,
                401,
                403,
                404,
                429,
                descriptions={
                    400: "Not a no_match job (no_suggestions), or `title` is not one of its suggestions.",
                    403: "A session request without its CSRF token.",
                    **_JOB_404,
                    429: "Too many jobs: the creator's concurrent or hourly limit (too_many_jobs).",
                },
            ),
        },
    )
    def post(self, request: AuthenticatedRequest, job_id: str) -> Response:
        job = get_job_for_owner(request.user, job_id)
        choice = TakeSuggestionSerializer(data=request.data if isinstance(request.data, Mapping) else {})
        choice.is_valid(raise_exception=True)
        taken = generation_job_take_suggestion(job=job, actor=request.user, title=choice.validated_data["title"])
        body = GenerationJobSerializer(taken, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]})
