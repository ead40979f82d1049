"""The analysis task: enqueued once when a save's edits commit, debounced across a burst, run daily by a schedule;
it stores one snapshot per period, with an LLM summary only when a provider is configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import transaction
from django_q.models import Schedule

from capsules.selectors import capsule_base_dict
from capsules.services import capsule_update
from feedback import tasks
from feedback.insights.store import feedback_snapshots_refresh
from feedback.models import CreatorEdit, FeedbackSnapshot
from feedback.tests.edits import make_correction
from feedback.tests.training_samples import generated_capsule
from tests.fake_openai import malformed, reply

pytestmark = pytest.mark.django_db

SUMMARY = {"summary": "The Coder keeps printing a trailing newline.", "prompt_changes": ["Coder: print exactly the expected output."]}


@pytest.fixture(autouse=True)
def _tasks_run_synchronously(monkeypatch) -> None:
    """django-q2's sync mode (see generation/tests/conftest.py): async_task runs the task in this process."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture(autouse=True)
def _no_debounce_left_over() -> Iterator[None]:
    cache.delete(tasks._DEBOUNCE_KEY)
    yield
    cache.delete(tasks._DEBOUNCE_KEY)


def analysis_callbacks(callbacks) -> list:
    return [callback for callback in callbacks if callback is tasks.enqueue_analysis]


def edited(capsule, **changes):
    data = capsule_base_dict(capsule)
    data.update(changes)
    return data


# --- Enqueued after edits ---------------------------------------------------------------------------------


def test_saving_a_capsule_edit_enqueues_exactly_one_analysis_on_commit(owner, django_capture_on_commit_callbacks):
    capsule = generated_capsule(owner)  # an AI output, so the edits are corrections of it
    data = edited(capsule, title="Find the maximum", problem_statement_md="Return the maximum of a list.")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        capsule_update(capsule=capsule, actor=owner, data=data, source="dashboard")
        assert not FeedbackSnapshot.objects.exists()  # nothing runs before the commit

    assert CreatorEdit.objects.filter(capsule=capsule).count() == 2
    assert len(analysis_callbacks(callbacks)) == 1
    month = FeedbackSnapshot.objects.get(days=30)
    assert month.insights["total_edits"] == 2
    assert set(FeedbackSnapshot.objects.values_list("days", flat=True)) == {7, 30, 90}


def test_an_edit_reported_by_a_client_enqueues_an_analysis_too(owner, owner_api, make_capsule, django_capture_on_commit_callbacks):
    capsule = make_capsule(owner)
    body = {"capsuleId": str(capsule.pk), "fieldPath": "title", "originalValue": capsule.title, "correctedValue": "Find the maximum"}

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert owner_api.post("/api/feedback/edit", body, format="json").status_code == 201

    assert len(analysis_callbacks(callbacks)) == 1
    # The analysis ran; it counts net corrections of saved capsules, and a report alone changes no capsule.
    assert FeedbackSnapshot.objects.get(days=30).insights["total_edits"] == 0


def test_a_transaction_saving_several_capsules_enqueues_one_analysis(owner, make_capsule, django_capture_on_commit_callbacks):
    first, second = make_capsule(owner), make_capsule(owner)

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        capsule_update(capsule=first, actor=owner, data=edited(first, title="One"), source="import")
        capsule_update(capsule=second, actor=owner, data=edited(second, title="Two"), source="import")

    assert len(analysis_callbacks(callbacks)) == 1


def test_a_save_that_changes_nothing_enqueues_no_analysis(owner, make_capsule, django_capture_on_commit_callbacks):
    capsule = make_capsule(owner)

    with django_capture_on_commit_callbacks() as callbacks:
        capsule_update(capsule=capsule, actor=owner, data=capsule_base_dict(capsule), source="dashboard")

    assert analysis_callbacks(callbacks) == []


def test_a_burst_of_commits_enqueues_one_analysis_until_the_debounce_window_ends(monkeypatch):
    enqueued = []
    monkeypatch.setattr(tasks, "async_task", lambda func, **options: enqueued.append(func))

    assert [tasks.enqueue_analysis() for _ in range(5)] == [True, False, False, False, False]
    assert enqueued == ["feedback.tasks.analyse_feedback"]

    cache.delete(tasks._DEBOUNCE_KEY)  # the window ended
    assert tasks.enqueue_analysis() is True
    assert len(enqueued) == 2


# --- The task ---------------------------------------------------------------------------------------------


def test_the_task_stores_the_global_insights_of_every_period(owner, other_creator, make_capsule, settings):
    settings.LLM_PROVIDER = "catalog"
    make_correction(make_capsule(owner))
    make_correction(make_capsule(other_creator))

    from django_q.tasks import async_task

    async_task("feedback.tasks.analyse_feedback")  # sync mode: runs here

    snapshots = {snapshot.days: snapshot for snapshot in FeedbackSnapshot.objects.all()}
    assert snapshots.keys() == {7, 30, 90}
    assert snapshots[7].insights["scope"] == "all" and snapshots[7].insights["total_edits"] == 2
    assert snapshots[7].insights["llm_summary"] is None  # the catalog provider: no model call


def test_the_task_replaces_the_previous_snapshots(owner, make_capsule, settings):
    settings.LLM_PROVIDER = "catalog"
    capsule = make_capsule(owner)
    make_correction(capsule)
    assert tasks.analyse_feedback() == (
        "analysed: 1 edits in 7 days, 1 edits in 30 days, 1 edits in 90 days; 2 training summaries"
    )
    make_correction(capsule)

    tasks.analyse_feedback()

    assert FeedbackSnapshot.objects.count() == 3
    assert FeedbackSnapshot.objects.get(days=7).insights["total_edits"] == 2


def test_a_daily_schedule_runs_the_analysis():
    schedule = Schedule.objects.get(name="Analyse creator feedback")

    assert (schedule.func, schedule.schedule_type, schedule.repeats) == ("feedback.tasks.analyse_feedback", Schedule.DAILY, -1)


# --- The LLM summary --------------------------------------------------------------------------------------


def test_with_a_provider_the_analysis_stores_an_llm_summary_on_every_period_and_reuses_it(owner, make_capsule, fake_openai):
    make_correction(make_capsule(owner))
    fake_openai.script(reply(SUMMARY))

    feedback_snapshots_refresh()
    feedback_snapshots_refresh()  # a burst of edits: the summary is younger than SUMMARY_MAX_AGE

    assert len(fake_openai.chat_requests) == 1
    sent = fake_openai.chat_requests[0].messages
    assert "expected_output_fix" in sent[-1]["content"]
    for snapshot in FeedbackSnapshot.objects.all():
        summary = snapshot.insights["llm_summary"]
        assert summary["text"] == SUMMARY["summary"] and summary["prompt_changes"] == SUMMARY["prompt_changes"]
        assert summary["days"] == 30


def test_a_failed_summary_call_keeps_the_rule_based_insights(owner, make_capsule, fake_openai):
    make_correction(make_capsule(owner))
    fake_openai.script(malformed("not json"), malformed("still not json"))  # the answer, then its one repair

    feedback_snapshots_refresh()

    snapshot = FeedbackSnapshot.objects.get(days=30)
    assert snapshot.insights["llm_summary"] is None and snapshot.insights["total_edits"] == 1


def test_without_edits_no_summary_is_asked_for(fake_openai):
    feedback_snapshots_refresh()

    assert fake_openai.chat_requests == [] and FeedbackSnapshot.objects.count() == 3
