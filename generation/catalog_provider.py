"""The offline agents (issue #4, item 4): the pipeline's agent interface served from the built-in catalog.

With settings.LLM_PROVIDER == "catalog" (the default when no key is set) the pipeline runs exactly as with a
network model — same stages, same AgentStep rows, the judge proves the capsule as usual — but no agent sends a
single byte over the network:

1. Pedagogist: `pick_blueprint` chooses the blueprint closest to the prompt's topic for the requested type,
   language and difficulty, skipping titles the creator already has (their capsules' titles), and returns
   its idea. The step's model is "catalog" and its summary names the blueprint.
2. Coder: returns that blueprint's capsule (a fresh copy). With a failure history (a regeneration) it moves
   on to the next closest blueprint not tried yet.
3. Debugger: the catalog cannot edit code, so a "fix" is the next closest blueprint not tried yet; the step
   says so. Blueprints are proven by the test suite, so this only happens if the judge changed under them.

Failure kinds of catalog steps (AgentStep.error_kind, job error_category): `catalog_exhausted` when no
untried blueprint is left for the type and language, `catalog_missing` when an idea names no blueprint.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generation.agents.base import AgentCall, FailedAttempt, GenerationRequest
from generation.agents.coder import size_of
from generation.catalog import Blueprint, blueprint_by_title, pick_blueprint, rank_blueprints, topic_score
from generation.models import AgentName

CATALOG_MODEL = "catalog"


class CatalogAgents:
    """One per job: remembers which blueprints this job has tried."""

    def __init__(self) -> None:
        self.tried: list[str] = []

    # the interface of generation.agents.base.Agents

    def pedagogist(self, request: GenerationRequest) -> AgentCall:
        started = time.monotonic()
        messages = _lookup_messages(request, "pick the blueprint closest to the topic")
        try:
            blueprint = pick_blueprint(
                capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty,
                prompt=request.prompt, exclude_titles=request.avoid_titles,
            )  # fmt: skip
        except LookupError:
            return _failed(AgentName.PEDAGOGIST, messages, started, "catalog_exhausted", _exhausted(request))
        self.tried.append(blueprint.title)
        idea = blueprint.idea.model_dump(mode="json")
        idea = {key: list(value) if isinstance(value, tuple) else value for key, value in idea.items()}
        return _done(
            AgentName.PEDAGOGIST, messages, started, idea,
            f"Catalog blueprint “{blueprint.title}”{_match_note(blueprint, request)}",
        )  # fmt: skip

    def coder(self, request: GenerationRequest, idea: Mapping[str, Any], history: Sequence[FailedAttempt] = ()) -> AgentCall:
        started = time.monotonic()
        if history:  # a regeneration: the blueprint behind the idea already failed, take the next one
            return self._replacement(AgentName.CODER, request, started, "regenerate after failed judgements")
        title = str(idea.get("title", ""))
        messages = _lookup_messages(request, f"the capsule of blueprint {title!r}")
        blueprint = blueprint_by_title(title)
        if blueprint is None:
            return _failed(AgentName.CODER, messages, started, "catalog_missing", f"The catalog has no blueprint titled {title!r}.")
        if blueprint.title not in self.tried:
            self.tried.append(blueprint.title)
        capsule = blueprint.capsule_data()
        return _done(AgentName.CODER, messages, started, capsule, f"Catalog capsule “{blueprint.title}”: {size_of(capsule)}")

    def debugger(
        self,
        request: GenerationRequest,
        idea: Mapping[str, Any],
        draft: Mapping[str, Any],
        report: Mapping[str, Any],
        history: Sequence[FailedAttempt] = (),
    ) -> AgentCall:
        return self._replacement(
            AgentName.DEBUGGER, request, time.monotonic(), f"replace {draft.get('title', '')!r}, which failed the judge"
        )

    def close(self) -> None:
        pass

    # helpers

    def _next_blueprint(self, request: GenerationRequest, *, exclude: Iterable[str] = ()) -> Blueprint | None:
        """The closest blueprint this job has not tried, preferring ones the creator does not have."""
        tried = {title.casefold() for title in self.tried}
        ranked = rank_blueprints(
            capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty,
            prompt=request.prompt, exclude_titles=exclude,
        )  # fmt: skip
        return next((blueprint for blueprint, _ in ranked if blueprint.title.casefold() not in tried), None)

    def _replacement(self, agent: AgentName, request: GenerationRequest, started: float, why: str) -> AgentCall:
        messages = _lookup_messages(request, why)
        blueprint = self._next_blueprint(request, exclude=request.avoid_titles)
        if blueprint is None:
            return _failed(agent, messages, started, "catalog_exhausted", _exhausted(request))
        self.tried.append(blueprint.title)
        capsule = blueprint.capsule_data()
        summary = f"The catalog cannot edit code; took the next closest blueprint “{blueprint.title}”: {size_of(capsule)}"
        return _done(agent, messages, started, capsule, summary, note=f"replaced by catalog blueprint {blueprint.title!r}")


def _lookup_messages(request: GenerationRequest, what: str) -> list[dict[str, Any]]:
    """What the catalog was asked, in the chat shape AgentStep.prompt stores for every agent."""
    return [
        {
            "role": "user",
            "content": (
                f"catalog lookup ({what}): {request.capsule_type} / {request.language} / {request.difficulty}; "
                f"topic: {request.prompt or '(none)'}"
                + (f"; creator already has: {', '.join(request.avoid_titles)}" if request.avoid_titles else "")
            ),
        }
    ]


def _match_note(blueprint: Blueprint, request: GenerationRequest) -> str:
    notes = []
    if request.prompt.strip():
        score = topic_score(blueprint, request.prompt)
        notes.append(f"topic match {score:.1f}" if score > 0 else "no topic match: the catalog's first pick")
    if blueprint.difficulty != request.difficulty:
        notes.append(f"{blueprint.difficulty}, the nearest difficulty left")
    return f" ({'; '.join(notes)})" if notes else ""


def _exhausted(request: GenerationRequest) -> str:
    return f"The catalog has no untried {request.capsule_type} blueprint in {request.language} left for this job."


def _done(
    agent: AgentName, messages: list[dict[str, Any]], started: float, output: dict[str, Any], summary: str, note: str = ""
) -> AgentCall:
    return AgentCall(
        agent=agent.value,
        model=CATALOG_MODEL,
        messages=messages,
        output=output,
        raw_response=json.dumps(output, ensure_ascii=False),
        latency_ms=round((time.monotonic() - started) * 1000, 2),
        summary=summary,
        note=note,
    )


def _failed(agent: AgentName, messages: list[dict[str, Any]], started: float, kind: str, message: str) -> AgentCall:
    return AgentCall(
        agent=agent.value,
        model=CATALOG_MODEL,
        messages=messages,
        latency_ms=round((time.monotonic() - started) * 1000, 2),
        error=message,
        error_kind=kind,
        summary=f"Failed ({kind}): {message}",
    )
