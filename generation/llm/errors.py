"""How an LLM call fails: one error type whose `kind` the pipeline, AgentStep rows and metrics branch on."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any


class LLMErrorKind(StrEnum):
    REFUSAL = "refusal"  # the model declined (message.refusal, or the provider's content filter)
    LENGTH = "length"  # finish_reason == "length": the answer was cut off
    INVALID_JSON = "invalid_json"  # not JSON, even after the repair request
    SCHEMA_MISMATCH = "schema_mismatch"  # JSON of the wrong shape, even after the repair request
    TIMEOUT = "timeout"  # openai.APITimeoutError after the SDK's retries
    RATE_LIMITED = "rate_limited"  # 429 after the SDK's retries
    SERVER_ERROR = "server_error"  # 5xx after the SDK's retries, or an answer that is not a chat completion
    CONNECTION = "connection"  # the server could not be reached
    AUTH = "auth"  # 401 / 403
    BAD_REQUEST = "bad_request"  # other 4xx (unknown model, context too long, ...)


class LLMError(Exception):
    """Why an LLM call produced no usable object. `kind` is the category metrics and the pipeline branch on."""

    def __init__(
        self, kind: LLMErrorKind, message: str, *, status_code: int | None = None, details: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.kind = LLMErrorKind(kind)
        self.message = message
        self.status_code = status_code
        self.details = tuple(details)  # validation errors, one "location: problem" per line

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.message}"

    def __repr__(self) -> str:
        return f"LLMError(kind={self.kind.value!r}, message={self.message!r}, status_code={self.status_code!r})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for AgentStep.error and the job API."""
        return {
            "kind": self.kind.value,
            "message": self.message,
            "status_code": self.status_code,
            "details": list(self.details),
        }


class NoNetworkLLM(RuntimeError):
    """LLM_PROVIDER is `catalog`: there is no network model to call; generation draws from the offline catalog."""

    def __init__(self) -> None:
        super().__init__(
            "No network LLM is configured (LLM_PROVIDER=catalog), so generation uses the offline catalog. "
            "To connect a model set OPENAI_API_KEY (optionally OPENAI_BASE_URL for an OpenAI-compatible server "
            "such as Ollama, vLLM or llama.cpp), or AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY, and restart."
        )
