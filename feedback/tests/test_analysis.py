"""The analysis (feedback.insights.analysis): frequencies, the weekly trend, failure categories, rule-based suggestions,
example diffs — over real rows, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.insights import analysis
from feedback.insights.analysis import (
    EDIT_RULES,
    MIN_EDITS_FOR_SUGGESTIONS,
    Group,
    feedback_insights,
    line_diff,
    normalise_field_path,
    pattern_examples,
    scope_corrections,
    suggest_improvements,
)
from feedback.models import EditType
from feedback.tests.edits import make_correction, make_job
from generation.tests.conftest import WRONG_OUTPUT_REPORT

pytestmark = pytest.mark.django_db


def rows(table: list[dict]) -> dict[str, int]:
    return {row["key"]: row["count"] for row in table}


# --- Frequencies ------------------------------------------------------------------------------------------


def test_field_paths_are_grouped_with_list_indexes_normalised():
    assert normalise_field_path("config_data.test_cases[12].expected_output") == "config_data.test_cases[*].expected_output"
    assert normalise_field_path("config_data.schema_info[0].columns[3]") == "config_data.schema_info[*].columns[*]"
    assert normalise_field_path("title") == "title"


def test_frequencies_count_the_periods_edits_by_type_field_capsule_type_language_and_agent(owner, make_capsule):
    code, sql = make_capsule(owner, "CODE"), make_capsule(owner, "DATABASE")
    make_correction(code, field_path="config_data.test_cases[0].expected_output", agent="coder")
    make_correction(code, field_path="config_data.test_cases[1].expected_output", agent="debugger")
    make_correction(sql, edit_type=EditType.LOGIC_FIX, field_path="config_data.reference_solution", agent=None)
    make_correction(code, edit_type=EditType.HINT_ADDED, field_path="config_data.hints[2]", ago=timedelta(days=20))

    week = feedback_insights(user=owner, days=7)
    month = feedback_insights(user=owner, days=30)

    assert week["total_edits"] == 3 and month["total_edits"] == 4
    assert rows(week["by_edit_type"]) == {"expected_output_fix": 2, "logic_fix": 1}
    assert week["by_edit_type"][0] == {"key": "expected_output_fix", "label": "Expected output fix", "count": 2, "percent": 66.7}
    assert rows(week["by_field"]) == {"config_data.test_cases[*].expected_output": 2, "config_data.reference_solution": 1}
    assert rows(week["by_capsule_type"]) == {"CODE": 2, "DATABASE": 1}
    assert rows(week["by_language"]) == {"python": 2, "sql": 1}
    assert rows(week["by_agent"]) == {"coder": 1, "debugger": 1, "unattributed": 1}
    assert rows(month["by_edit_type"])["hint_added"] == 1


def test_the_weekly_trend_lists_the_last_twelve_iso_weeks_oldest_first_with_counts_by_type(owner, make_capsule):
    capsule = make_capsule(owner)
    now = timezone.now()
    this_monday = timezone.localtime(now).date() - timedelta(days=timezone.localtime(now).weekday())
    make_correction(capsule, ago=timedelta(minutes=1))
    make_correction(capsule, edit_type=EditType.LOGIC_FIX, ago=timedelta(minutes=2))
    make_correction(capsule, ago=timedelta(weeks=3))
    make_correction(capsule, ago=timedelta(weeks=13))  # before the twelve weeks

    trend = feedback_insights(user=owner, days=90, now=now)["weekly_trend"]

    assert len(trend) == 12
    assert trend[-1]["week_start"] == this_monday.isoformat()
    assert trend[0]["week_start"] == (this_monday - timedelta(weeks=11)).isoformat()
    year, number, _ = this_monday.isocalendar()
    assert trend[-1]["week"] == f"{year}-W{number:02d}"
    assert trend[-1]["total"] == 2 and trend[-1]["by_type"] == {"expected_output_fix": 1, "logic_fix": 1}
    assert trend[-4]["total"] == 1
    assert sum(week["total"] for week in trend) == 3


def test_a_creator_analyses_only_their_own_edits_and_staff_everyones(owner, other_creator, staff, make_capsule):
    make_correction(make_capsule(owner))
    make_correction(make_capsule(other_creator), edit_type=EditType.LOGIC_FIX)

    assert rows(feedback_insights(user=owner, days=7)["by_edit_type"]) == {"expected_output_fix": 1}
    assert rows(feedback_insights(user=other_creator, days=7)["by_edit_type"]) == {"logic_fix": 1}
    assert rows(feedback_insights(user=staff, days=7)["by_edit_type"]) == {"expected_output_fix": 1, "logic_fix": 1}
    assert feedback_insights(user=owner, days=7)["scope"] == "mine"
    assert feedback_insights(user=staff, days=7)["scope"] == "all"


# --- Failure categories -----------------------------------------------------------------------------------


def test_failure_categories_come_from_capsule_reports_failed_jobs_and_the_judges_reports_during_healing(owner, other_creator, make_capsule):
    from capsules.models import Capsule

    rejected = make_capsule(owner)
    Capsule.objects.filter(pk=rejected.pk).update(validation_report={"passed": False, "category": "boilerplate_passes"})
    make_job(owner, status="failed", error_category="wrong_output",
             steps=[{"agent": "judge", "report": WRONG_OUTPUT_REPORT}, {"agent": "debugger", "parsed_ok": True},
                    {"agent": "judge", "report": {**WRONG_OUTPUT_REPORT, "category": "timeout"}}])  # fmt: skip
    make_job(owner, status="succeeded", steps=[{"agent": "judge", "report": {"passed": True, "category": None}}])
    make_job(other_creator, status="failed", error_category="compile_error")
    make_job(owner, status="failed", error_category="timeout", created_ago=timedelta(days=40))

    mine = feedback_insights(user=owner, days=30)["failure_categories"]

    assert rows(mine["judge_reports"]) == {"boilerplate_passes": 1}
    assert rows(mine["failed_jobs"]) == {"wrong_output": 1}
    assert rows(mine["heal_reports"]) == {"wrong_output": 1, "timeout": 1}
    assert mine["heal_reports"][0]["label"] in ("wrong output", "timeout")
    everyone = feedback_insights(user=None, days=30)["failure_categories"]
    assert rows(everyone["failed_jobs"]) == {"wrong_output": 1, "compile_error": 1}


# --- Suggestions ------------------------------------------------------------------------------------------


def groups_of(edit_type: str, count: int, *, total: int = 20, agent: str = "coder", language: str = "python") -> list[Group]:
    """`count` edits of `edit_type` among `total`, the rest `other`."""
    rest = [Group("other", "difficulty", "CODE", "javascript", "unattributed", total - count)] if total > count else []
    return [Group(edit_type, "some.field", "CODE", language, agent, count), *rest]


@pytest.mark.parametrize("rule", EDIT_RULES, ids=lambda rule: rule.name)
def test_each_edit_rule_fires_exactly_from_its_threshold(rule):
    edit_type = sorted(rule.edit_types)[0]
    at_threshold = round(rule.min_share * 20)
    assert at_threshold / 20 >= rule.min_share

    fired = suggest_improvements(groups_of(edit_type, at_threshold), {})
    below = suggest_improvements(groups_of(edit_type, at_threshold - 1), {})

    assert [s["rule"] for s in fired] == [rule.name]
    assert fired[0]["percent"] == round(100 * at_threshold / 20, 1)
    assert rule.prompt_addition in fired[0]["text"]
    assert below == []


def test_the_expected_output_suggestion_names_the_agent_the_share_and_the_dominant_language():
    groups = [
        Group("expected_output_fix", "f", "CODE", "python", "coder", 8),
        Group("expected_output_fix", "f", "CODE", "java", "coder", 2),
        Group("other", "difficulty", "CODE", "javascript", "unattributed", 10),
    ]

    [suggestion] = suggest_improvements(groups, {})

    assert suggestion["agent"] == "coder" and suggestion["count"] == 10 and suggestion["percent"] == 50.0
    assert suggestion["text"].startswith(
        "Coder: 50% of edits fix expected outputs in Python capsules — add to the Coder prompt: “Compute every expected_output"
    )


def test_a_suggestion_names_no_language_when_none_dominates_and_the_agent_most_edits_are_credited_to():
    groups = [Group("syntax_fix", "f", "CODE", language, "debugger", 3) for language in ("python", "java", "go")]
    groups.append(Group("other", "f", "CODE", "python", "unattributed", 3))

    suggestions = {s["rule"]: s for s in suggest_improvements(groups, {})}

    assert suggestions.keys() == {"syntax", "debugger_rewrites"}
    assert suggestions["syntax"]["text"].startswith("Debugger: 75% of edits fix syntax errors — add to the Debugger prompt")


def test_too_few_edits_make_no_suggestion_however_one_sided():
    assert (
        suggest_improvements(
            groups_of(EditType.EXPECTED_OUTPUT_FIX, MIN_EDITS_FOR_SUGGESTIONS - 1, total=MIN_EDITS_FOR_SUGGESTIONS - 1), {}
        )
        == []
    )
    assert (
        suggest_improvements(groups_of(EditType.EXPECTED_OUTPUT_FIX, MIN_EDITS_FOR_SUGGESTIONS, total=MIN_EDITS_FOR_SUGGESTIONS), {}) != []
    )


def test_the_debugger_rule_fires_when_the_debugger_wrote_enough_of_the_values_credited_to_an_agent():
    def groups(debugger: int, coder: int) -> list[Group]:
        return [Group("other", "f", "CODE", "python", "debugger", debugger), Group("other", "f", "CODE", "python", "coder", coder),
                Group("other", "g", "CODE", "python", "unattributed", 50)]  # fmt: skip

    assert analysis.DEBUGGER_SHARE == 0.40
    fired = suggest_improvements(groups(4, 6), {})

    assert [s["rule"] for s in fired] == ["debugger_rewrites"]
    assert fired[0]["text"].startswith("Debugger: 40% of the corrected values credited to an agent were written by the Debugger")
    assert suggest_improvements(groups(3, 7), {}) == []


def failures(**counts: int) -> dict:
    return {"failed_jobs": [{"key": key, "count": n} for key, n in counts.items()], "heal_reports": []}


def test_the_judge_rule_names_the_dominant_failure_category_with_its_advice():
    [suggestion] = suggest_improvements([], failures(wrong_output=3, timeout=2, runtime_error=2))

    assert suggestion["rule"] == "judge_wrong_output" and suggestion["percent"] == 42.9
    assert suggestion["text"] == (
        "Coder: 42.9% of the judge's rejections during generation are wrong output — add to the Coder prompt: "
        "“Compute each expected_output from the reference solution itself; never guess it.”"
    )


@pytest.mark.parametrize(
    "counts",
    [
        {"wrong_output": analysis.MIN_FAILURES_FOR_SUGGESTION - 1},  # too few
        {"wrong_output": 3, "timeout": 3, "memory": 3, "runtime_error": 3},  # 25%: below the share
        {"sandbox_error": 9},  # no advice for the Coder
    ],
    ids=["too-few", "below-share", "no-advice"],
)
def test_the_judge_rule_stays_silent_without_a_strong_category_the_coder_can_fix(counts):
    assert suggest_improvements([], failures(**counts)) == []


def test_suggestions_come_strongest_first():
    groups = [Group("expected_output_fix", "f", "CODE", "python", "coder", 6), Group("syntax_fix", "g", "CODE", "python", "coder", 4)]

    assert [s["rule"] for s in suggest_improvements(groups, {})] == ["expected_outputs", "syntax"]


# --- Queries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("edits", [1, 25])
def test_the_insights_take_five_queries_whatever_the_number_of_edits(owner, make_capsule, django_assert_num_queries, edits):
    capsule = make_capsule(owner)
    for index in range(edits):
        make_correction(capsule, field_path=f"config_data.test_cases[{index}].expected_output", ago=timedelta(days=index))
    make_job(owner, status="failed", error_category="timeout", steps=[{"agent": "judge", "report": WRONG_OUTPUT_REPORT}])

    with django_assert_num_queries(5):
        insights = feedback_insights(user=owner, days=90)

    assert insights["total_edits"] == edits


# --- Examples ---------------------------------------------------------------------------------------------


def test_pattern_examples_are_the_latest_edits_of_each_type_in_one_query(owner, other_creator, make_capsule, django_assert_num_queries):
    capsule = make_capsule(owner)
    for hours in (5, 1, 3, 2):
        make_correction(capsule, original=f"{hours} hours ago", ago=timedelta(hours=hours))
    make_correction(capsule, edit_type=EditType.LOGIC_FIX, original="logic")
    make_correction(make_capsule(other_creator), original="someone else's", ago=timedelta(minutes=1))
    since = timezone.now() - timedelta(days=7)

    with django_assert_num_queries(1):
        examples = pattern_examples(scope_corrections(owner), edit_types=["expected_output_fix", "logic_fix"], since=since, per_type=3)
        shown = {key: [edit.original_value for edit in edits] for key, edits in examples.items()}

    assert shown == {"expected_output_fix": ["1 hours ago", "2 hours ago", "3 hours ago"], "logic_fix": ["logic"]}


def test_a_line_diff_marks_removed_and_added_lines_and_shows_json_values_as_indented_json():
    lines, truncated = line_diff("def f(x):\n    return x + 1\n", "def f(x):\n    return x - 1\n")

    assert [(line.op, line.text) for line in lines] == [
        ("same", "def f(x):"),
        ("removed", "    return x + 1"),
        ("added", "    return x - 1"),
    ]
    assert not truncated
    added, _ = line_diff(None, {"test_call": "print(f(2))", "expected_output": "1"})
    assert [line.op for line in added] == ["added"] * 4 and added[1].text == '  "expected_output": "1",'


def test_a_long_line_diff_is_cut_short_and_says_so():
    lines, truncated = line_diff("", "\n".join(f"line {n}" for n in range(100)), max_lines=10)

    assert len(lines) == 10 and truncated
