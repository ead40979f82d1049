"""The feedback dashboard `/feedback/`: corrections over time and by type, the top patterns with
example diffs (what the AI wrote against the latest validated value: feedback.edits.net), suggested prompt changes,
the training-set size and the fine-tuning card.

Staff see everyone's edits, a creator their own (feedback.insights.store.insights_for). The charts are drawn on
the server (SVG and CSS bars, each with a table for screen readers and for exact numbers): no script.
The training set and the fine-tuning card come from feedback.training.build and feedback.finetune.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET

from codecapsule.http import AuthenticatedHttpRequest
from feedback.finetune.selectors import finetune_panel_context
from feedback.insights.analysis import (
    DEFAULT_DAYS,
    PERIODS,
    TOP_PATTERNS,
    DiffLine,
    line_diff,
    pattern_examples,
    period_since,
    scope_corrections,
    scope_edits,
)
from feedback.insights.store import insights_for
from feedback.models import EditType, NetCorrection
from feedback.tasks import enqueue_analysis
from feedback.training.store import stored_training_summary

# The weekly chart's SVG coordinates: one slot per week, bars filling BAR_SHARE of it.
CHART_HEIGHT = 100
CHART_SLOT = 10
BAR_SHARE = 0.7
_TYPE_LABELS = dict(EditType.choices)


def dashboard_days(value: Any) -> int:
    """The period asked for (?days=), or the default when it is missing or not one we offer (a page, not an API)."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if days in PERIODS else DEFAULT_DAYS


@dataclass(frozen=True)
class WeekBar:
    week: dict[str, Any]
    types: list[tuple[str, int]]  # (edit type label, edits), for the table
    x: float
    y: float
    height: float


def week_bars(trend: list[dict[str, Any]]) -> tuple[list[WeekBar], int]:
    """SVG bars of the weekly totals, scaled to the busiest week (its total is returned for the axis label)."""
    peak = max((week["total"] for week in trend), default=0)
    bars = []
    for index, week in enumerate(trend):
        height = round(CHART_HEIGHT * week["total"] / peak, 2) if peak else 0
        x = round(index * CHART_SLOT + CHART_SLOT * (1 - BAR_SHARE) / 2, 2)
        types = [(_TYPE_LABELS.get(key, key), n) for key, n in week["by_type"].items()]
        bars.append(WeekBar(week=week, types=types, x=x, y=round(CHART_HEIGHT - height, 2), height=height))
    return bars, peak


@dataclass(frozen=True)
class Example:
    edit: NetCorrection
    lines: list[DiffLine]
    truncated: bool


@dataclass(frozen=True)
class Pattern:
    edit_type: str
    label: str
    count: int
    percent: float
    examples: list[Example]


def top_patterns(user: Any, insights: dict[str, Any]) -> list[Pattern]:
    """The TOP_PATTERNS most frequent edit types of the period, each with its latest corrections as line diffs."""
    rows = insights["by_edit_type"][:TOP_PATTERNS]
    since = parse_datetime(insights["since"]) or period_since(insights["days"], timezone.now())
    examples = pattern_examples(scope_corrections(user), edit_types=[row["key"] for row in rows], since=since)
    patterns = []
    for row in rows:
        shown = []
        for edit in examples.get(row["key"], []):
            lines, truncated = line_diff(edit.original_value, edit.corrected_value)
            shown.append(Example(edit=edit, lines=lines, truncated=truncated))
        patterns.append(Pattern(row["key"], row["label"], row["count"], row["percent"], shown))
    return patterns


def _finetune_card(user: Any) -> dict[str, Any]:
    """The fine-tuning card's context (feedback.finetune.selectors) around the stored training-set summary
    (feedback.training.store): a page view judges nothing."""
    stored = stored_training_summary(user)
    if stored.outdated:
        enqueue_analysis()  # debounced: a burst of page views asks once
    return finetune_panel_context(user, summary=stored.summary) | {
        "training_computed_at": stored.computed_at,
        "training_refreshing": stored.outdated,
    }


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    days = dashboard_days(request.GET.get("days"))
    # Recorded edits, or corrections of the creator's capsules that someone else (staff) saved: either way
    # there is something to analyse, even when every edit was undone (then the counts are zero).
    has_edits = scope_edits(request.user).exists() or scope_corrections(request.user).exists()
    context: dict[str, Any] = {"days": days, "periods": PERIODS, "has_edits": has_edits}
    if has_edits:
        insights = insights_for(user=request.user, days=days)
        bars, peak = week_bars(insights["weekly_trend"])
        context.update(
            insights=insights,
            generated_at=parse_datetime(insights["generated_at"]),
            since=parse_datetime(insights["since"]),
            week_bars=bars,
            week_peak=peak,
            first_week=parse_date(insights["weekly_trend"][0]["week_start"]),
            last_week=parse_date(insights["weekly_trend"][-1]["week_start"]),
            chart={"width": CHART_SLOT * len(bars), "height": CHART_HEIGHT, "bar_width": CHART_SLOT * BAR_SHARE},
            patterns=top_patterns(request.user, insights),
            summary_at=parse_datetime((insights.get("llm_summary") or {}).get("generated_at") or ""),
        )
    context.update(_finetune_card(request.user))
    return render(request, "feedback/dashboard.html", context)
