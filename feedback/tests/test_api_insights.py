"""GET /api/feedback/insights: authenticated, days 7/30/90 (400 by field otherwise), a creator's own edits
computed live, everyone's for staff from a fresh snapshot — in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from feedback.insights.store import feedback_snapshots_refresh
from feedback.models import EditType, FeedbackSnapshot
from feedback.tests.edits import make_correction, make_edit

pytestmark = pytest.mark.django_db

URL = "/api/feedback/insights"


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def counts(body: dict) -> dict[str, int]:
    return {row["key"]: row["count"] for row in body["by_edit_type"]}


def test_it_asks_for_credentials(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("days", ["14", "week", "-7"])
def test_a_period_it_does_not_offer_is_a_400_naming_days(owner_api, days):
    response = owner_api.get(URL, {"days": days})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"days": "must be one of 7, 30, 90"}


def test_a_creator_gets_their_own_edits_over_the_period_they_ask_for(owner, other_creator, make_capsule):
    capsule = make_capsule(owner)
    make_correction(capsule)
    make_correction(capsule, edit_type=EditType.HINT_CHANGED, field_path="config_data.hints[0]", ago=timedelta(days=10))
    make_correction(make_capsule(other_creator), edit_type=EditType.LOGIC_FIX)

    week = api_as(owner).get(URL, {"days": 7}).json()
    month = api_as(owner).get(f"{URL}/", {"days": 30}).json()

    assert (week["scope"], week["days"], week["total_edits"]) == ("mine", 7, 1)
    assert counts(week) == {"expected_output_fix": 1}
    assert counts(month) == {"expected_output_fix": 1, "hint_changed": 1}
    assert len(week["weekly_trend"]) == 12
    assert set(week["failure_categories"]) == {"judge_reports", "failed_jobs", "heal_reports"}
    assert week["suggestions"] == [] and week["llm_summary"] is None


def test_the_default_period_is_thirty_days(owner_api):
    assert owner_api.get(URL).json()["days"] == 30


def test_a_creators_insights_take_five_queries(owner, make_capsule, django_assert_num_queries):
    capsule = make_capsule(owner)
    for index in range(6):
        make_correction(capsule, field_path=f"config_data.test_cases[{index}].expected_output")
    client = api_as(owner)

    with django_assert_num_queries(5):
        body = client.get(URL, {"days": 7}).json()

    assert body["total_edits"] == 6
    assert body["suggestions"][0]["rule"] == "expected_outputs"


def test_staff_get_everyones_edits_from_the_fresh_snapshot_in_two_queries(
    owner, other_creator, staff, make_capsule, settings, django_assert_num_queries
):
    settings.LLM_PROVIDER = "catalog"
    make_correction(make_capsule(owner))
    make_correction(make_capsule(other_creator), edit_type=EditType.LOGIC_FIX)
    feedback_snapshots_refresh()
    FeedbackSnapshot.objects.filter(days=7).update(
        insights={**FeedbackSnapshot.objects.get(days=7).insights, "llm_summary": {"text": "stored"}}
    )
    client = api_as(staff)

    with django_assert_num_queries(2):  # the snapshot, and whether an edit came after it
        body = client.get(URL, {"days": 7}).json()

    assert body["scope"] == "all"
    assert counts(body) == {"expected_output_fix": 1, "logic_fix": 1}
    assert body["llm_summary"] == {"text": "stored"}


def test_staff_get_live_numbers_with_the_stored_summary_when_an_edit_came_after_the_snapshot(owner, staff, make_capsule, settings):
    settings.LLM_PROVIDER = "catalog"
    capsule = make_capsule(owner)
    make_correction(capsule)
    feedback_snapshots_refresh(now=timezone.now() - timedelta(minutes=5))
    summary = {"text": "stored", "prompt_changes": [], "model": "m", "days": 30, "generated_at": timezone.now().isoformat()}
    FeedbackSnapshot.objects.filter(days=7).update(insights={**FeedbackSnapshot.objects.get(days=7).insights, "llm_summary": summary})
    make_correction(capsule, edit_type=EditType.SYNTAX_FIX, ago=timedelta(seconds=1))
    make_edit(capsule, edit_type=EditType.SYNTAX_FIX, ago=timedelta(seconds=1))  # the save that made it

    body = api_as(staff).get(URL, {"days": 7}).json()

    assert counts(body) == {"expected_output_fix": 1, "syntax_fix": 1}
    assert body["llm_summary"] == summary


def test_staff_get_live_numbers_when_no_analysis_has_run_yet(owner, staff, make_capsule):
    make_correction(make_capsule(owner))

    body = api_as(staff).get(URL, {"days": 90}).json()

    assert (body["scope"], body["total_edits"], body["llm_summary"]) == ("all", 1, None)


def test_a_snapshot_older_than_a_missed_daily_run_is_not_trusted(owner, staff, make_capsule, settings):
    settings.LLM_PROVIDER = "catalog"
    make_correction(make_capsule(owner), ago=timedelta(days=3))
    feedback_snapshots_refresh(now=timezone.now() - timedelta(days=2))

    body = api_as(staff).get(URL, {"days": 7}).json()

    assert body["total_edits"] == 1
    assert body["generated_at"] > (timezone.now() - timedelta(minutes=1)).isoformat()
