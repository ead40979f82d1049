"""The LLM client the agents call: structured() turns messages into one validated pydantic object.

The steps (structured outputs, JSON-mode fallback, one repair, error classification) are described in the
package docstring (generation/llm/__init__.py).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import pydantic
from django.conf import settings

from generation.llm.config import LOCAL_SERVER_KEY, Agent, Provider, llm_provider, make_sdk, model_for
from generation.llm.errors import LLMError, LLMErrorKind, NoNetworkLLM
from generation.llm.limits import LimitsSource, output_cap, request_timeout
from generation.llm.results import LLMExchange, LLMResult, Message, Mode, Purpose, T

if TYPE_CHECKING:
    import openai

logger = logging.getLogger("generation.llm")

# A repair request lists at most this many validation errors: enough to fix a draft, short enough to stay a hint.
_MAX_REPAIR_ERRORS = 20

_JSON_MODE_INSTRUCTION = (
    "Reply with exactly one JSON object and nothing else: no prose, no Markdown code fences. "
    "The object must validate against this JSON Schema:\n{schema}"
)
_REPAIR_INSTRUCTION = (
    "Your previous answer (above) could not be used: {problem}\n"
    "Validation errors:\n{errors}\n"
    "Reply again with only the corrected JSON object. Keep everything that was right; fix only what the "
    "errors name."
)


def get_llm_client(agent: Agent | None = None) -> LLMClient:
    """A client for the configured provider; raises NoNetworkLLM in offline (catalog) mode.

    `agent` picks the default model for structured() calls that name no agent or model.
    """
    if agent is not None:
        model_for(agent)  # validates the name
    provider = llm_provider()
    if provider == "catalog":
        raise NoNetworkLLM()
    return LLMClient(sdk=make_sdk(provider), provider=provider, agent=agent)


# Servers that answered 400/422 to a json_schema response_format but served JSON mode: (provider, url, model).
_NO_STRUCTURED_OUTPUTS: set[tuple[str, str, str]] = set()
_NO_STRUCTURED_OUTPUTS_LOCK = threading.Lock()


# --- The client -------------------------------------------------------------------------------------------------


class LLMClient:
    """Thread-safe; one per job or per agent is fine. close() (or `with`) releases the connection pool."""

    def __init__(self, *, sdk: openai.OpenAI, provider: Provider, agent: Agent | None = None) -> None:
        self.sdk = sdk
        self.provider = provider
        self.agent = agent
        # A generation job's budget (generation/budget.py), consulted before each call; None: the agent caps only.
        self.limits: LimitsSource | None = None

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.sdk.close()

    def __repr__(self) -> str:  # no key in here, ever
        return f"<LLMClient provider={self.provider} agent={self.agent} base_url={self.sdk.base_url}>"

    def structured(
        self,
        *,
        messages: Sequence[Message],
        response_model: type[T],
        agent: Agent | None = None,
        model: str | None = None,
        temperature: float | None = None,
        max_completion_tokens: int | None = None,
    ) -> LLMResult[T]:
        """Ask for one `response_model` object. Never raises for LLM failures: they come back in result.error.

        1. Structured Outputs first (unless disabled or known unsupported for this server and model).
        2. A 400/422 answer to that request: try JSON mode once; remember it when JSON mode is served.
        3. Invalid JSON or a wrong shape: one repair request in the same mode.
        """
        agent = agent or self.agent
        model = model or (model_for(agent) if agent else str(settings.OPENAI_MODEL))
        options: dict[str, Any] = {}
        if temperature is not None:
            options["temperature"] = temperature
        limits = self.limits.call_limits() if self.limits is not None else None
        cap = output_cap(agent, max_completion_tokens, limits)
        if cap is not None:
            options["max_completion_tokens"] = cap
        memo_key = (self.provider, str(self.sdk.base_url), model)
        with _NO_STRUCTURED_OUTPUTS_LOCK:
            structured_ok = bool(settings.LLM_STRUCTURED_OUTPUTS) and memo_key not in _NO_STRUCTURED_OUTPUTS

        started = time.monotonic()
        mode: Mode = "structured" if structured_ok else "json"
        sent = _prepare(messages, response_model, mode)
        exchange, parsed = self._exchange("first", mode, model, sent, response_model, options, request_timeout(limits))
        exchanges = [exchange]

        first_error = exchange.error
        if (
            mode == "structured"
            and first_error is not None
            and first_error.kind is LLMErrorKind.BAD_REQUEST
            and first_error.status_code in _SCHEMA_REJECTED_STATUSES
        ):
            mode = "json"
            sent = _prepare(messages, response_model, mode)
            exchange, parsed = self._exchange("fallback", mode, model, sent, response_model, options, request_timeout(limits))
            exchanges.append(exchange)
            if exchange.error is None or exchange.error.kind in _ANSWERED_KINDS:
                with _NO_STRUCTURED_OUTPUTS_LOCK:
                    _NO_STRUCTURED_OUTPUTS.add(memo_key)
                logger.info("LLM %s does not take json_schema response formats; using JSON mode", model)

        if exchange.error is not None and exchange.error.kind in _REPAIRABLE_KINDS:
            repair = [*sent, {"role": "assistant", "content": exchange.raw_text}, _repair_message(exchange.error)]
            exchange, parsed = self._exchange("repair", mode, model, repair, response_model, options, request_timeout(limits))
            exchanges.append(exchange)

        result = _combine(
            exchanges, parsed, agent=agent, provider=self.provider, latency_ms=_ms_since(started), model=model
        )
        log = logger.warning if result.error else logger.info
        log(
            "LLM %s agent=%s model=%s mode=%s attempts=%d repairs=%d tokens=%s/%s latency_ms=%d error=%s",
            self.provider,
            agent,
            result.model,
            result.mode,
            result.attempts,
            result.repairs,
            result.prompt_tokens,
            result.completion_tokens,
            result.latency_ms,
            result.error.kind.value if result.error else "-",
        )
        return result

    # one round trip

    def _exchange(
        self,
        purpose: Purpose,
        mode: Mode,
        model: str,
        messages: Sequence[Message],
        response_model: type[T],
        options: dict[str, Any],
        timing: tuple[float, int] | None = None,
    ) -> tuple[LLMExchange, T | None]:
        import openai  # here, not at the top: the SDK adds about a second to every process that imports it

        started = time.monotonic()

        def done(
            error: LLMError | None,
            *,
            attempts: int,
            raw_text: str = "",
            finish_reason: str | None = None,
            answered_model: str | None = None,
            usage: tuple[int | None, int | None] = (None, None),
        ) -> LLMExchange:
            return LLMExchange(
                purpose=purpose,
                mode=mode,
                messages=tuple(messages),
                raw_text=raw_text,
                finish_reason=finish_reason,
                model=answered_model or model,
                prompt_tokens=usage[0],
                completion_tokens=usage[1],
                attempts=attempts,
                latency_ms=_ms_since(started),
                error=error,
            )

        sdk = self.sdk if timing is None else self.sdk.with_options(timeout=timing[0], max_retries=timing[1])
        completions = sdk.chat.completions.with_raw_response
        try:
            if mode == "structured":
                raw = completions.parse(
                    model=model, messages=cast(Any, messages), response_format=response_model, **options
                )
            else:
                raw = completions.create(
                    model=model, messages=cast(Any, messages), response_format={"type": "json_object"}, **options
                )
        except openai.APIError as exc:
            return done(self._classify_api_error(exc), attempts=_attempts_of(exc.request)), None

        attempts = raw.retries_taken + 1
        try:
            data = raw.http_response.json()
            choice = data["choices"][0]
            message = choice.get("message") or {}
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            error = LLMError(
                LLMErrorKind.SERVER_ERROR, "the server's answer is not a chat completion", status_code=raw.status_code
            )
            return done(error, attempts=attempts, raw_text=raw.http_response.text), None

        raw_content = message.get("content")
        content = raw_content if isinstance(raw_content, str) else ""
        refusal = message.get("refusal")
        finish_reason = choice.get("finish_reason")
        usage = _usage_of(data.get("usage"))

        def answered(error: LLMError | None, raw_text: str) -> LLMExchange:
            return done(
                error,
                attempts=attempts,
                raw_text=raw_text,
                finish_reason=finish_reason,
                answered_model=data.get("model"),
                usage=usage,
            )

        if refusal:
            return answered(LLMError(LLMErrorKind.REFUSAL, str(refusal)), str(refusal)), None
        if finish_reason == "content_filter":
            error = LLMError(LLMErrorKind.REFUSAL, "the provider's content filter stopped the answer")
            return answered(error, content), None
        if finish_reason == "length":
            error = LLMError(LLMErrorKind.LENGTH, "the answer was cut off at the model's output token limit")
            return answered(error, content), None

        parsed: T | None = None
        if mode == "structured":
            try:
                parsed = raw.parse().choices[0].message.parsed
            except (pydantic.ValidationError, openai.OpenAIError, ValueError, TypeError):
                parsed = None  # _validate below says precisely what is wrong
        validation_error = None
        if parsed is None:
            parsed, validation_error = _validate(response_model, content)
        return answered(validation_error, content), parsed

    def _classify_api_error(self, exc: openai.APIError) -> LLMError:
        import openai

        message = self._scrub(exc.message)
        status = getattr(exc, "status_code", None)
        if isinstance(exc, openai.APITimeoutError):
            timeout = self.sdk.timeout
            seconds = getattr(timeout, "read", timeout)  # an httpx.Timeout, or a number of seconds
            return LLMError(LLMErrorKind.TIMEOUT, f"no answer within {seconds} s (per request, after the retries)")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(LLMErrorKind.CONNECTION, f"could not reach the LLM server at {self.sdk.base_url}")
        if isinstance(exc, openai.RateLimitError):
            return LLMError(LLMErrorKind.RATE_LIMITED, message, status_code=status)
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return LLMError(LLMErrorKind.AUTH, message, status_code=status)
        if isinstance(exc, openai.APIStatusError):
            kind = LLMErrorKind.SERVER_ERROR if exc.status_code >= 500 else LLMErrorKind.BAD_REQUEST
            return LLMError(kind, message, status_code=status)
        return LLMError(LLMErrorKind.SERVER_ERROR, message, status_code=status)

    def _scrub(self, text: str) -> str:
        """Servers sometimes echo credentials in error messages; never pass them on."""
        key = getattr(self.sdk, "api_key", "")
        if key and key != LOCAL_SERVER_KEY and len(key) >= 8:
            text = text.replace(key, "***")
        return text


# What servers without json_schema support answer to it (400 from OpenAI-style servers, 422 from FastAPI-based
# ones). Any such answer earns one JSON-mode try: if the request was bad for another reason (e.g. too long),
# JSON mode fails the same way and the call ends as bad_request.
_SCHEMA_REJECTED_STATUSES = (400, 422)
_REPAIRABLE_KINDS = {LLMErrorKind.INVALID_JSON, LLMErrorKind.SCHEMA_MISMATCH}
# The server answered with a chat completion (whatever its content): JSON mode itself works there.
_ANSWERED_KINDS = _REPAIRABLE_KINDS | {LLMErrorKind.REFUSAL, LLMErrorKind.LENGTH}


# --- Helpers ----------------------------------------------------------------------------------------------------


def _prepare(messages: Sequence[Message], response_model: type[pydantic.BaseModel], mode: Mode) -> list[dict[str, Any]]:
    """The messages to send. JSON mode carries the schema in the system message (merged into the first one)."""
    prepared = [dict(message) for message in messages]
    if mode == "structured":
        return prepared
    schema = json.dumps(response_model.model_json_schema(), ensure_ascii=False)
    instruction = _JSON_MODE_INSTRUCTION.format(schema=schema)
    if prepared and prepared[0].get("role") in ("system", "developer"):
        prepared[0]["content"] = f"{prepared[0].get('content') or ''}\n\n{instruction}".strip()
    else:
        prepared.insert(0, {"role": "system", "content": instruction})
    return prepared


_CODE_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n(?P<body>.*?)\n\s*```\s*$", re.DOTALL)


def _validate(response_model: type[T], text: str) -> tuple[T | None, LLMError | None]:
    if not text.strip():
        return None, LLMError(LLMErrorKind.INVALID_JSON, "the answer was empty", details=("(root): empty answer",))
    fenced = _CODE_FENCE.match(text)
    candidate = fenced.group("body") if fenced else text
    try:
        return response_model.model_validate_json(candidate), None
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False)
        details = tuple(_describe(error) for error in errors)
        if any(error["type"] == "json_invalid" for error in errors):
            return None, LLMError(LLMErrorKind.INVALID_JSON, "the answer is not valid JSON", details=details)
        return None, LLMError(
            LLMErrorKind.SCHEMA_MISMATCH,
            f"the JSON does not match {response_model.__name__} ({len(errors)} error(s))",
            details=details,
        )


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ())) or "(root)"
    return f"{location}: {error.get('msg', 'invalid')}"


def _repair_message(error: LLMError) -> dict[str, str]:
    shown = list(error.details[:_MAX_REPAIR_ERRORS])
    if len(error.details) > len(shown):
        shown.append(f"... and {len(error.details) - len(shown)} more")
    errors = "\n".join(f"- {line}" for line in shown) or f"- {error.message}"
    return {"role": "user", "content": _REPAIR_INSTRUCTION.format(problem=f"{error.message}.", errors=errors)}


def _usage_of(usage: Any) -> tuple[int | None, int | None]:
    if not isinstance(usage, Mapping):
        return None, None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return (
        prompt if isinstance(prompt, int) else None,
        completion if isinstance(completion, int) else None,
    )


def _attempts_of(request: Any) -> int:
    """HTTP requests sent for a failed call: the SDK stamps each one with its retry count."""
    try:
        return int(request.headers.get("x-stainless-retry-count", "0")) + 1
    except (AttributeError, TypeError, ValueError):
        return 1


def _sum(values: list[int | None]) -> int | None:
    reported = [value for value in values if value is not None]
    return sum(reported) if reported else None


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _combine(
    exchanges: list[LLMExchange], parsed: T | None, *, agent: str | None, provider: str, latency_ms: int, model: str
) -> LLMResult[T]:
    last = exchanges[-1]
    return LLMResult(
        parsed=parsed if last.error is None else None,
        raw_text=last.raw_text,
        model=last.model or model,
        prompt_tokens=_sum([e.prompt_tokens for e in exchanges]),
        completion_tokens=_sum([e.completion_tokens for e in exchanges]),
        latency_ms=latency_ms,
        attempts=sum(e.attempts for e in exchanges),
        repairs=sum(1 for e in exchanges if e.purpose == "repair"),
        mode=last.mode,
        error=last.error,
        agent=agent,
        provider=provider,
        exchanges=tuple(exchanges),
    )
