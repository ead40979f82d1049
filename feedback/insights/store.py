"""The stored insights (FeedbackSnapshot): written by the analysis task, read by the API and the dashboard.

Who sees what
-------------
* Staff see everyone's corrections: the global snapshot of the period, when it is fresh (computed after the newest
  edit and correction, and within SNAPSHOT_MAX_AGE); otherwise the insights are computed live (feedback.insights.analysis, five
  aggregated queries) and the stored LLM summary is carried over. So a stopped queue makes pages slower,
  never stale.
* A creator sees their own edits only: always computed live, never an LLM summary (one model call per
  creator per request would cost more than it tells).

The LLM summary
---------------
With a network provider (settings.LLM_PROVIDER openai or azure), a refresh asks the model once for a summary of
the SUMMARY_DAYS-day patterns and concrete prompt changes (generation.llm structured call), and stores it on
every period's row. It is reused for SUMMARY_MAX_AGE, so a burst of edits (each enqueueing an analysis) costs
one call, and the daily schedule refreshes it. With the catalog provider no call is made. A failed call keeps
the previous summary and is logged: the rule-based suggestions never depend on it.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import pydantic
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from codecapsule.http import SignedInUser
from feedback.insights.analysis import PERIODS, feedback_insights
from feedback.models import CreatorEdit, FeedbackSnapshot
from generation.llm import get_llm_client, network_llm_configured

logger = logging.getLogger(__name__)

# The daily schedule recomputes every snapshot; one older than this has missed a run, so it is not trusted.
SNAPSHOT_MAX_AGE = timedelta(hours=25)
# The LLM summary is asked again when older than this: a little under a day, so each daily run refreshes it.
SUMMARY_MAX_AGE = timedelta(hours=23)
# The period the LLM summarises (the dashboard's default).
SUMMARY_DAYS = 30
# Room for a few sentences and a handful of prompt changes.
SUMMARY_MAX_TOKENS = 800

SUMMARY_INSTRUCTIONS = (
    "You review the corrections that creators made to programming exercises written by AI agents: the "
    "Pedagogist (the idea and the statement), the Coder (the whole capsule: statement, reference solution, "
    "boilerplate, tests, hints) and the Debugger (repairs after the judge rejects a draft). You get aggregated "
    "counts of the net corrections (what the AI wrote against the latest version the judge passed) and of the "
    "judge's rejections, plus rule-based suggestions already derived from them. "
    "Write `summary`: three to five plain sentences on what the agents most often get wrong and what matters "
    "most. Write `prompt_changes`: at most five concrete instructions to add to a named agent's prompt, each "
    "starting with the agent's name and a colon. Do not invent numbers that are not in the data."
)


class FeedbackSummary(pydantic.BaseModel):
    summary: str
    prompt_changes: list[str]


# --- Reads ------------------------------------------------------------------------------------------------


def insights_for(*, user: SignedInUser, days: int, now: datetime | None = None) -> dict[str, Any]:
    """The insights `user` may see over `days` days (see the module docstring)."""
    now = now or timezone.now()
    if not user.is_staff:
        return feedback_insights(user=user, days=days, now=now)
    snapshot = FeedbackSnapshot.objects.filter(days=days).first()
    if snapshot is not None and _is_fresh(snapshot, now):
        return snapshot.insights
    insights = feedback_insights(user=user, days=days, now=now)
    insights["llm_summary"] = snapshot.insights.get("llm_summary") if snapshot is not None else None
    return insights


def _is_fresh(snapshot: FeedbackSnapshot, now: datetime) -> bool:
    if snapshot.computed_at < now - SNAPSHOT_MAX_AGE:
        return False
    # The edits, not the NetCorrection rows: every save that changes the corrections records edits in the same
    # transaction, and a save that undoes a correction deletes its row, leaving only the edit as a trace.
    return not CreatorEdit.objects.filter(created_at__gt=snapshot.computed_at).exists()


# --- Writes -----------------------------------------------------------------------------------------------


def feedback_snapshots_refresh(*, now: datetime | None = None) -> list[FeedbackSnapshot]:
    """Recompute the global insights of every period and store them (what the analysis task does).

    1. The insights of each period in PERIODS, for everyone (feedback.insights.analysis).
    2. The LLM summary: the stored one while it is younger than SUMMARY_MAX_AGE; otherwise, with a network
       provider, a new one of the SUMMARY_DAYS-day insights (the stored one when that call fails); None with
       the catalog provider.
    3. One row per period, replaced.
    """
    now = now or timezone.now()
    computed = {days: feedback_insights(user=None, days=days, now=now) for days in PERIODS}
    previous = FeedbackSnapshot.objects.filter(days=SUMMARY_DAYS).values_list("insights", flat=True).first()
    summary = _summary(computed[SUMMARY_DAYS], previous=(previous or {}).get("llm_summary"), now=now)
    snapshots = []
    for days, insights in computed.items():
        insights["llm_summary"] = summary
        snapshot, _ = FeedbackSnapshot.objects.update_or_create(days=days, defaults={"insights": insights, "computed_at": now})
        snapshots.append(snapshot)
    return snapshots


def _summary(insights: dict[str, Any], *, previous: dict[str, Any] | None, now: datetime) -> dict[str, Any] | None:
    if not network_llm_configured():
        return None
    if previous is not None:
        generated_at = parse_datetime(str(previous.get("generated_at", "")))
        if generated_at is not None and generated_at >= now - SUMMARY_MAX_AGE:
            return previous
    if not insights["total_edits"]:
        return previous  # nothing to summarise yet: no call
    return llm_summarise(insights, now=now) or previous


def llm_summarise(insights: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any] | None:
    """Ask the configured model for a summary of `insights`; None when the call fails (logged)."""
    facts = {
        key: insights[key]
        for key in (
            "days",
            "total_edits",
            "by_edit_type",
            "by_field",
            "by_capsule_type",
            "by_language",
            "by_agent",
            "failure_categories",
        )  # fmt: skip
    }
    facts["rule_based_suggestions"] = [suggestion["text"] for suggestion in insights["suggestions"]]
    messages = [
        {"role": "system", "content": SUMMARY_INSTRUCTIONS},
        {"role": "user", "content": json.dumps(facts, ensure_ascii=False)},
    ]
    with get_llm_client() as client:
        result = client.structured(messages=messages, response_model=FeedbackSummary, max_completion_tokens=SUMMARY_MAX_TOKENS)
    if not result.ok:
        logger.warning("The feedback summary failed: %s", result.error)
        return None
    parsed = result.unwrap()
    return {
        "text": parsed.summary.strip(),
        "prompt_changes": [change.strip() for change in parsed.prompt_changes if change.strip()],
        "model": result.model,
        "days": insights["days"],
        "generated_at": (now or timezone.now()).isoformat(),
    }
