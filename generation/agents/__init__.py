"""The three agents of the generation pipeline, one small module each:

- pedagogist.py: the request → a CapsuleIdea (title, learning objectives, concepts, description, difficulty rationale)
- coder.py:      idea + type + language + difficulty → a full capsule draft in that type's schema
- debugger.py:   draft + the judge's ValidationReport → a fixed draft (code or expected output)
- solver.py:     what a learner sees of a passing draft → a solution, for the statement check

Each builds its messages from template files (generation/prompts/), asks the LLM for a pydantic model with
LLMClient.structured (schemas.py: strict-schema friendly) and returns an AgentCall (base.py), never raising for
a model failure. `LLMAgents` bundles them for the pipeline with one LLM client per job; the offline
counterpart with the same interface is generation/catalog_provider.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generation.agents import coder, debugger, pedagogist, solver
from generation.agents.base import (
    AgentCall,
    Agents,
    FailedAttempt,
    GenerationRequest,
    StepRecorder,
    call_from_result,
    one_line,
)
from generation.agents.schemas import DRAFT_MODELS, FIX_MODELS, CapsuleIdea, draft_from_capsule_data
from generation.agents.solver import LearnerView, learner_view
from generation.llm import LLMClient, get_llm_client
from generation.llm.limits import LimitsSource


class LLMAgents:
    """The agents over a network LLM (provider openai or azure); each agent uses its own model (model_for)."""

    def __init__(self, client: LLMClient | None = None) -> None:
        self.client = client if client is not None else get_llm_client()

    def pedagogist(self, request: GenerationRequest) -> AgentCall:
        return pedagogist.run(self.client, request)

    def coder(self, request: GenerationRequest, idea: Mapping[str, Any], history: Sequence[FailedAttempt] = ()) -> AgentCall:
        return coder.run(self.client, request, idea, history)

    def debugger(
        self,
        request: GenerationRequest,
        idea: Mapping[str, Any],
        draft: Mapping[str, Any],
        report: Mapping[str, Any],
        history: Sequence[FailedAttempt] = (),
    ) -> AgentCall:
        return debugger.run(self.client, request, idea, draft, report, history)

    solver_unavailable = ""

    def solver(self, request: GenerationRequest, view: LearnerView) -> AgentCall:
        return solver.run(self.client, request, view)

    def limit_calls(self, limits: LimitsSource) -> None:
        self.client.limits = limits

    def close(self) -> None:
        self.client.close()


__all__ = [
    "DRAFT_MODELS",
    "FIX_MODELS",
    "AgentCall",
    "Agents",
    "CapsuleIdea",
    "FailedAttempt",
    "GenerationRequest",
    "LLMAgents",
    "LearnerView",
    "StepRecorder",
    "call_from_result",
    "draft_from_capsule_data",
    "learner_view",
    "one_line",
]
