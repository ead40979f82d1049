"""Fine-tuning the Coder on the training set: start, poll, choose the model, and what pages show.

    finetune_start(actor=staff)        upload the JSONL, create the provider's job, store a FineTuneJob
    finetune_poll(job=job)             the provider's status, model, error and events → the row
    finetune_poll_unfinished()         the django-q2 schedule (feedback/tasks_finetune.py): every unfinished job
    finetune_use(job=job, actor=staff) its fine-tuned model becomes the Coder's (or stops being, use=False)
    coder_model_override(agent)        registered with generation.llm.config in feedback/apps.py

The provider is generation's (LLM_PROVIDER openai or azure, the same SDK client as the agents: base URL, key,
timeout, retries); fine-tuning has nothing to do offline (catalog). A chosen model applies only while the same
provider is configured, since a fine-tuned model exists only where it was trained. On Azure a fine-tuned
model is called through a deployment: deploy it under its fine-tuned model name for the Coder to reach it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from codecapsule.errors import ApplicationError, Conflict, ErrorCode
from codecapsule.http import SignedInUser
from feedback.exports import training_export_delete, training_export_save
from feedback.models import FINE_TUNE_FINISHED, FineTuneJob, FineTuneStatus
from feedback.training import TrainingSet, training_set_build
from generation.llm.config import Agent, Provider, llm_provider, make_sdk

logger = logging.getLogger("feedback.finetune")

# The Coder's fine-tuned models are named ft:<base>:<suffix>:...; the suffix says where a model came from.
MODEL_SUFFIX = "codecapsule-coder"
# Events kept per job, newest: the provider writes one per training step for long jobs ("metrics" events);
# a page of the latest is what people read, and it keeps the row small.
EVENTS_KEPT = 200
# Events asked for per poll (the API's page size maximum is 100).
EVENTS_PER_POLL = 100
# Jobs listed on the dashboard panel.
PANEL_JOBS = 10

if TYPE_CHECKING:  # the SDK is imported where it is used: it adds about a second to every process
    import openai
    from openai.types.fine_tuning import SupervisedHyperparametersParam


class FineTuneUnavailable(ApplicationError):
    code = ErrorCode.FINE_TUNING_UNAVAILABLE


# --- Access ----------------------------------------------------------------------------------------------


def ensure_staff(actor: SignedInUser) -> None:
    if not (actor.is_authenticated and actor.is_staff):
        raise PermissionDenied("Fine-tuning is for staff.")


def get_finetune_job_for_staff(user: SignedInUser, job_id: UUID | str) -> FineTuneJob:
    """The job, for staff only: 403 for anyone else, 404 for an unknown id."""
    ensure_staff(user)
    return get_object_or_404(FineTuneJob, pk=job_id)


# --- Writes ----------------------------------------------------------------------------------------------


def finetune_start(*, actor: SignedInUser, base_model: str | None = None) -> FineTuneJob:
    """Start a fine-tuning job of `base_model` (default FINE_TUNE_BASE_MODEL) on everyone's training set.

    1. Staff only; a network provider must be configured; no other job may be unfinished (one at a time:
       a double click must not pay for two jobs).
    2. Build the training set (judging edited capsules) and refuse below FINE_TUNE_MIN_EXAMPLES.
    3. Upload the JSONL (purpose fine-tune), create the job with the supervised method, store the row.
    """
    import openai

    ensure_staff(actor)
    base_model = (base_model or settings.FINE_TUNE_BASE_MODEL).strip()
    if not base_model:
        raise ApplicationError("Name a base model to fine-tune.", fields={"base_model": "This field is required."})
    provider, client = _client()
    unfinished = FineTuneJob.objects.exclude(status__in=FINE_TUNE_FINISHED).first()
    if unfinished is not None:
        raise Conflict(
            f"A fine-tuning job is already {unfinished.get_status_display().lower()} ({unfinished.provider_job_id}); "
            "wait for it to finish before starting another."
        )
    training = training_set_build(user=actor)
    _ensure_enough(training)

    data = training.jsonl()
    export_name = training_export_save(data)  # our copy first: a job must never exist without its training data
    with client:
        try:
            uploaded = client.files.create(file=(_file_name(), data), purpose="fine-tune")
            remote = client.fine_tuning.jobs.create(
                training_file=uploaded.id,
                model=base_model,
                suffix=MODEL_SUFFIX,
                method={"type": "supervised", "supervised": {"hyperparameters": _hyperparameters()}},
            )
        except openai.APIError as exc:
            training_export_delete(export_name)
            raise _provider_error(exc, client, "start the fine-tuning job") from exc
    job = FineTuneJob(
        provider=provider,
        provider_job_id=remote.id,
        training_file_id=uploaded.id,
        training_export=export_name,
        base_model=remote.model or base_model,
        status=remote.status,
        examples=len(training.examples),
        created_by=actor,
    )
    _apply_remote(job, remote)
    job.save(force_insert=True)
    logger.info("fine-tuning job %s started by %s: %s, %d examples", job.provider_job_id, actor, base_model, job.examples)
    return job


def finetune_poll(*, job: FineTuneJob) -> FineTuneJob:
    """Ask the provider about `job` and store what it says: status, model, error, trained tokens, new events.

    A provider that cannot be reached leaves the status as it was and records why in poll_error (raising
    ApplicationError too, so a page can say so); the next poll tries again.
    """
    import openai

    if job.is_finished and job.events:
        return job
    try:
        provider, client = _client()
        if provider != job.provider:
            raise FineTuneUnavailable(
                f"This job runs at {job.provider}, but the configured provider is {provider}: it cannot be checked."
            )
        with client:
            try:
                remote = client.fine_tuning.jobs.retrieve(job.provider_job_id)
                events = client.fine_tuning.jobs.list_events(job.provider_job_id, limit=EVENTS_PER_POLL)
            except openai.APIError as exc:
                raise _provider_error(exc, client, "check the fine-tuning job") from exc
    except ApplicationError as exc:
        FineTuneJob.objects.filter(pk=job.pk).update(poll_error=exc.message, updated_at=timezone.now())
        job.poll_error = exc.message
        raise
    _apply_remote(job, remote)
    job.events = _merged_events(job.events, [event.model_dump(mode="json") for event in events.data])
    job.poll_error = ""
    job.save()
    return job


def finetune_poll_unfinished() -> int:
    """Poll every unfinished job (the schedule's task); one failing job does not stop the others.

    Returns how many jobs were polled successfully.
    """
    polled = 0
    for job in FineTuneJob.objects.exclude(status__in=FINE_TUNE_FINISHED).order_by("created_at"):
        try:
            finetune_poll(job=job)
        except ApplicationError as exc:
            logger.warning("fine-tuning job %s could not be polled: %s", job.provider_job_id, exc.message)
        else:
            polled += 1
    return polled


def finetune_use(*, job: FineTuneJob, actor: SignedInUser, use: bool = True) -> FineTuneJob:
    """Make the job's fine-tuned model the Coder's (the only one), or stop using it (use=False)."""
    ensure_staff(actor)
    if use and not job.can_be_used:
        raise ApplicationError("Only a job that succeeded has a model the Coder can use.")
    with transaction.atomic():
        if use:
            FineTuneJob.objects.filter(used_for_coder=True).exclude(pk=job.pk).update(used_for_coder=False)
        FineTuneJob.objects.filter(pk=job.pk).update(used_for_coder=use, updated_at=timezone.now())
    job.refresh_from_db()
    logger.info("%s %s the fine-tuned model %s for the Coder", actor, "chose" if use else "stopped using", job.fine_tuned_model)
    return job


# --- Reads -----------------------------------------------------------------------------------------------


def coder_model_override(agent: Agent) -> str | None:
    """The model override registered with generation (feedback/apps.py): the chosen fine-tuned Coder, if any,
    for the provider it was trained at."""
    if agent != "coder":
        return None
    provider = llm_provider()
    if provider == "catalog":
        return None
    return (
        FineTuneJob.objects.filter(used_for_coder=True, status=FineTuneStatus.SUCCEEDED, provider=provider)
        .exclude(fine_tuned_model="")
        .values_list("fine_tuned_model", flat=True)
        .first()
    )


def coder_model_in_use() -> FineTuneJob | None:
    return FineTuneJob.objects.filter(used_for_coder=True).first()


def finetune_panel_context(user: SignedInUser, *, summary: dict[str, Any] | None) -> dict[str, Any]:
    """What feedback/_finetune_panel.html needs around `summary`, the training set's summary
    (feedback.training_store's stored one; None while it is first being computed)."""
    is_staff = bool(user.is_authenticated and user.is_staff)
    provider = llm_provider()
    return {
        "training_summary": summary,
        "min_examples": settings.FINE_TUNE_MIN_EXAMPLES,
        "enough_examples": summary is not None and summary["examples"] >= settings.FINE_TUNE_MIN_EXAMPLES,
        "can_start": is_staff,
        "provider": provider,
        "provider_configured": provider != "catalog",
        "default_base_model": settings.FINE_TUNE_BASE_MODEL,
        "jobs": list(FineTuneJob.objects.order_by("-created_at")[:PANEL_JOBS]) if is_staff else [],
        "show_jobs": is_staff,
        "coder_job": coder_model_in_use() if is_staff else None,
    }


def job_events_view(job: FineTuneJob) -> list[dict[str, Any]]:
    """The job's events for people: newest first, each with `time` (an aware datetime or None)."""
    shown = []
    for event in reversed(job.events):
        created = event.get("created_at")
        time = datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int | float) else None
        shown.append({**event, "time": time})
    return shown


# --- Helpers ---------------------------------------------------------------------------------------------


def _client() -> tuple[Provider, openai.OpenAI]:
    provider = llm_provider()
    if provider == "catalog":
        raise FineTuneUnavailable(
            "Fine-tuning needs an OpenAI or Azure OpenAI provider (LLM_PROVIDER with OPENAI_API_KEY or the "
            "AZURE_OPENAI_* settings); this installation runs offline from the catalog."
        )
    try:
        return provider, make_sdk(provider)
    except ImproperlyConfigured as exc:
        raise FineTuneUnavailable(f"Fine-tuning is not configured: {exc}") from exc


def _ensure_enough(training: TrainingSet) -> None:
    count, minimum = len(training.examples), settings.FINE_TUNE_MIN_EXAMPLES
    if count < minimum:
        there = "there is 1" if count == 1 else f"there are {count}"
        raise ApplicationError(
            f"Fine-tuning needs at least {minimum} examples; {there}.", code=ErrorCode.NOT_ENOUGH_EXAMPLES
        )


def _hyperparameters() -> SupervisedHyperparametersParam:
    epochs = settings.FINE_TUNE_EPOCHS
    return {"n_epochs": epochs if epochs > 0 else "auto"}


def _file_name() -> str:
    return f"codecapsule-coder-{timezone.now():%Y%m%d-%H%M%S}.jsonl"


def _apply_remote(job: FineTuneJob, remote: Any) -> None:
    """Copy the provider's FineTuningJob fields that change onto our row."""
    job.status = str(remote.status)
    job.fine_tuned_model = remote.fine_tuned_model or job.fine_tuned_model
    if remote.trained_tokens is not None:
        job.trained_tokens = remote.trained_tokens
    error = getattr(remote, "error", None)
    if error is not None and (getattr(error, "message", None) or getattr(error, "code", None)):
        job.error = " ".join(part for part in (f"[{error.code}]" if error.code else "", error.message or "") if part)
    if remote.finished_at:
        job.finished_at = datetime.fromtimestamp(remote.finished_at, tz=UTC)


def _merged_events(known: list[dict[str, Any]], fetched: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Known and fetched events by id, oldest first, the newest EVENTS_KEPT."""
    by_id: dict[str, dict[str, Any]] = {str(event.get("id")): event for event in known}
    for event in fetched:
        by_id[str(event.get("id"))] = {key: event.get(key) for key in ("id", "created_at", "level", "message", "type")}
    ordered = sorted(by_id.values(), key=lambda event: (event.get("created_at") or 0, str(event.get("id"))))
    return ordered[-EVENTS_KEPT:]


def _provider_error(exc: openai.APIError, client: openai.OpenAI, doing: str) -> FineTuneUnavailable:
    import openai

    body = exc.body
    # The server's own sentence when it sent an OpenAI error body; the SDK's message prefixes "Error code: …".
    message = str(body["message"]) if isinstance(body, dict) and body.get("message") else exc.message
    key = getattr(client, "api_key", "")
    if key and len(key) >= 8:
        message = message.replace(key, "***")  # servers sometimes echo credentials
    if isinstance(exc, openai.APIConnectionError):
        message = f"could not reach {client.base_url}"
    status = getattr(exc, "status_code", None)
    suffix = f" (HTTP {status})" if status else ""
    return FineTuneUnavailable(f"The provider could not {doing}: {message}{suffix}")
