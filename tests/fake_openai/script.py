"""What the fake answers, one entry per HTTP request: replies, refusals, cut-offs, malformed text, errors, delays."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Delay",
    "HTTPError",
    "Reply",
    "ScriptEntry",
    "coerce",
    "cut_off",
    "delay",
    "http_error",
    "malformed",
    "refusal",
    "reply",
]


@dataclass(frozen=True)
class Reply:
    """A 200 chat completion."""

    content: str | None
    finish_reason: str = "stop"
    refusal: str | None = None
    # True: usage computed from the request and the answer (about 4 characters a token); False: no usage
    # field at all (some OpenAI-compatible servers omit it); (prompt, completion): exactly these counts.
    usage: bool | tuple[int, int] = True
    model: str | None = None  # None: echo the requested model (or the Azure deployment)


@dataclass(frozen=True)
class HTTPError:
    """An error answer with OpenAI's body shape {"error": {"message", "type", "param", "code"}}."""

    status: int
    message: str
    type: str
    param: str | None = None
    code: str | None = None
    retry_after: float | None = None  # seconds; sent as retry-after-ms and retry-after (rounded up)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Delay:
    seconds: float
    then: Reply | HTTPError


ScriptEntry = Reply | HTTPError | Delay


def reply(
    content: str | dict[str, Any] | list[Any], *, usage: bool | tuple[int, int] = True, model: str | None = None
) -> Reply:
    text = content if isinstance(content, str) else json.dumps(content)
    return Reply(content=text, usage=usage, model=model)


def refusal(text: str = "I'm sorry, I can't help with that request.") -> Reply:
    return Reply(content=None, refusal=text)


def cut_off(content: str = '{"title": "An answer that ran out of tok') -> Reply:
    return Reply(content=content, finish_reason="length")


def malformed(text: str = '{"title": "Unclosed", "items": [1, 2,') -> Reply:
    return Reply(content=text)


_DEFAULT_ERRORS = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("invalid_request_error", "Incorrect API key provided."),
    403: ("invalid_request_error", "You are not allowed to access this resource."),
    404: ("invalid_request_error", "The model does not exist or you do not have access to it."),
    422: ("invalid_request_error", "Unprocessable entity."),
    429: ("requests", "Rate limit reached for requests. Please try again shortly."),
}
# Short enough to keep tests fast; the SDK honours Retry-After (up to 2 minutes) instead of its own backoff.
_DEFAULT_RETRY_AFTER = 0.01


def http_error(
    status: int,
    message: str | None = None,
    *,
    type: str | None = None,  # noqa: A002 - OpenAI's field name
    param: str | None = None,
    code: str | None = None,
    retry_after: float | None | bool = True,
    headers: dict[str, str] | None = None,
) -> HTTPError:
    """An error answer. `retry_after=True` (default) sends a short Retry-After on 429 and 5xx only."""
    default_type, default_message = _DEFAULT_ERRORS.get(status, ("server_error", "The server had an error."))
    if retry_after is True:
        retry_after = _DEFAULT_RETRY_AFTER if status == 429 or status >= 500 else None
    elif retry_after is False:
        retry_after = None
    return HTTPError(
        status=status,
        message=message or default_message,
        type=type or default_type,
        param=param,
        code=code if code is not None else ("rate_limit_exceeded" if status == 429 else None),
        retry_after=retry_after,
        headers=tuple((headers or {}).items()),
    )


def delay(seconds: float, then: Reply | HTTPError | str | dict[str, Any] | None = None) -> Delay:
    return Delay(seconds=seconds, then=coerce(then if then is not None else {}))  # type: ignore[arg-type]


def coerce(entry: ScriptEntry | str | dict[str, Any] | list[Any]) -> ScriptEntry:
    """A script entry; a plain str, dict or list is shorthand for reply(...)."""
    if isinstance(entry, (Reply, HTTPError, Delay)):
        return entry
    if isinstance(entry, (str, dict, list)):
        return reply(entry)
    raise TypeError(f"not a script entry: {entry!r}")
