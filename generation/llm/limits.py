"""What one model call may spend: an output-token cap and a deadline.

Every agent call is capped at its agent's LLM_MAX_TOKENS_<AGENT> (settings explain each size). A generation
job also has a total budget (generation/budget.py): it hands the client a `CallLimits` source, so each call's cap
is cut to the tokens the job has left and its HTTP timeout to the seconds it has left. A call can then overrun
the job's budget by at most its own prompt; the pipeline ends the job before the next call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from generation.llm.config import Agent


@dataclass(frozen=True)
class CallLimits:
    max_output_tokens: int | None = None  # None: the agent's cap alone
    deadline: float | None = None  # time.monotonic() by which the answer must be in; None: the SDK's timeout


class LimitsSource(Protocol):
    def call_limits(self) -> CallLimits: ...


def agent_output_cap(agent: Agent | None) -> int | None:
    """LLM_MAX_TOKENS_<AGENT>; None for a call that names no agent (it passes its own cap)."""
    if agent is None:
        return None
    return int(getattr(settings, f"LLM_MAX_TOKENS_{agent.upper()}"))


def output_cap(agent: Agent | None, explicit: int | None, limits: CallLimits | None) -> int | None:
    caps = [cap for cap in (explicit if explicit is not None else agent_output_cap(agent), limits and limits.max_output_tokens) if cap]
    return max(1, min(caps)) if caps else None


def request_timeout(limits: CallLimits | None) -> tuple[float, int] | None:
    """(timeout per request, retries) that keep the call, retries included, within the deadline; None: the SDK's
    own settings (no deadline)."""
    if limits is None or limits.deadline is None:
        return None
    left = max(limits.deadline - time.monotonic(), 1.0)
    timeout = min(float(settings.LLM_TIMEOUT_SECONDS), left)
    retries = int(settings.LLM_MAX_RETRIES)
    while retries and timeout * (retries + 1) > left:
        retries -= 1
    return timeout, retries
