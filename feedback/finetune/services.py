"""Fine-tuning the Coder on the training set: start, poll, choose the model; who may.

    finetune_start(actor=staff)        upload the JSONL, create the provider's job, store a FineTuneJob
    finetune_poll(job=job)             the provider's status, model, error and events → the row
    finetune_poll_unfinished()         the django-q2 schedule (feedback/finetune/tasks.py): every unfinished job
    finetune_use(job=job, actor=staff) its fine-tuned model becomes the Coder's (or stops being, use=False)

The provider is generation's (LLM_PROVIDER openai or azure, the same SDK client as the agents: base URL, key,
timeout, retries), reached through feedback.finetune.client; fine-tuning has nothing to do offline (catalog).
A chosen model applies only while the same provider is configured, since a fine-tuned model exists only where it
was trained (feedback.finetune.selectors.coder_model_override). On Azure a fine-tuned model is called through a
deployment: deploy it under its fine-tuned model name for the Coder to reach it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.utils import timezone

from codecapsule.errors import ApplicationError, Conflict, ErrorCode
from codecapsule.http import SignedInUser
from feedback.finetune import client
from feedback.finetune.client import ProviderError, RemoteJob
from feedback.models import FINE_TUNE_FINISHED, FineTuneJob
from feedback.training.build import TrainingSet, training_set_build
from feedback.training.exports import training_export_delete, training_export_save
from generation.llm.config import Provider, llm_provider

if TYPE_CHECKING:
    from feedback.finetune.client import SdkClient

logger = logging.getLogger("feedback.finetune")

# The Coder's fine-tuned models are named ft:<base>:<suffix>:...; the suffix says where a model came from.
MODEL_SUFFIX = "codecapsule-coder"
# Events kept per job, newest: the provider writes one per training step for long jobs ("metrics" events);
# a page of the latest is what people read, and it keeps the row small.
EVENTS_KEPT = 200
# Events asked for per poll (the API's page size maximum is 100).
EVENTS_PER_POLL = 100


class FineTuneUnavailable(ApplicationError):
    code = ErrorCode.FINE_TUNING_UNAVAILABLE


# --- Access ----------------------------------------------------------------------------------------------


def ensure_staff(actor: SignedInUser) -> None:
    if not (actor.is_authenticated and actor.is_staff):
        raise PermissionDenied("Fine-tuning is for staff.")


# --- Writes ----------------------------------------------------------------------------------------------


def finetune_start(*, actor: SignedInUser, base_model: str | None = None) -> FineTuneJob:
    """Start a fine-tuning job of `base_model` (default FINE_TUNE_BASE_MODEL) on everyone's training set.

    1. Staff only; a network provider must be configured; no other job may be unfinished (one at a time:
       a double click must not pay for two jobs).
    2. Build the training set (judging edited capsules) and refuse below FINE_TUNE_MIN_EXAMPLES.
    3. Upload the JSONL (purpose fine-tune), create the job with the supervised method, store the row.
    """
    ensure_staff(actor)
    base_model = (base_model or settings.FINE_TUNE_BASE_MODEL).strip()
    if not base_model:
        raise ApplicationError("Name a base model to fine-tune.", fields={"base_model": "This field is required."})
    provider, sdk = _connect()
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
    with sdk:
        try:
            file_id = client.upload_training_file(sdk, name=_file_name(), data=data)
            remote = client.create_job(
                sdk, training_file=file_id, base_model=base_model, suffix=MODEL_SUFFIX, n_epochs=_epochs()
            )
        except ProviderError as exc:
            training_export_delete(export_name)
            raise _unavailable(exc, "start the fine-tuning job") from exc
    job = FineTuneJob(
        provider=provider,
        provider_job_id=remote.id,
        training_file_id=file_id,
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
    if job.is_finished and job.events:
        return job
    try:
        provider, sdk = _connect()
        if provider != job.provider:
            raise FineTuneUnavailable(
                f"This job runs at {job.provider}, but the configured provider is {provider}: it cannot be checked."
            )
        with sdk:
            try:
                remote = client.retrieve_job(sdk, job.provider_job_id)
                events = client.list_events(sdk, job.provider_job_id, limit=EVENTS_PER_POLL)
            except ProviderError as exc:
                raise _unavailable(exc, "check the fine-tuning job") from exc
    except ApplicationError as exc:
        FineTuneJob.objects.filter(pk=job.pk).update(poll_error=exc.message, updated_at=timezone.now())
        job.poll_error = exc.message
        raise
    _apply_remote(job, remote)
    job.events = _merged_events(job.events, events)
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


# --- Helpers ---------------------------------------------------------------------------------------------


def _connect() -> tuple[Provider, SdkClient]:
    provider = llm_provider()
    if provider == "catalog":
        raise FineTuneUnavailable(
            "Fine-tuning needs an OpenAI or Azure OpenAI provider (LLM_PROVIDER with OPENAI_API_KEY or the "
            "AZURE_OPENAI_* settings); this installation runs offline from the catalog."
        )
    try:
        return provider, client.connect(provider)
    except ImproperlyConfigured as exc:
        raise FineTuneUnavailable(f"Fine-tuning is not configured: {exc}") from exc


def _unavailable(exc: ProviderError, doing: str) -> FineTuneUnavailable:
    return FineTuneUnavailable(f"The provider could not {doing}: {exc.detail}")


def _ensure_enough(training: TrainingSet) -> None:
    count, minimum = len(training.examples), settings.FINE_TUNE_MIN_EXAMPLES
    if count < minimum:
        there = "there is 1" if count == 1 else f"there are {count}"
        raise ApplicationError(
            f"Fine-tuning needs at least {minimum} examples; {there}.", code=ErrorCode.NOT_ENOUGH_EXAMPLES
        )


def _epochs() -> int | Literal["auto"]:
    epochs = settings.FINE_TUNE_EPOCHS
    return epochs if epochs > 0 else "auto"


def _file_name() -> str:
    return f"codecapsule-coder-{timezone.now():%Y%m%d-%H%M%S}.jsonl"


def _apply_remote(job: FineTuneJob, remote: RemoteJob) -> None:
    """Copy the provider's job fields that change onto our row."""
    job.status = remote.status
    job.fine_tuned_model = remote.fine_tuned_model or job.fine_tuned_model
    if remote.trained_tokens is not None:
        job.trained_tokens = remote.trained_tokens
    if remote.error_message or remote.error_code:
        code = f"[{remote.error_code}]" if remote.error_code else ""
        job.error = " ".join(part for part in (code, remote.error_message or "") if part)
    if remote.finished_at:
        job.finished_at = datetime.fromtimestamp(remote.finished_at, tz=UTC)


def _merged_events(known: list[dict[str, Any]], fetched: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Known and fetched events by id, oldest first, the newest EVENTS_KEPT."""
    by_id: dict[str, dict[str, Any]] = {str(event.get("id")): event for event in known}
    for event in fetched:
        by_id[str(event.get("id"))] = {key: event.get(key) for key in ("id", "created_at", "level", "message", "type")}
    ordered = sorted(by_id.values(), key=lambda event: (event.get("created_at") or 0, str(event.get("id"))))
    return ordered[-EVENTS_KEPT:]
