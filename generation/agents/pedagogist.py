"""The Pedagogist: the creator's request → a CapsuleIdea (what the exercise teaches, before any code).

Prompts: generation/prompts/pedagogist.system.md (role, type summary, difficulty rules) and
pedagogist.user.md (the request, and the creator's existing titles to avoid).
"""

from __future__ import annotations

from typing import cast

from generation.agents.base import AgentCall, GenerationRequest, call_from_result
from generation.agents.schemas import CapsuleIdea
from generation.llm import LLMClient
from generation.llm.config import Agent
from generation.models import AgentName
from generation.prompts import render, rules_for

AGENT = cast(Agent, AgentName.PEDAGOGIST.value)  # the LLM settings' agent names are AgentName's values
# The creator's most recent titles shown as "already taken": enough to avoid repeats, short enough for a prompt.
AVOID_TITLES_SHOWN = 30


def messages_for(request: GenerationRequest) -> list[dict[str, str]]:
    rules = rules_for(capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty)
    context = {
        **rules,
        "capsule_type": request.capsule_type,
        "difficulty": request.difficulty,
        "topic": request.topic,
        "avoid_titles": request.avoid_titles[:AVOID_TITLES_SHOWN],
    }
    return [
        {"role": "system", "content": render("pedagogist.system.md", **context)},
        {"role": "user", "content": render("pedagogist.user.md", **context)},
    ]


def run(client: LLMClient, request: GenerationRequest) -> AgentCall:
    messages = messages_for(request)
    result = client.structured(messages=messages, response_model=CapsuleIdea, agent=AGENT)
    idea = result.parsed
    return call_from_result(
        agent=AGENT,
        messages=messages,
        result=result,
        output=idea.model_dump() if idea is not None else None,
        summary=f"Idea: {idea.title}" if idea is not None else "",
    )
