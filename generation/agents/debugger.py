"""The Debugger: a draft that failed the judge + the judge's ValidationReport → a fixed draft.

The prompt (generation/prompts/debugger.system.md and debugger.user.md) shows the report's category and
message, every failing check with its call, expected output, actual output and stderr (TERMINAL: each
task's before/after outcome), the judge's steps, earlier failed attempts, and the whole draft in the shape the
Debugger answers in. It says the Debugger may fix the code or a wrong expected output (or both), and asks for
a diagnosis that the pipeline keeps for later prompts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from generation.agents.base import AgentCall, FailedAttempt, GenerationRequest, call_from_result
from generation.agents.coder import size_of
from generation.agents.schemas import FIX_MODELS, draft_from_capsule_data
from generation.llm import LLMClient
from generation.llm.config import Agent
from generation.models import AgentName
from generation.prompts import render, rules_for

AGENT = cast(Agent, AgentName.DEBUGGER.value)  # the LLM settings' agent names are AgentName's values

# Failing checks shown in full; more would mostly repeat the same mistake and cost tokens.
MAX_FAILING_TESTS_SHOWN = 3
# Characters of one output (expected, actual, stderr) shown in the prompt.
MAX_OUTPUT_CHARS = 1500


def _clip(text: Any) -> str:
    text = str(text or "")
    return text if len(text) <= MAX_OUTPUT_CHARS else text[:MAX_OUTPUT_CHARS] + "\n… (cut)"


def failing_tests(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The report's failing tests, numbered from 1 as the judge's messages number them. Tests the judge did not
    run (NR: it stopped at an earlier test's limit) are left out: they did not fail, and showing them with an
    empty output would say they printed nothing."""
    shown = []
    for test in report.get("tests") or []:
        if test.get("verdict") in ("AC", "NR"):
            continue
        shown.append(
            {
                "number": int(test.get("index", 0)) + 1,
                "description": test.get("description", ""),
                "is_hidden": bool(test.get("is_hidden")),
                "verdict": test.get("verdict", ""),
                "call": _clip(test.get("call")),
                "expected_json": json.dumps(_clip(test.get("expected")), ensure_ascii=False),
                "actual_json": json.dumps(_clip(test.get("actual")), ensure_ascii=False),
                "stderr": _clip(test.get("stderr")).strip(),
            }
        )
        if len(shown) == MAX_FAILING_TESTS_SHOWN:
            break
    return shown


def messages_for(
    request: GenerationRequest,
    idea: Mapping[str, Any],
    draft: Mapping[str, Any],
    report: Mapping[str, Any],
    history: Sequence[FailedAttempt] = (),
) -> list[dict[str, str]]:
    rules = rules_for(capsule_type=request.capsule_type, language=request.language, difficulty=request.difficulty)
    shown_draft = draft_from_capsule_data(draft).model_dump()
    context = {
        **rules,
        "capsule_type": request.capsule_type,
        "difficulty": request.difficulty,
        "idea": idea,
        "report": report,
        "failing_tests": failing_tests(report),
        "test_count": len(report.get("tests") or []),
        "tasks": [
            {**task, "output_before": _clip(task.get("output_before")), "output_after": _clip(task.get("output_after"))}
            for task in report.get("tasks") or []
        ],
        "steps": report.get("steps") or [],
        "history": history,
        "attempt": len(history) + 1,
        "draft_json": json.dumps(shown_draft, indent=2, ensure_ascii=False),
    }
    return [
        {"role": "system", "content": render("debugger.system.md", **context)},
        {"role": "user", "content": render("debugger.user.md", **context)},
    ]


def run(
    client: LLMClient,
    request: GenerationRequest,
    idea: Mapping[str, Any],
    draft: Mapping[str, Any],
    report: Mapping[str, Any],
    history: Sequence[FailedAttempt] = (),
) -> AgentCall:
    messages = messages_for(request, idea, draft, report, history)
    result = client.structured(messages=messages, response_model=FIX_MODELS[request.capsule_type], agent=AGENT)
    fix = result.parsed
    output = None
    summary = ""
    note = ""
    if fix is not None:
        if not fix.draft.title.strip():
            fix.draft.title = str(draft.get("title", ""))
        output = fix.draft.to_capsule_data(language=request.language, difficulty=request.difficulty)
        note = " ".join(fix.diagnosis.split())
        summary = f"Fix: {note}" if note else f"Returned a fixed capsule: {size_of(output)}"
    return call_from_result(agent=AGENT, messages=messages, result=result, output=output, summary=summary, note=note)
