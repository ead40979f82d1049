"""Training data for fine-tuning the Coder: creators' corrected capsules as OpenAI chat examples.

One example per edited capsule, in OpenAI's chat fine-tuning format, exactly as the Coder sees and answers:

    {"messages": [
        {"role": "system",    "content": the Coder's role prompt (coder.system.md, for the type/language/difficulty)},
        {"role": "user",      "content": the request and the Pedagogist's idea (coder.user.md)},
        {"role": "assistant", "content": the corrected capsule as the Coder's JSON answer}]}

Both prompts come from `generation.agents.coder.messages_for`, so a fine-tuned Coder is trained on the very
prompts it is later called with. The assistant answer is the capsule in the Coder's response schema
(`draft_from_capsule_data(...)`: CodeDraft, DatabaseDraft or TerminalDraft), not the BaseCapsule API shape: the
Coder is asked for that schema (structured outputs), so that is what it must learn to write. It holds no ids,
timestamps, status or creator; a DATABASE capsule's seed SQL and hidden dataset are read back from storage into it.

Which capsules count (in this order; the summary counts each reason for leaving one out):
1. It has at least one NetCorrection: its latest validated state differs from what the AI wrote (feedback.edits.net).
   A capsule whose edits were all undone (broken, then fixed back) has none and is not considered: the example
   would teach the model nothing it did not already write. And the caller may export it: staff (or no user,
   e.g. a management command) everyone's, a creator only their own; `owner` narrows to one creator.
2. Not rejected or flagged by moderation (skipped_moderated): staff said the content is bad.
2b. Its latest state is validated (skipped_not_validated; feedback.edits.net.is_validated_state): a capsule saved
   broken after its corrections is mid-edit, and a broken capsule must never become training data. The
   example is the capsule as it is now, so only a validated "now" qualifies.
3. It came from a generation job (skipped_no_job) whose Pedagogist idea was recorded (skipped_no_idea), and
   still has the job's type and language (skipped_request_changed): otherwise there is no request to learn from.
4. It passes the judge now (skipped_not_passing). The stored validation_report is the verdict of whatever judge
   ran at the last save; the runtimes and the gate change with deployments, and a training example that fails
   would teach the model broken capsules, so each capsule is judged again — by the rules for NEW capsules,
   because the example teaches the Coder to write new ones: a DATABASE capsule without a hidden dataset (saved
   before they existed) is left out, or the Coder would learn to omit it. Verdicts are cached per
   (capsule, updated_at) for FINE_TUNE_JUDGE_CACHE_SECONDS, since any edit changes updated_at.
5. Identical examples (same messages) count once (duplicates), e.g. two capsules corrected to the same thing
   from the same job request.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet

from capsules.hooks import judge_capsule
from capsules.models import Capsule, CapsuleStatus, CapsuleType
from capsules.selectors import capsule_base_dict
from codecapsule.http import SignedInUser
from feedback.edits.net import is_validated_state
from feedback.edits.selectors import generation_job_for_capsule
from feedback.models import NetCorrection
from generation.agents import coder
from generation.agents.base import GenerationRequest
from generation.agents.schemas import draft_from_capsule_data
from generation.models import AgentName, AgentStep, GenerationJob

Example = dict[str, list[dict[str, str]]]

_MODERATED_OUT = (CapsuleStatus.REJECTED, CapsuleStatus.FLAGGED)
_JUDGE_CACHE_PREFIX = "feedback:training:judged"


@dataclass
class TrainingSet:
    examples: list[Example] = field(default_factory=list)
    capsules_considered: int = 0
    skipped_moderated: int = 0
    skipped_not_validated: int = 0
    skipped_no_job: int = 0
    skipped_no_idea: int = 0
    skipped_request_changed: int = 0
    skipped_not_passing: int = 0
    duplicates: int = 0
    by_capsule_type: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        return {
            "examples": len(self.examples),
            "capsules_considered": self.capsules_considered,
            "skipped_moderated": self.skipped_moderated,
            "skipped_not_validated": self.skipped_not_validated,
            "skipped_no_job": self.skipped_no_job,
            "skipped_no_idea": self.skipped_no_idea,
            "skipped_request_changed": self.skipped_request_changed,
            "skipped_not_passing": self.skipped_not_passing,
            "duplicates": self.duplicates,
            "by_capsule_type": {value: self.by_capsule_type[value] for value in CapsuleType.values},
        }

    def jsonl(self) -> bytes:
        """The examples as JSON Lines (UTF-8, one example per line, a newline after each)."""
        return "".join(json.dumps(example, ensure_ascii=False) + "\n" for example in self.examples).encode()


# --- Public reads --------------------------------------------------------------------------------------------


def training_set_build(*, user: SignedInUser | None = None, owner: SignedInUser | None = None) -> TrainingSet:
    """The training set `user` may export (None: everyone's), optionally only `owner`'s capsules.

    Runs the judge on every edited capsule whose verdict is not cached: call it from a request only when the
    caller asked for the data (the export), not on every page view.
    """
    training = TrainingSet()
    seen: set[str] = set()
    for capsule in edited_capsules(user=user, owner=owner):
        training.capsules_considered += 1
        example = _example_for(capsule, training)
        if example is None:
            continue
        key = json.dumps(example, sort_keys=True, ensure_ascii=False)
        if key in seen:
            training.duplicates += 1
            continue
        seen.add(key)
        training.examples.append(example)
        training.by_capsule_type[capsule.capsule_type] += 1
    return training


def training_examples(*, user: SignedInUser | None = None, owner: SignedInUser | None = None) -> list[Example]:
    return training_set_build(user=user, owner=owner).examples


def training_set_summary(user: SignedInUser | None = None, *, owner: SignedInUser | None = None) -> dict[str, Any]:
    """{"examples", "capsules_considered", "skipped_*", "duplicates", "by_capsule_type": {type: examples}}."""
    return training_set_build(user=user, owner=owner).summary()


def edited_capsules(*, user: SignedInUser | None = None, owner: SignedInUser | None = None) -> QuerySet[Capsule]:
    """Capsules with at least one net correction that `user` may export, oldest first (a stable file order)."""
    capsules = Capsule.objects.filter(Exists(NetCorrection.objects.filter(capsule=OuterRef("pk"))))
    if user is not None and not user.is_staff:
        capsules = capsules.filter(creator=user)
    if owner is not None:
        capsules = capsules.filter(creator=owner)
    return capsules.order_by("created_at", "pk")


# --- One capsule -----------------------------------------------------------------------------------------


def _example_for(capsule: Capsule, training: TrainingSet) -> Example | None:
    if capsule.status in _MODERATED_OUT:
        training.skipped_moderated += 1
        return None
    if not is_validated_state(capsule):
        training.skipped_not_validated += 1
        return None
    job = generation_job_for_capsule(capsule)
    if job is None:
        training.skipped_no_job += 1
        return None
    idea = _pedagogist_idea(job)
    if idea is None:
        training.skipped_no_idea += 1
        return None
    if (job.capsule_type, job.language) != (capsule.capsule_type, capsule.language):
        training.skipped_request_changed += 1
        return None
    if not _passes_judge(capsule):
        training.skipped_not_passing += 1
        return None
    # The capsule's difficulty rather than the job's: a creator who relabels it corrects that too.
    request = GenerationRequest(
        capsule_type=capsule.capsule_type, language=capsule.language, difficulty=capsule.difficulty, prompt=job.prompt
    )
    system, user = coder.messages_for(request, idea)
    draft = draft_from_capsule_data(capsule_base_dict(capsule, include_seed_sql=True))
    answer = json.dumps(draft.model_dump(mode="json"), ensure_ascii=False)
    return {
        "messages": [
            {"role": "system", "content": system["content"]},
            {"role": "user", "content": user["content"]},
            {"role": "assistant", "content": answer},
        ]
    }


def _pedagogist_idea(job: GenerationJob) -> dict[str, Any] | None:
    """The last usable idea the job's Pedagogist wrote (the one the Coder worked from)."""
    output = (
        AgentStep.objects.filter(job=job, agent=AgentName.PEDAGOGIST, parsed_ok=True, output__isnull=False)
        .order_by("-position")
        .values_list("output", flat=True)
        .first()
    )
    return output if isinstance(output, dict) else None


def _passes_judge(capsule: Capsule) -> bool:
    key = f"{_JUDGE_CACHE_PREFIX}:{capsule.pk}:{capsule.updated_at.isoformat()}"
    verdict = cache.get(key)
    if verdict is None:
        verdict = bool(judge_capsule(capsule_base_dict(capsule), new=True).get("passed"))  # see step 4 above
        cache.set(key, verdict, settings.FINE_TUNE_JUDGE_CACHE_SECONDS)
    return verdict
