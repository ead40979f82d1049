"""What the creators' corrections say: frequencies, the weekly trend, failure categories, and
rule-based suggestions for the agents' prompts.

A correction here is a NetCorrection: a field whose value in the capsule's latest validated state differs from
what the generation job wrote (feedback.edits.net). The raw CreatorEdit rows are the audit trail and are not counted:
a field broken and fixed back is no correction, a field changed twice is one. Each correction is placed in time
by its corrected_at (when the field reached its final value in a validated state). "Edits" in the names and
keys below (total_edits, by_edit_type, …) are kept for the API's contract and mean these corrections.

Reads only; every count is aggregated in the database and the number of queries does not grow with the data:

1. corrections of the period grouped by (edit_type, field_path, capsule_type, language, agent) — every frequency and
   every suggestion rule is derived from these groups in Python (field paths are normalised there, since
   `test_cases[2]` → `test_cases[*]` is not portable SQL);
2. corrections of the last TREND_WEEKS ISO weeks grouped by (week, edit_type);
3. capsules (updated in the period) whose judge report did not pass, by category;
4. failed generation jobs of the period, by error_category;
5. the judge's failing reports inside generation jobs of the period (what the Debugger was asked to heal), by
   category.

`pattern_examples` adds one query: the few latest corrections of each top pattern (a window function).

Scope: `scope_corrections(user)` — staff read everyone's, a creator those of their own capsules; failures
follow the same rule (all capsules and jobs for staff, the creator's own otherwise).

The result is a JSON-ready dict (stored as is by feedback.insights.store, returned by GET /api/feedback/insights):
see `feedback_insights`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber, TruncWeek
from django.utils import timezone

from capsules.languages import language_choices, language_label
from capsules.models import Capsule, CapsuleType
from codecapsule.http import SignedInUser, User
from feedback.models import CreatorEdit, EditAgent, EditType, NetCorrection
from generation.models import AgentName, AgentStep, GenerationJob, JobStatus

# The periods the API and the dashboard offer (days), and the dashboard's default.
PERIODS: tuple[int, ...] = (7, 30, 90)
DEFAULT_DAYS = 30
# The weekly trend covers this many ISO weeks, the current one included, whatever the period.
TREND_WEEKS = 12
# Rows kept per frequency table (the rest are counted in the total, not listed).
TOP_ROWS = 10
UNATTRIBUTED = "unattributed"  # the agent key of corrections no agent can be credited with (agent NULL)

# --- Suggestion thresholds --------------------------------------------------------------------------------
# Below this many edits in the period nothing is a pattern yet: no suggestion at all.
MIN_EDITS_FOR_SUGGESTIONS = 5
# A rule fires when its edit types make up at least this share of the period's edits.
EXPECTED_OUTPUT_SHARE = 0.25
SYNTAX_FIX_SHARE = 0.15
LOGIC_FIX_SHARE = 0.20
TESTS_ADDED_SHARE = 0.15
HINTS_SHARE = 0.20
STATEMENT_SHARE = 0.20
VISIBILITY_SHARE = 0.15
# The Debugger rule: its share of the edits credited to an agent (Coder or Debugger).
DEBUGGER_SHARE = 0.40
# A language (or agent) is named in a suggestion when it holds at least this share of the rule's edits.
DOMINANT_SHARE = 0.50
# The judge rule: one category is at least this share of the generation failures, counted at least this often.
FAILURE_CATEGORY_SHARE = 0.30
MIN_FAILURES_FOR_SUGGESTION = 3

# Dashboard examples: this many patterns, each with this many recent edits, each diff cut at this many lines.
TOP_PATTERNS = 3
EXAMPLES_PER_PATTERN = 3
MAX_DIFF_LINES = 40

_INDEX_RE = re.compile(r"\[\d+\]")


def normalise_field_path(path: str) -> str:
    """`config_data.test_cases[2].expected_output` → `config_data.test_cases[*].expected_output`."""
    return _INDEX_RE.sub("[*]", path)


def period_since(days: int, now: datetime) -> datetime:
    return now - timedelta(days=days)


# --- Scope ------------------------------------------------------------------------------------------------


def scope_of(user: SignedInUser) -> str:
    """ "all" for staff, "mine" for anyone else (the API's `scope`)."""
    return "all" if user.is_staff else "mine"


def scope_edits(user: User | None) -> QuerySet[CreatorEdit]:
    """Edits `user` may analyse: everyone's for staff (and for None: the task's global run), their own otherwise."""
    if user is None or user.is_staff:
        return CreatorEdit.objects.all()
    if not user.is_authenticated:
        return CreatorEdit.objects.none()
    return CreatorEdit.objects.filter(creator=user)


def scope_corrections(user: User | None) -> QuerySet[NetCorrection]:
    """Net corrections `user` may analyse: everyone's for staff (and None), those of their own capsules otherwise
    (a correction belongs to the capsule's latest state, whoever saved it)."""
    if user is None or user.is_staff:
        return NetCorrection.objects.all()
    if not user.is_authenticated:
        return NetCorrection.objects.none()
    return NetCorrection.objects.filter(capsule__creator=user)


def _scope_capsules(user: SignedInUser | None) -> QuerySet[Capsule]:
    return Capsule.objects.all() if user is None or user.is_staff else Capsule.objects.filter(creator=user)


def _scope_jobs(user: SignedInUser | None) -> QuerySet[GenerationJob]:
    return GenerationJob.objects.all() if user is None or user.is_staff else GenerationJob.objects.filter(creator=user)


# --- Frequencies ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One row of query 1: how many edits share these five attributes."""

    edit_type: str
    field: str  # normalised
    capsule_type: str
    language: str
    agent: str  # UNATTRIBUTED when NULL
    count: int


def edit_groups(corrections: QuerySet[NetCorrection], *, since: datetime, until: datetime) -> list[Group]:
    """Query 1; groups whose paths normalise alike are merged."""
    rows = (
        corrections.filter(corrected_at__gte=since, corrected_at__lte=until)
        .order_by()
        .values_list("edit_type", "field_path", "capsule_type", "language", "agent")
        .annotate(n=Count("id"))
    )
    merged: Counter[tuple[str, str, str, str, str]] = Counter()
    for edit_type, path, capsule_type, language, agent, n in rows:
        merged[(edit_type, normalise_field_path(path), capsule_type, language, agent or UNATTRIBUTED)] += n
    return [Group(*key, count=n) for key, n in sorted(merged.items())]


def _share_rows(counts: Mapping[str, int], total: int, labels: Mapping[str, str], limit: int = TOP_ROWS) -> list[dict[str, Any]]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [{"key": key, "label": labels.get(key, key), "count": n, "percent": _percent(n, total)} for key, n in ordered]


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _count_by(groups: Iterable[Group], attribute: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for group in groups:
        counts[getattr(group, attribute)] += group.count
    return counts


_AGENT_LABELS = {**dict(EditAgent.choices), UNATTRIBUTED: "Not attributed"}


def frequencies(groups: Sequence[Group]) -> dict[str, Any]:
    total = sum(group.count for group in groups)
    return {
        "total_edits": total,
        "by_edit_type": _share_rows(_count_by(groups, "edit_type"), total, dict(EditType.choices)),
        "by_field": _share_rows(_count_by(groups, "field"), total, {}),
        "by_capsule_type": _share_rows(_count_by(groups, "capsule_type"), total, dict(CapsuleType.choices)),
        "by_language": _share_rows(_count_by(groups, "language"), total, dict(language_choices())),
        "by_agent": _share_rows(_count_by(groups, "agent"), total, _AGENT_LABELS),
    }


# --- Weekly trend -----------------------------------------------------------------------------------------


def _week_start(moment: datetime) -> date:
    local = timezone.localtime(moment).date()
    return local - timedelta(days=local.weekday())


def weekly_trend(corrections: QuerySet[NetCorrection], *, now: datetime) -> list[dict[str, Any]]:
    """Query 2: corrections per ISO week (Monday to Sunday, in TIME_ZONE) for the last TREND_WEEKS weeks, oldest
    first, every week present (zero when nothing happened), each with its counts by edit type."""
    first = _week_start(now) - timedelta(weeks=TREND_WEEKS - 1)
    first_moment = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    rows = (
        corrections.filter(corrected_at__gte=first_moment, corrected_at__lte=now)
        .order_by()
        .annotate(week=TruncWeek("corrected_at"))
        .values_list("week", "edit_type")
        .annotate(n=Count("id"))
    )
    by_week: dict[date, Counter[str]] = defaultdict(Counter)
    for week, edit_type, n in rows:
        start = week.date() if isinstance(week, datetime) else week
        by_week[start][edit_type] += n
    trend = []
    for offset in range(TREND_WEEKS):
        start = first + timedelta(weeks=offset)
        counts = by_week.get(start, Counter())
        year, number, _ = start.isocalendar()
        trend.append(
            {
                "week": f"{year}-W{number:02d}",
                "week_start": start.isoformat(),
                "total": sum(counts.values()),
                "by_type": dict(sorted(counts.items())),
            }
        )
    return trend


# --- Failure categories -----------------------------------------------------------------------------------


def _category_rows(pairs: Iterable[tuple[Any, int]]) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    for category, n in pairs:
        counts[str(category or "uncategorized")] += n
    total = sum(counts.values())
    labels = {key: key.replace("_", " ") for key in counts}
    return _share_rows(counts, total, labels)


def failure_categories(user: SignedInUser | None, *, since: datetime, until: datetime) -> dict[str, list[dict[str, Any]]]:
    """Queries 3-5: what the judge rejects, as three tables of categories (most frequent first)."""
    judge_reports = (  # 3: capsules saved with a failing report (a draft, a rejected or flagged capsule)
        _scope_capsules(user)
        .filter(updated_at__gte=since, updated_at__lte=until, validation_report__passed=False)
        .order_by()
        .values_list("validation_report__category")
        .annotate(n=Count("pk"))
    )
    failed_jobs = (  # 4
        _scope_jobs(user)
        .filter(created_at__gte=since, created_at__lte=until, status=JobStatus.FAILED)
        .order_by()
        .values_list("error_category")
        .annotate(n=Count("pk"))
    )
    heal_scope = AgentStep.objects.all() if user is None or user.is_staff else AgentStep.objects.filter(job__creator=user)
    heal_reports = (  # 5: every failing judgement inside a job: what a heal had to fix (or could not)
        heal_scope.filter(agent=AgentName.JUDGE, job__created_at__gte=since, job__created_at__lte=until, report__passed=False)
        .order_by()
        .values_list("report__category")
        .annotate(n=Count("pk"))
    )
    return {
        "judge_reports": _category_rows(judge_reports),
        "failed_jobs": _category_rows(failed_jobs),
        "heal_reports": _category_rows(heal_reports),
    }


# --- Suggestions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditRule:
    """A pattern of edits that a prompt change could prevent."""

    name: str
    edit_types: frozenset[str]
    min_share: float
    default_agent: str  # named when the edits are not mostly credited to one agent
    what: str  # "fix expected outputs": completes "N% of edits …"
    prompt_addition: str


EDIT_RULES: tuple[EditRule, ...] = (
    EditRule(
        "expected_outputs",
        frozenset({EditType.EXPECTED_OUTPUT_FIX}),
        EXPECTED_OUTPUT_SHARE,
        AgentName.CODER,
        "fix expected outputs",
        "Compute every expected_output by running the reference solution mentally on the test call, line by "
        "line; print exactly what it prints, with the same spacing and line breaks, and nothing else.",
    ),
    EditRule(
        "syntax",
        frozenset({EditType.SYNTAX_FIX}),
        SYNTAX_FIX_SHARE,
        AgentName.CODER,
        "fix syntax errors",
        "Before answering, check that the reference solution, the boilerplate and every test call parse in the "
        "capsule's language: balanced brackets, closed strings, correct indentation.",
    ),
    EditRule(
        "logic",
        frozenset({EditType.LOGIC_FIX}),
        LOGIC_FIX_SHARE,
        AgentName.CODER,
        "fix the logic of code",
        "Trace the reference solution through every test, the edge cases first (empty input, one element, "
        "duplicates, negative numbers), and fix it before answering.",
    ),
    EditRule(
        "tests_added",
        frozenset({EditType.TEST_ADDED}),
        TESTS_ADDED_SHARE,
        AgentName.CODER,
        "add tests the capsule lacked",
        "Cover the edge cases with tests of their own: empty input, a single element, the largest allowed "
        "input, and at least two hidden tests a hard-coded answer would fail.",
    ),
    EditRule(
        "hints",
        frozenset({EditType.HINT_ADDED, EditType.HINT_CHANGED}),
        HINTS_SHARE,
        AgentName.CODER,
        "add or rewrite hints",
        "Write hints that build on each other: first the idea, then the approach, then the tricky detail; never the solution itself.",
    ),
    EditRule(
        "statement",
        frozenset({EditType.STATEMENT_REWRITE}),
        STATEMENT_SHARE,
        AgentName.PEDAGOGIST,
        "rewrite the title or the problem statement",
        "State the input and the expected output format precisely, with one worked example, in short sentences a beginner can follow.",
    ),
    EditRule(
        "visibility",
        frozenset({EditType.VISIBILITY}),
        VISIBILITY_SHARE,
        AgentName.CODER,
        "switch tests between visible and hidden",
        "Keep the simple tests that show the expected format visible; hide the edge cases and the tests a "
        "hard-coded answer would fail.",
    ),
)

# Advice for the judge categories the Coder can do something about (judges.reports.Category).
FAILURE_ADVICE: dict[str, str] = {
    "wrong_output": "Compute each expected_output from the reference solution itself; never guess it.",
    "syntax_error": "Check that every code field parses before answering.",
    "compile_error": "Check that every code field compiles: declared types, imports, semicolons.",
    "runtime_error": "Make the reference solution handle every test input without raising.",
    "timeout": "Keep test inputs small and the reference solution efficient: every test must finish in a second.",
    "boilerplate_passes": "The boilerplate must be a stub that fails the tests, never a working solution.",
    "missing_hidden_test": "Mark at least one test as hidden (is_hidden: true).",
    "missing_visible_test": "Keep at least one test visible (is_hidden: false).",
    "task_already_passing": "A terminal task's validation script must fail before the solution commands run.",
    "schema_mismatch": "The SQL reference solution must use only the tables and columns of schema_info.",
}


def _dominant(counts: Counter[str], total: int) -> str | None:
    if not counts or not total:
        return None
    key, n = counts.most_common(1)[0]
    return key if n / total >= DOMINANT_SHARE else None


def _edit_rule_suggestion(rule: EditRule, groups: Sequence[Group], total: int) -> dict[str, Any] | None:
    matching = [group for group in groups if group.edit_type in rule.edit_types]
    count = sum(group.count for group in matching)
    if not count or count / total < rule.min_share:
        return None
    agents = _count_by((g for g in matching if g.agent != UNATTRIBUTED), "agent")
    agent = _dominant(agents, sum(agents.values())) or rule.default_agent
    language = _dominant(_count_by(matching, "language"), count)
    agent_label = AgentName(agent).label
    where = f" in {language_label(language)} capsules" if language else ""
    percent = _percent(count, total)
    return {
        "rule": rule.name,
        "agent": AgentName(agent).value,
        "count": count,
        "percent": percent,
        "text": (f"{agent_label}: {percent:g}% of edits {rule.what}{where} — add to the {agent_label} prompt: “{rule.prompt_addition}”"),
        "prompt_addition": rule.prompt_addition,
    }


def _debugger_suggestion(groups: Sequence[Group]) -> dict[str, Any] | None:
    agents = _count_by(groups, "agent")
    credited = agents[EditAgent.CODER] + agents[EditAgent.DEBUGGER]
    debugger = agents[EditAgent.DEBUGGER]
    if credited < MIN_EDITS_FOR_SUGGESTIONS or debugger / credited < DEBUGGER_SHARE:
        return None
    addition = "Change only what the failing test needs; keep every other field of the capsule exactly as it was."
    percent = _percent(debugger, credited)
    return {
        "rule": "debugger_rewrites",
        "agent": AgentName.DEBUGGER.value,
        "count": debugger,
        "percent": percent,
        "text": (
            f"Debugger: {percent:g}% of the corrected values credited to an agent were written by the Debugger's "
            f"heals — add to the Debugger prompt: “{addition}”"
        ),
        "prompt_addition": addition,
    }


def _failure_suggestion(failures: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Any] | None:
    counts: Counter[str] = Counter()
    for table in ("failed_jobs", "heal_reports"):
        for row in failures.get(table, ()):
            counts[row["key"]] += row["count"]
    total = sum(counts.values())
    if not total:
        return None
    category, n = counts.most_common(1)[0]
    if n < MIN_FAILURES_FOR_SUGGESTION or n / total < FAILURE_CATEGORY_SHARE or category not in FAILURE_ADVICE:
        return None
    percent = _percent(n, total)
    addition = FAILURE_ADVICE[category]
    return {
        "rule": f"judge_{category}",
        "agent": AgentName.CODER.value,
        "count": n,
        "percent": percent,
        "text": (
            f"Coder: {percent:g}% of the judge's rejections during generation are {category.replace('_', ' ')} — "
            f"add to the Coder prompt: “{addition}”"
        ),
        "prompt_addition": addition,
    }


def suggest_improvements(groups: Sequence[Group], failures: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """One suggestion per strong pattern, the strongest first. Pure: from query 1's groups and the failure tables.

    1. Each EditRule fires when the period has at least MIN_EDITS_FOR_SUGGESTIONS edits and its edit types are
       at least its min_share of them; it names the agent most of those edits are credited to (or its default)
       and the language when one holds DOMINANT_SHARE of them.
    2. The Debugger rule fires when the Debugger wrote at least DEBUGGER_SHARE of the values credited to an agent.
    3. The judge rule fires when one category with advice is at least FAILURE_CATEGORY_SHARE of the generation
       failures (failed jobs and failing judgements inside jobs) and counted MIN_FAILURES_FOR_SUGGESTION times.
    """
    total = sum(group.count for group in groups)
    suggestions: list[dict[str, Any]] = []
    if total >= MIN_EDITS_FOR_SUGGESTIONS:
        suggestions += [s for rule in EDIT_RULES if (s := _edit_rule_suggestion(rule, groups, total))]
        if debugger := _debugger_suggestion(groups):
            suggestions.append(debugger)
    if failure := _failure_suggestion(failures):
        suggestions.append(failure)
    return sorted(suggestions, key=lambda s: -s["percent"])


# --- Everything -------------------------------------------------------------------------------------------


def feedback_insights(*, user: SignedInUser | None, days: int, now: datetime | None = None) -> dict[str, Any]:
    """The insights of `user`'s scope (None: everyone, for the task) over the last `days` days, in five queries."""
    now = now or timezone.now()
    since = period_since(days, now)
    corrections = scope_corrections(user)
    groups = edit_groups(corrections, since=since, until=now)
    failures = failure_categories(user, since=since, until=now)
    return {
        "scope": "all" if user is None else scope_of(user),
        "days": days,
        "since": since.isoformat(),
        "generated_at": now.isoformat(),
        **frequencies(groups),
        "weekly_trend": weekly_trend(corrections, now=now),
        "failure_categories": failures,
        "suggestions": suggest_improvements(groups, failures),
        "llm_summary": None,
    }


# --- Examples as diffs (dashboard) ------------------------------------------------------------------------


def pattern_examples(
    corrections: QuerySet[NetCorrection],
    *,
    edit_types: Sequence[str],
    since: datetime,
    per_type: int = EXAMPLES_PER_PATTERN,
) -> dict[str, list[NetCorrection]]:
    """The `per_type` latest corrections of each type in `edit_types`, in one query (ROW_NUMBER per type)."""
    if not edit_types:
        return {}
    ranked = (
        corrections.filter(edit_type__in=edit_types, corrected_at__gte=since)
        .select_related("capsule")
        .only(
            "id",
            "field_path",
            "original_value",
            "corrected_value",
            "edit_type",
            "language",
            "corrected_at",
            "capsule__id",
            "capsule__title",
            "capsule__creator",
        )  # fmt: skip
        .annotate(rank=Window(RowNumber(), partition_by=[F("edit_type")], order_by=[F("corrected_at").desc(), F("id")]))
        .filter(rank__lte=per_type)
        .order_by("edit_type", "rank")
    )
    examples: dict[str, list[NetCorrection]] = {edit_type: [] for edit_type in edit_types}
    for edit in ranked:
        examples[edit.edit_type].append(edit)
    return examples


@dataclass(frozen=True)
class DiffLine:
    op: str  # "removed", "added" or "same"
    text: str


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def line_diff(original: Any, corrected: Any, *, max_lines: int = MAX_DIFF_LINES) -> tuple[list[DiffLine], bool]:
    """A line diff of two edit values (JSON values shown as indented JSON), and whether it was cut short.

    difflib.ndiff marks each line "- " (only in the original), "+ " (only in the corrected value) or "  "; its
    "? " guide lines are dropped: the page marks whole lines.
    """
    ops = {"- ": "removed", "+ ": "added", "  ": "same"}
    lines = [
        DiffLine(ops[line[:2]], line[2:])
        for line in difflib.ndiff(_as_text(original).splitlines(), _as_text(corrected).splitlines())
        if line[:2] in ops
    ]
    return lines[:max_lines], len(lines) > max_lines
