"""The Solver and the statement check against the real model, on proven catalog exercises.

A 270M model rarely gets a whole job as far as the Solver (it fails earlier: llmtests/test_generation_jobs.py), so
here the Solver is given a capsule the judge has already proven, as the pipeline would after a passing gate: one of
each type. Whatever the model writes, its request must be served, its prompt must hold nothing a learner cannot
see, and the judge must reach a verdict on its solution (agreed or statement_disagreement), never crash.
"""

from __future__ import annotations

import pytest

from capsules.schemas import parse_capsule
from generation.agents import GenerationRequest, learner_view
from generation.agents import solver as solver_agent
from generation.catalog import pick_blueprint
from generation.llm import get_llm_client
from judges import validate
from judges.statement_check import DISAGREEMENT, check_solution
from llmtests.test_client import ANSWER_KINDS

pytestmark = pytest.mark.django_db

EXERCISES = [("CODE", "python"), ("DATABASE", "sql"), ("TERMINAL", "bash")]


@pytest.mark.parametrize(("capsule_type", "language"), EXERCISES, ids=[kind.lower() for kind, _ in EXERCISES])
def test_the_solver_answers_from_the_learners_view_and_the_judge_checks_it(capsule_type, language, job_report):
    data = pick_blueprint(capsule_type=capsule_type, language=language, difficulty="easy", prompt="").capsule_data()
    gate = validate(data)
    assert gate.passed, gate.message
    draft = parse_capsule(data)
    request = GenerationRequest(capsule_type=capsule_type, language=language, difficulty="easy", prompt="")

    with get_llm_client() as client:
        call = solver_agent.run(client, request, learner_view(draft))

    sent = "\n".join(str(message["content"]) for message in call.messages)
    assert data["config_data"].get("reference_solution", "\0") not in sent  # never the reference
    assert call.prompt_tokens and call.prompt_tokens > 0, call.error
    if not call.ok:
        assert call.error_kind in {kind.value for kind in ANSWER_KINDS}, call.error
        job_report(f"Solver {capsule_type:<9} no usable answer ({call.error_kind})")
        return
    assert call.output is not None
    result = check_solution(draft, str(call.output["solution"]), gate.model_dump(mode="json"))
    assert result.passed or result.category == DISAGREEMENT, result.message
    assert result.message.strip()
    job_report(f"Solver {capsule_type:<9} {'agreed' if result.passed else 'disagreed'}: {result.message[:90]}")
