"""The provider's fine-tuning API, through the OpenAI SDK: the only module of feedback that calls (or imports) it.

    connect(provider)                           generation's SDK client (base URL, key, timeout, retries)
    upload_training_file(sdk, name=, data=)     the JSONL, purpose fine-tune → its file id
    create_job(sdk, training_file=, ...)        a supervised job → RemoteJob
    retrieve_job(sdk, job_id)                   the job as the provider sees it now → RemoteJob
    list_events(sdk, job_id, limit=)            its latest events, as JSON-ready dicts

Plain data in and out: a call the provider refuses, or one that does not reach it, raises ProviderError with a
message safe to show (the key is never in it). The SDK is imported where it is used: it adds about a second to
every process that imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from generation.llm.config import Provider, make_sdk

if TYPE_CHECKING:
    import openai
    from openai.types.fine_tuning import FineTuningJob

    SdkClient: TypeAlias = openai.OpenAI


class ProviderError(Exception):
    """The provider refused a call or could not be reached: `message` is safe to show, `status` its HTTP status."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def detail(self) -> str:
        return f"{self.message} (HTTP {self.status})" if self.status else self.message


@dataclass(frozen=True)
class RemoteJob:
    """The fields of the provider's FineTuningJob that we keep."""

    id: str
    model: str
    status: str
    fine_tuned_model: str | None
    trained_tokens: int | None
    error_code: str | None
    error_message: str | None
    finished_at: int | None  # Unix seconds


def connect(provider: Provider) -> SdkClient:
    """The SDK client for a network provider; ImproperlyConfigured when its settings are incomplete. Use it in a
    `with` block, which closes its connections."""
    return make_sdk(provider)


def upload_training_file(sdk: SdkClient, *, name: str, data: bytes) -> str:
    """Upload `data` as a fine-tuning file called `name`; its file id."""
    import openai

    try:
        return sdk.files.create(file=(name, data), purpose="fine-tune").id
    except openai.APIError as exc:
        raise _provider_error(exc, sdk) from exc


def create_job(
    sdk: SdkClient, *, training_file: str, base_model: str, suffix: str, n_epochs: int | Literal["auto"]
) -> RemoteJob:
    """Create a supervised fine-tuning job of `base_model` on an uploaded file."""
    import openai

    try:
        remote = sdk.fine_tuning.jobs.create(
            training_file=training_file,
            model=base_model,
            suffix=suffix,
            method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": n_epochs}}},
        )
    except openai.APIError as exc:
        raise _provider_error(exc, sdk) from exc
    return _remote_job(remote)


def retrieve_job(sdk: SdkClient, job_id: str) -> RemoteJob:
    import openai

    try:
        return _remote_job(sdk.fine_tuning.jobs.retrieve(job_id))
    except openai.APIError as exc:
        raise _provider_error(exc, sdk) from exc


def list_events(sdk: SdkClient, job_id: str, *, limit: int) -> list[dict[str, Any]]:
    """The job's latest `limit` events (one page), each as JSON."""
    import openai

    try:
        events = sdk.fine_tuning.jobs.list_events(job_id, limit=limit)
    except openai.APIError as exc:
        raise _provider_error(exc, sdk) from exc
    return [event.model_dump(mode="json") for event in events.data]


def _remote_job(remote: FineTuningJob) -> RemoteJob:
    error = getattr(remote, "error", None)
    return RemoteJob(
        id=remote.id,
        model=remote.model,
        status=str(remote.status),
        fine_tuned_model=remote.fine_tuned_model,
        trained_tokens=remote.trained_tokens,
        error_code=getattr(error, "code", None) if error is not None else None,
        error_message=getattr(error, "message", None) if error is not None else None,
        finished_at=remote.finished_at,
    )


def _provider_error(exc: openai.APIError, sdk: SdkClient) -> ProviderError:
    import openai

    body = exc.body
    # The server's own sentence when it sent an OpenAI error body; the SDK's message prefixes "Error code: …".
    message = str(body["message"]) if isinstance(body, dict) and body.get("message") else exc.message
    key = getattr(sdk, "api_key", "")
    if key and len(key) >= 8:
        message = message.replace(key, "***")  # servers sometimes echo credentials
    if isinstance(exc, openai.APIConnectionError):
        message = f"could not reach {sdk.base_url}"
    return ProviderError(message, getattr(exc, "status_code", None))
