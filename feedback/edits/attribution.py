"""Which agent wrote the value a creator corrected (CreatorEdit.agent), from a generation job's drafts.

A job's Coder writes a whole capsule draft; each Debugger heal (or a Coder regeneration) writes a new one, and
the last draft is the one that was saved. For an edited path:

1. Each draft is normalised as the save path would store it (parse_capsule: defaults filled in, the runtime
   tier resolved), so that "the same value" means the same thing as in the stored capsule.
2. If the last draft's value at the path is not the value the creator corrected, nobody knows who wrote it —
   a person changed it since, or it never came from the job (e.g. `seed_sql_url` and `hidden_seed_sql_url`,
   which drafts carry as inline `seed_sql` and `hidden_seed_sql`) — and the agent is None. A path no draft has
   counts as None, so a test the creator added is attributed to the agent whose test list they extended.
3. Otherwise the agent is the author of the latest draft that changed the value at that path: the Coder for
   what no heal touched, the Debugger for what its heal rewrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from capsules.schemas import CapsuleValidationError, parse_capsule
from feedback.edits.diff import MISSING, value_at
from feedback.edits.selectors import job_drafts
from generation.models import GenerationJob


class AgentAttribution:
    def __init__(self, drafts: Sequence[tuple[str, Mapping[str, Any]]]):
        self._drafts = [(agent, normalised_draft(draft)) for agent, draft in drafts]

    @classmethod
    def for_job(cls, job: GenerationJob | None) -> AgentAttribution:
        return cls(job_drafts(job) if job is not None else [])

    def agent_for(self, path: str, original: Any) -> str | None:
        if not self._drafts or _value(self._drafts[-1][1], path) != original:
            return None
        author, previous = None, MISSING
        for agent, draft in self._drafts:
            value = _value(draft, path)
            if author is None or value != previous:
                author = agent
            previous = value
        return author


def _value(draft: Mapping[str, Any], path: str) -> Any:
    value = value_at(draft, path)
    return None if value is MISSING else value


def normalised_draft(draft: Mapping[str, Any]) -> Mapping[str, Any]:
    """The draft in the stored BaseCapsule shape; as it is when it does not validate (a failed draft)."""
    try:
        parsed = parse_capsule(draft)
    except CapsuleValidationError:
        return draft
    return {
        "title": parsed.title,
        "capsule_type": parsed.capsule_type,
        "problem_statement_md": parsed.problem_statement_md,
        "runtime_config": {"language": parsed.language, "runtime_tier": parsed.runtime_tier},
        "config_data": parsed.config_data(),
        "difficulty": parsed.difficulty,
    }
