"""The offline agents: the pipeline's agent interface served from the built-in catalog.

With settings.LLM_PROVIDER == "catalog" (the default when no key is set) the pipeline runs exactly as with a
network model — same stages, same AgentStep rows, the judge proves the capsule as usual — but no agent sends a
single byte over the network:

1. Pedagogist: picks the closest catalog exercise that FITS the request (generation.catalog.request_fit: the
   request's topic words must be found in the exercise), for the requested type and language, preferring the
   requested difficulty and exercises the creator does not have yet, and returns its idea. The step says why
   in words ("matches ‘binary search’ in the title; closest difficulty available: medium").
   When no exercise fits, it says so instead of handing over an unrelated one: the call fails with
   `no_catalog_match`, its output carries the closest exercises as suggestions, and the pipeline ends the job
   as JobStatus.NO_MATCH (nothing saved). A job started from a suggestion (`pinned_title`) takes exactly
   that exercise.
2. Coder: returns that blueprint's capsule (a fresh copy). With a failure history (a regeneration) it moves
   on to the next closest fitting blueprint not tried yet.
3. Debugger: the catalog cannot edit code, so a "fix" is the next closest fitting blueprint not tried yet;
   the step says so. Blueprints are proven by the test suite, so this only happens if the judge changed
   under them. A pinned job has nothing else to try.

Failure kinds of catalog steps (AgentStep.error_kind, job error_category): `no_catalog_match` (above),
`catalog_exhausted` when no untried fitting blueprint is left, `catalog_missing` when an idea (or a pinned
job) names no blueprint.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from generation.agents.base import AgentCall, FailedAttempt, GenerationRequest
from generation.agents.coder import size_of
from generation.agents.schemas import with_generated_tier
from generation.catalog import Blueprint, Fit, blueprint_by_title, closest_blueprints, fitting_blueprints, no_match_message
from generation.models import AgentName

if TYPE_CHECKING:
    from generation.agents.solver import LearnerView
    from generation.llm.limits import LimitsSource

CATALOG_MODEL = "catalog"
# The error kind (and job error_category) of a request no catalog exercise fits.
NO_CATALOG_MATCH = "no_catalog_match"


class CatalogAgents:
    """One per job: remembers which blueprints this job has tried. `pinned_title`: the job takes exactly this
    exercise (the creator chose it from a no-match job's suggestions)."""

    def __init__(self, pinned_title: str = "") -> None:
        self.tried: list[str] = []
        self.pinned_title = pinned_title

    # the interface of generation.agents.base.Agents

    def pedagogist(self, request: GenerationRequest) -> AgentCall:
        started = time.monotonic()
        if self.pinned_title:
            return self._pinned(request, started)
        messages = _lookup_messages(request, "pick the closest exercise that fits the topic")
        fits = fitting_blueprints(
            capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty,
            prompt=request.prompt, exclude_titles=request.avoid_titles,
        )  # fmt: skip
        if not fits:
            return _no_match(request, messages, started)
        fit = fits[0]
        self.tried.append(fit.blueprint.title)
        return _done(
            AgentName.PEDAGOGIST, messages, started, _idea_of(fit.blueprint),
            f"Catalog exercise “{fit.blueprint.title}”: {pick_reason(fit, request)}",
        )  # fmt: skip

    def _pinned(self, request: GenerationRequest, started: float) -> AgentCall:
        messages = _lookup_messages(request, f"the exercise the creator chose: {self.pinned_title!r}")
        blueprint = blueprint_by_title(self.pinned_title)
        if blueprint is None:
            message = f"The catalog has no exercise titled {self.pinned_title!r} any more."
            return _failed(AgentName.PEDAGOGIST, messages, started, "catalog_missing", message)
        self.tried.append(blueprint.title)
        summary = f"Catalog exercise “{blueprint.title}”: you chose it from the closest exercises"
        return _done(AgentName.PEDAGOGIST, messages, started, _idea_of(blueprint), summary)

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
        capsule = with_generated_tier(blueprint.capsule_data())
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

    # The catalog's exercises are written and reviewed by people; there is no model to solve them independently,
    # so a catalog job's statement check says it was skipped (generation/statement_check.py).
    solver_unavailable = "the offline catalog has no Solver: its exercises are written and reviewed by people"

    def solver(self, request: GenerationRequest, view: LearnerView) -> AgentCall:
        raise NotImplementedError(self.solver_unavailable)

    def limit_calls(self, limits: LimitsSource) -> None:
        pass  # no model calls to bound

    def close(self) -> None:
        pass

    # helpers

    def _next_blueprint(self, request: GenerationRequest, *, exclude: Iterable[str] = ()) -> Blueprint | None:
        """The closest fitting blueprint this job has not tried, preferring ones the creator does not have
        (none for a pinned job: the creator chose one exercise, a different one would not be it)."""
        if self.pinned_title:
            return None
        tried = {title.casefold() for title in self.tried}
        fits = fitting_blueprints(
            capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty,
            prompt=request.prompt, exclude_titles=exclude,
        )  # fmt: skip
        return next((fit.blueprint for fit in fits if fit.blueprint.title.casefold() not in tried), None)

    def _replacement(self, agent: AgentName, request: GenerationRequest, started: float, why: str) -> AgentCall:
        messages = _lookup_messages(request, why)
        blueprint = self._next_blueprint(request, exclude=request.avoid_titles)
        if blueprint is None:
            return _failed(agent, messages, started, "catalog_exhausted", self._exhausted(request))
        self.tried.append(blueprint.title)
        capsule = with_generated_tier(blueprint.capsule_data())
        summary = f"The catalog cannot edit code; took the next closest blueprint “{blueprint.title}”: {size_of(capsule)}"
        return _done(agent, messages, started, capsule, summary, note=f"replaced by catalog blueprint {blueprint.title!r}")

    def _exhausted(self, request: GenerationRequest) -> str:
        if self.pinned_title:
            return f"The chosen catalog exercise “{self.pinned_title}” did not pass the judge, and this job takes no other."
        return f"The catalog has no untried {request.capsule_type} exercise in {request.language} left that fits this request."


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


def pick_reason(fit: Fit, request: GenerationRequest) -> str:
    """Why the catalog took this exercise, in words: what of the request it matches, and what differs."""
    notes = [fit.reason]
    if fit.blueprint.difficulty != request.difficulty:
        notes.append(f"closest difficulty available: {fit.blueprint.difficulty}")
    if fit.blueprint.title.casefold() in {title.casefold() for title in request.avoid_titles}:
        notes.append("you already have it, and no other catalog exercise fits")
    return "; ".join(notes)


def suggestion_reason(fit: Fit, requested_difficulty: str) -> str:
    """Why a suggested exercise is close (it does not fit): the words it shares, and its difficulty."""
    difficulty = (
        f"same difficulty ({requested_difficulty})"
        if fit.blueprint.difficulty == requested_difficulty
        else f"{fit.blueprint.difficulty} instead of {requested_difficulty}"
    )
    if not fit.matched:
        return f"Nothing in common with the topic; same kind of exercise, {difficulty}."
    return f"{fit.reason[:1].upper()}{fit.reason[1:]}; {difficulty}."


def suggestions_for(request: GenerationRequest) -> list[dict[str, str]]:
    """The closest exercises to offer instead, JSON-ready (stored on the job as GenerationJob.suggestions)."""
    closest = closest_blueprints(
        capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty, prompt=request.prompt
    )
    return [
        {
            "title": fit.blueprint.title,
            "summary": fit.blueprint.summary,
            "difficulty": fit.blueprint.difficulty,
            "why": suggestion_reason(fit, request.difficulty),
        }
        for fit in closest
    ]


def _no_match(request: GenerationRequest, messages: list[dict[str, Any]], started: float) -> AgentCall:
    message = no_match_message(request.prompt, request.language)
    call = _failed(AgentName.PEDAGOGIST, messages, started, NO_CATALOG_MATCH, message)
    call.output = {"suggestions": suggestions_for(request)}
    call.summary = f"{message} No capsule was made; the closest exercises are offered instead."
    return call


def _idea_of(blueprint: Blueprint) -> dict[str, Any]:
    idea = blueprint.idea.model_dump(mode="json")
    return {key: list(value) if isinstance(value, tuple) else value for key, value in idea.items()}


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
