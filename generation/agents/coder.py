"""The Coder: a CapsuleIdea + the request (type, language, difficulty) → a full capsule draft in that type's
schema, as a BaseCapsule dict.

With a failure `history` it regenerates from scratch (the pipeline does this after two failed heals): the
prompt lists what the earlier drafts failed with.

Prompts: generation/prompts/coder.system.md (role; type, runtime and difficulty rules from types/,
languages/, difficulty/) and coder.user.md (the idea, the request, the failure history).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from generation.agents.base import AgentCall, FailedAttempt, GenerationRequest, call_from_result
from generation.agents.schemas import DRAFT_MODELS
from generation.llm import LLMClient
from generation.llm.config import Agent
from generation.models import AgentName
from generation.prompts import render, rules_for

AGENT = cast(Agent, AgentName.CODER.value)  # the LLM settings' agent names are AgentName's values


def messages_for(request: GenerationRequest, idea: Mapping[str, Any], history: Sequence[FailedAttempt] = ()) -> list[dict[str, str]]:
    rules = rules_for(capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty)
    context = {
        **rules,
        "capsule_type": request.capsule_type,
        "difficulty": request.difficulty,
        "topic": request.topic,
        "idea": idea,
        "history": history,
    }
    return [
        {"role": "system", "content": render("coder.system.md", **context)},
        {"role": "user", "content": render("coder.user.md", **context)},
    ]


def run(client: LLMClient, request: GenerationRequest, idea: Mapping[str, Any], history: Sequence[FailedAttempt] = ()) -> AgentCall:
    messages = messages_for(request, idea, history)
    result = client.structured(messages=messages, response_model=DRAFT_MODELS[request.capsule_type], agent=AGENT)
    draft = result.parsed
    output = None
    summary = ""
    if draft is not None:
        if not draft.title.strip():
            draft.title = str(idea.get("title", ""))
        output = draft.to_capsule_data(language=request.language, difficulty=request.difficulty)
        verb = "Rewrote" if history else "Wrote"
        summary = f"{verb} “{output['title']}”: {_size(output)}"
    return call_from_result(agent=AGENT, messages=messages, result=result, output=output, summary=summary)


def _size(capsule: Mapping[str, Any]) -> str:
    """What a draft holds, in a few words: '6 tests (3 hidden)', '2 tables', '3 tasks'."""
    config = capsule.get("config_data") or {}
    if capsule.get("capsule_type") == "CODE":
        tests = config.get("test_cases", [])
        hidden = sum(1 for test in tests if test.get("is_hidden"))
        return f"{len(tests)} tests ({hidden} hidden)"
    if capsule.get("capsule_type") == "DATABASE":
        tables = config.get("schema_info", [])
        return f"{len(tables)} table{'s' if len(tables) != 1 else ''} and a reference query"
    tasks = config.get("tasks", [])
    return f"{len(tasks)} task{'s' if len(tasks) != 1 else ''}"


size_of = _size
