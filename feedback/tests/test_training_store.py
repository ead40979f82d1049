"""The dashboard's training-set count is the one the analysis task stored: a page view judges nothing, says when
the count was made, and asks for a new one when a corrected capsule changed since."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_q.models import OrmQ

from capsules.models import Capsule
from feedback.models import TrainingSummary
from feedback.tasks import analyse_feedback
from feedback.tests.training_samples import corrected_capsule
from feedback.training import build
from feedback.training.store import EVERYONE, creator_scope, stored_training_summary, training_summaries_refresh

pytestmark = pytest.mark.django_db

URL = "/feedback/"


@pytest.fixture
def no_judging(monkeypatch):
    """A page view that judged a capsule would fail the test."""
    monkeypatch.setattr(build, "judge_capsule", lambda *a, **k: pytest.fail("a page view judged a capsule"))


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def queued_analyses() -> int:
    return sum(1 for task in OrmQ.objects.all() if task.func() == "feedback.tasks.analyse_feedback")


def test_a_creator_without_corrections_sees_zero_and_nothing_is_queued(client, owner, no_judging):
    html = page(client, owner)

    assert re.search(r'data-testid="training-examples">0<', html)
    assert queued_analyses() == 0


def test_before_the_first_count_the_page_says_it_is_being_made_and_asks_for_it(client, owner, no_judging, settings):
    corrected_capsule(owner, "Find the maximum")
    cache.clear()  # the save's own analysis request is debounced: start from none

    html = page(client, owner)

    assert 'data-testid="training-counting"' in html and 'data-testid="training-examples"' not in html
    assert queued_analyses() == 1
    page(client, owner)
    assert queued_analyses() == 1  # one request per burst of page views


def test_the_page_shows_the_stored_count_with_its_time(client, owner, other_creator, staff, monkeypatch):
    corrected_capsule(owner, "Find the maximum")
    corrected_capsule(other_creator, "Find the biggest")
    assert training_summaries_refresh() == 3  # everyone's, and each creator's

    monkeypatch.setattr(build, "judge_capsule", lambda *a, **k: pytest.fail("a page view judged a capsule"))
    mine, everyones = page(client, owner), page(client, staff)

    assert re.search(r'data-testid="training-examples">1<', mine)
    assert re.search(r'data-testid="training-examples">2<', everyones)
    assert 'data-testid="training-computed">Counted ' in mine and "counted again" not in mine


def test_a_capsule_changed_since_the_count_keeps_the_old_count_and_asks_for_a_new_one(client, owner, monkeypatch):
    capsule = corrected_capsule(owner, "Find the maximum")
    training_summaries_refresh(now=timezone.now() - timedelta(minutes=5))
    monkeypatch.setattr(build, "judge_capsule", lambda *a, **k: pytest.fail("a page view judged a capsule"))
    Capsule.objects.filter(pk=capsule.pk).update(status="flagged", updated_at=timezone.now())
    cache.clear()

    stored = stored_training_summary(owner)
    html = page(client, owner)

    assert stored.outdated and stored.summary is not None and stored.summary["examples"] == 1
    assert re.search(r'data-testid="training-examples">1<', html) and "counted again in the background" in html
    assert queued_analyses() == 1


def test_the_analysis_task_stores_the_summaries_and_drops_those_of_creators_without_corrections(owner, other_creator):
    corrected_capsule(owner, "Find the maximum")
    TrainingSummary.objects.create(scope=creator_scope(other_creator.pk), summary={"examples": 9}, computed_at=timezone.now())

    result = analyse_feedback()

    assert "2 training summaries" in result
    assert set(TrainingSummary.objects.values_list("scope", flat=True)) == {EVERYONE, creator_scope(owner.pk)}
    assert TrainingSummary.objects.get(scope=creator_scope(owner.pk)).summary["examples"] == 1
