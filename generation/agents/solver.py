"""The Solver: what a learner sees of a draft (LearnerView) → a solution, for the statement check.

It never sees the reference, hidden tests, hidden data, setup or validation scripts: `learner_view` builds its
input from `capsules.schemas.learner_safe_config` (the one allow-list of what learners may see), plus the
statement, the title and, for DATABASE, the visible sample data a learner's Run queries.

Prompts: generation/prompts/solver.system.md (role, how the judge runs the answer) and solver.user.md (the view).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from capsules.schemas import CapsuleDraft, DatabaseConfig, learner_safe_config
from generation.agents.base import AgentCall, GenerationRequest, call_from_result
from generation.agents.schemas import SolverAnswer
from generation.llm import LLMClient
from generation.llm.config import Agent
from generation.models import AgentName
from generation.prompts import render, rules_for
from judges.validators.database import seed_sql_of

AGENT = cast(Agent, AgentName.SOLVER.value)
# Characters of sample data shown: a generated seed is a few dozen rows; a huge one is cut rather than sent whole.
SAMPLE_DATA_MAX_CHARS = 6000


@dataclass(frozen=True)
class LearnerView:
    title: str
    statement: str
    starting_code: str
    hints: list[str]
    examples: list[dict[str, str]] = field(default_factory=list)  # CODE: description, test_call, expected_json
    tables: list[dict[str, Any]] = field(default_factory=list)  # DATABASE
    sample_data: str = ""  # DATABASE: the visible seed
    dialect: str = ""
    tasks: list[dict[str, str]] = field(default_factory=list)  # TERMINAL: task_id, description


def learner_view(draft: CapsuleDraft) -> LearnerView:
    safe = learner_safe_config(draft.capsule_type, draft.config.model_dump())
    examples = [
        {"description": test["description"], "test_call": test["test_call"], "expected_json": json.dumps(test["expected_output"])}
        for test in safe.get("test_cases", [])
        if not test.get("is_hidden")
    ]
    sample = ""
    if isinstance(draft.config, DatabaseConfig):
        sample = seed_sql_of(draft.config)
        if len(sample) > SAMPLE_DATA_MAX_CHARS:
            sample = sample[:SAMPLE_DATA_MAX_CHARS] + "\n-- … (cut)"
    return LearnerView(
        title=draft.title,
        statement=draft.problem_statement_md,
        starting_code=safe.get("boilerplate_code", ""),
        hints=list(safe.get("hints", [])),
        examples=examples,
        tables=list(safe.get("schema_info", [])),
        sample_data=sample,
        dialect=str(safe.get("dialect", "")),
        tasks=list(safe.get("tasks", [])),
    )


def messages_for(request: GenerationRequest, view: LearnerView) -> list[dict[str, str]]:
    rules = rules_for(capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty)
    context = {**rules, "capsule_type": request.capsule_type, "dialect": view.dialect or "sqlite", "view": view}
    return [
        {"role": "system", "content": render("solver.system.md", **context)},
        {"role": "user", "content": render("solver.user.md", **context)},
    ]


def run(client: LLMClient, request: GenerationRequest, view: LearnerView) -> AgentCall:
    messages = messages_for(request, view)
    result = client.structured(messages=messages, response_model=SolverAnswer, agent=AGENT)
    answer = result.parsed
    output: Mapping[str, Any] | None = answer.model_dump() if answer is not None else None
    summary = f"Solved from the statement: {answer.approach}" if answer is not None else ""
    return call_from_result(agent=AGENT, messages=messages, result=result, output=dict(output) if output else None, summary=summary)
