"""What every agent shares: the request, one call's outcome (AgentCall), the provider interface, and the
recorder that turns calls and judgements into AgentStep rows as they happen.

An agent never raises for a model failure: it returns an AgentCall whose `error_kind` says what went wrong
(an LLMErrorKind value for network models, a catalog kind offline). The pipeline decides what a failure
means (generation/pipeline.py); the recorder only writes it down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Max

from generation.llm import LLMResult, Message
from generation.models import AgentName, AgentStep, GenerationJob

if TYPE_CHECKING:
    from generation.agents.solver import LearnerView
    from generation.llm.limits import LimitsSource

# AgentStep.summary is one line on the progress page; longer model text stays in raw_response.
SUMMARY_MAX_CHARS = 300
# Characters of an error kept on a step (the full text of a server error can be a whole HTML page).
ERROR_MAX_CHARS = 5000


@dataclass(frozen=True)
class GenerationRequest:
    """The creator's forced choice plus their prompt, and titles they already have (not to be repeated)."""

    capsule_type: str
    language: str
    difficulty: str
    prompt: str
    avoid_titles: tuple[str, ...] = ()

    @property
    def topic(self) -> str:
        return self.prompt.strip() or f"any good {self.difficulty} {self.capsule_type} exercise in {self.language}"


@dataclass(frozen=True)
class FailedAttempt:
    """One judgement that failed, for the Coder's regeneration and the Debugger's 'already tried' list."""

    category: str
    message: str
    change: str = ""  # what the agent had changed before this judgement (the Debugger's diagnosis)


@dataclass
class AgentCall:
    """One agent call's outcome, whatever the provider. `output` is JSON-ready: the idea or the capsule dict."""

    agent: str
    model: str
    messages: list[dict[str, Any]]
    output: dict[str, Any] | None = None
    raw_response: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float = 0.0
    error: str = ""
    error_kind: str = ""
    summary: str = ""
    attempts: int = 1
    repairs: int = 0
    note: str = ""  # e.g. the Debugger's diagnosis, kept for the next prompts

    @property
    def ok(self) -> bool:
        return not self.error_kind and self.output is not None


def call_from_result(
    *,
    agent: str,
    messages: Sequence[Message],
    result: LLMResult[Any],
    output: dict[str, Any] | None,
    summary: str,
    note: str = "",
) -> AgentCall:
    """An AgentCall from the LLM client's result. The summary of a failure is the error itself."""
    error = result.error
    transport = []
    if result.attempts > 1:
        transport.append(f"{result.attempts} requests")
    if result.repairs:
        transport.append("answer repaired once")
    if error is not None:
        summary = f"Failed ({error.kind.value}): {error.message}"
    elif transport:
        summary = f"{summary} ({', '.join(transport)})"
    return AgentCall(
        agent=agent,
        model=result.model,
        # What was really sent: after a repair, the last request also holds the unusable answer and the
        # repair instruction; in JSON mode the system message carries the schema.
        messages=[dict(message) for message in (result.exchanges[-1].messages if result.exchanges else messages)],
        output=output if error is None else None,
        raw_response=result.raw_text,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        latency_ms=float(result.latency_ms),
        error=_error_text(result) if error is not None else "",
        error_kind=error.kind.value if error is not None else "",
        summary=summary,
        attempts=result.attempts,
        repairs=result.repairs,
        note=note,
    )


def _error_text(result: LLMResult[Any]) -> str:
    """The error as people read it: the message, the HTTP status if any, then the validation errors."""
    error = result.error
    assert error is not None
    text = error.message + (f" (HTTP {error.status_code})" if error.status_code else "")
    if error.details:
        text += "\n" + "\n".join(f"- {line}" for line in error.details)
    return text[:ERROR_MAX_CHARS]


class Agents(Protocol):
    """A provider of the three agents: network LLMs (generation.agents.LLMAgents) or the offline catalog
    (generation.catalog_provider.CatalogAgents)."""

    def pedagogist(self, request: GenerationRequest) -> AgentCall: ...

    def coder(self, request: GenerationRequest, idea: Mapping[str, Any], history: Sequence[FailedAttempt] = ()) -> AgentCall:
        """A full capsule for the idea. A non-empty `history` means: regenerate, earlier drafts failed so."""
        ...

    def debugger(
        self,
        request: GenerationRequest,
        idea: Mapping[str, Any],
        draft: Mapping[str, Any],
        report: Mapping[str, Any],
        history: Sequence[FailedAttempt] = (),
    ) -> AgentCall: ...

    # Why this provider cannot run the statement check ("" when it can: it has a Solver).
    solver_unavailable: str

    def solver(self, request: GenerationRequest, view: LearnerView) -> AgentCall:
        """A solution written from the learner's view alone (generation/agents/solver.py)."""
        ...

    def limit_calls(self, limits: LimitsSource) -> None:
        """Bound every later model call by `limits` (a job's budget, generation/budget.py)."""
        ...

    def close(self) -> None: ...


def one_line(text: str, limit: int = SUMMARY_MAX_CHARS) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class StepRecorder:
    """Writes a job's AgentStep rows in order, each in its own autocommit write, so the progress page
    (another connection, polling every second) sees every step as soon as it lands."""

    def __init__(self, job: GenerationJob) -> None:
        self.job = job
        self.position = job.steps.aggregate(last=Max("position"))["last"] or 0

    def _next(self) -> int:
        self.position += 1
        return self.position

    def agent(self, call: AgentCall) -> AgentStep:
        return AgentStep.objects.create(
            job=self.job,
            position=self._next(),
            agent=call.agent,
            model=call.model[:120],
            prompt=call.messages,
            raw_response=call.raw_response,
            parsed_ok=call.ok,
            prompt_tokens=call.prompt_tokens,
            completion_tokens=call.completion_tokens,
            latency_ms=call.latency_ms,
            error=call.error,
            error_kind=call.error_kind,
            summary=one_line(call.summary),
            output=call.output,
        )

    def judge(self, report: Mapping[str, Any], *, seconds: float, summary: str | None = None) -> AgentStep:
        """A judgement: the report JSON, its message as the summary (or the one given)."""
        passed = bool(report.get("passed"))
        return AgentStep.objects.create(
            job=self.job,
            position=self._next(),
            agent=AgentName.JUDGE,
            parsed_ok=passed,
            latency_ms=round(seconds * 1000, 1),
            error="" if passed else str(report.get("message", ""))[:ERROR_MAX_CHARS],
            error_kind="" if passed else str(report.get("category") or "failed"),
            summary=one_line(summary if summary is not None else str(report.get("message", ""))),
            report=dict(report),
        )


__all__ = [
    "AgentCall",
    "Agents",
    "FailedAttempt",
    "GenerationRequest",
    "StepRecorder",
    "call_from_result",
    "one_line",
]
