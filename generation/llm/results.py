"""What an LLM call returns: the parsed object (or an LLMError) plus what it cost."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import pydantic

from generation.llm.errors import LLMError, LLMErrorKind

Mode = Literal["structured", "json"]
Purpose = Literal["first", "fallback", "repair"]
Message = Mapping[str, Any]  # {"role": "system" | "user" | "assistant", "content": "..."}

T = TypeVar("T", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class LLMExchange:
    """One request/answer round, SDK retries included: the first try, the JSON-mode fallback, or the repair."""

    purpose: Purpose
    mode: Mode
    messages: tuple[Message, ...]
    raw_text: str
    finish_reason: str | None
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    attempts: int  # HTTP requests sent, SDK retries included
    latency_ms: int
    error: LLMError | None


@dataclass(frozen=True)
class LLMResult(Generic[T]):
    parsed: T | None
    raw_text: str  # the last answer's text (the refusal text for a refusal)
    model: str  # as reported by the server (falls back to the requested model)
    prompt_tokens: int | None  # summed over the exchanges; None when the server reported no usage
    completion_tokens: int | None
    latency_ms: int  # wall time of the whole call: retries, fallback and repair included
    attempts: int  # HTTP requests sent in all
    repairs: int  # 0 or 1
    mode: Mode  # of the last exchange
    error: LLMError | None
    agent: str | None = None
    provider: str = "openai"
    exchanges: tuple[LLMExchange, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None and self.parsed is not None

    @property
    def total_tokens(self) -> int | None:
        if self.prompt_tokens is None and self.completion_tokens is None:
            return None
        return (self.prompt_tokens or 0) + (self.completion_tokens or 0)

    def unwrap(self) -> T:
        """The parsed object, or raise the LLMError."""
        if self.error is not None:
            raise self.error
        if self.parsed is None:  # pragma: no cover - structured() never returns this combination
            raise LLMError(LLMErrorKind.INVALID_JSON, "the model gave no answer")
        return self.parsed
