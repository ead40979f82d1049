"""Capsules the training set is made of: made by a generation job (with the Pedagogist's idea), then corrected
by a person through capsule_update, as on the dashboard or the API. Shared by the training-data and
fine-tuning tests."""

from __future__ import annotations

import copy
from typing import Any

from capsules.hooks import EditPath
from capsules.models import Capsule
from capsules.selectors import capsule_base_dict
from capsules.services import capsule_create, capsule_update
from capsules.tests.samples import capsule_data
from generation.models import AgentName, AgentStep, GenerationJob, JobStatus

IDEA = {
    "title": "Find the largest number",
    "learning_objectives": ["Use a built-in function on a list"],
    "concepts": ["lists", "max"],
    "description": "The learner returns the largest number of a non-empty list.",
    "difficulty_rationale": "One built-in call.",
}


def generated_capsule(creator, capsule_type: str = "CODE", *, prompt: str = "the largest number in a list",
                      idea: dict[str, Any] | None = IDEA, **overrides: Any) -> Capsule:
    """A capsule as the pipeline saves it: the job that made it, its Pedagogist step (unless idea=None)."""
    capsule = capsule_create(creator=creator, data=capsule_data(capsule_type, **overrides))
    job = GenerationJob.objects.create(
        creator=creator, capsule_type=capsule.capsule_type, language=capsule.language, difficulty=capsule.difficulty,
        prompt=prompt, provider="openai", status=JobStatus.SUCCEEDED, result_capsule=capsule,
    )  # fmt: skip
    if idea is not None:
        AgentStep.objects.create(job=job, position=1, agent=AgentName.PEDAGOGIST, parsed_ok=True, output=idea)
    AgentStep.objects.create(
        job=job, position=2, agent=AgentName.CODER, parsed_ok=True, output=capsule_base_dict(capsule)
    )  # fmt: skip
    return capsule


def corrected(capsule: Capsule, actor=None, **changes: Any) -> Capsule:
    """capsule_update with top-level fields changed and `config_data` keys merged (a person's correction)."""
    data = copy.deepcopy(capsule_base_dict(capsule, include_seed_sql=True))
    config_changes = changes.pop("config_data", {})
    data.update(changes)
    data["config_data"].update(config_changes)
    return capsule_update(capsule=capsule, actor=actor or capsule.creator, data=data, source=EditPath.API)


def corrected_capsule(creator, title: str, capsule_type: str = "CODE", **kwargs: Any) -> Capsule:
    """A generated capsule whose title a person rewrote to `title` (distinct titles: distinct examples)."""
    return corrected(generated_capsule(creator, capsule_type, **kwargs), title=title)
