"""The feedback dashboard /feedback/: login required; an empty state; the weekly chart and edits by type with
tables; the top patterns with their latest edits as line diffs; suggestions; the training set and the
fine-tuning card; a creator's own edits only; a number of queries that does not grow with the edits."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.models import EditType
from feedback.tests.edits import make_correction

pytestmark = pytest.mark.django_db

URL = "/feedback/"


def page(client, user, **query) -> str:
    client.force_login(user)
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_route_is_the_feedback_dashboard():
    assert reverse("feedback:dashboard") == URL


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_creator_without_edits_sees_the_empty_state_and_the_training_card(client, owner):
    html = page(client, owner)

    assert "No edits yet" in html
    assert reverse("generation:create") in html
    assert "Edits per week" not in html
    assert 'id="fine-tuning"' in html  # the fine-tuning panel, in its own card
    assert re.search(r'data-testid="training-examples">0<', html)


def test_the_page_charts_edits_per_week_and_by_type_with_tables(client, owner, make_capsule):
    capsule = make_capsule(owner)
    for _ in range(3):
        make_correction(capsule)
    make_correction(capsule, edit_type=EditType.LOGIC_FIX, field_path="config_data.reference_solution", ago=timedelta(weeks=2))

    html = page(client, owner, days=30)

    assert html.count('class="daily-chart__bar"') == 12  # one bar per ISO week
    assert re.search(r"<title>\d{4}-W\d{2}: 3 edits</title>", html)
    assert "Expected output fix 3" in html and "Logic fix 1" in html  # the weeks as a table, by type
    types = html[html.index('id="types-title"') : html.index('id="suggestions-title"')]
    assert re.search(r'<th scope="row">Expected output fix</th>\s*<td>3</td>', types)
    assert 'style="width: 75.0%"' in types
    assert 'aria-current="page">30 days' in html


def test_the_top_patterns_show_recent_edits_as_line_diffs_with_labels_for_screen_readers(client, owner, make_capsule):
    capsule = make_capsule(owner, title="Sum of a list")
    make_correction(capsule, edit_type=EditType.LOGIC_FIX, field_path="config_data.reference_solution",
              original="def total(xs):\n    return sum(xs) + 1\n", corrected="def total(xs):\n    return sum(xs)\n")  # fmt: skip

    html = page(client, owner)

    assert '<h3 id="pattern-logic_fix">Logic fix' in html
    assert '<del><span class="visually-hidden">Removed: </span>    return sum(xs) + 1</del>' in html
    assert '<ins><span class="visually-hidden">Added: </span>    return sum(xs)</ins>' in html
    assert '<span class="feedback-diff__same">def total(xs):</span>' in html
    assert f'href="{reverse("capsules:detail", args=[capsule.pk])}">Sum of a list</a>' in html


def test_a_strong_pattern_shows_its_suggested_prompt_change(client, owner, make_capsule):
    capsule = make_capsule(owner)
    for index in range(5):
        make_correction(capsule, field_path=f"config_data.test_cases[{index}].expected_output")

    html = page(client, owner)

    assert "Coder: 100% of edits fix expected outputs in Python capsules — add to the Coder prompt" in html


def test_a_creator_sees_only_their_own_edits_and_staff_see_everyones(client, owner, other_creator, staff, make_capsule):
    make_correction(make_capsule(owner), original="owner's original")
    make_correction(make_capsule(other_creator, title="Someone else's capsule"), original="other's original")

    mine = page(client, owner)
    everyone = page(client, staff)

    assert "owner&#x27;s original" in mine and "other&#x27;s original" not in mine
    assert "owner&#x27;s original" in everyone and "other&#x27;s original" in everyone
    assert "<cite>Someone else&#x27;s capsule</cite>" in everyone  # staff are not sent to a page that 404s


def test_a_period_it_does_not_offer_falls_back_to_thirty_days(client, owner, make_capsule):
    make_correction(make_capsule(owner))

    assert 'aria-current="page">30 days' in page(client, owner, days=12)


def test_the_navigation_links_the_dashboard_for_signed_in_users(client, owner):
    html = page(client, owner)

    assert f'<a href="{URL}" aria-current="page">Feedback</a>' in html


def test_the_number_of_queries_does_not_grow_with_the_edits(client, owner, make_capsule):
    capsule = make_capsule(owner)
    client.force_login(owner)

    def queries() -> int:
        cache.clear()  # each view asks for the training count afresh (not debounced by the one before)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    for index in range(2):
        make_correction(capsule, field_path=f"config_data.test_cases[{index}].expected_output")
    make_correction(capsule, edit_type=EditType.LOGIC_FIX, field_path="config_data.reference_solution")
    few = queries()
    for index in range(20):
        make_correction(capsule, edit_type=EditType.HINT_CHANGED if index % 2 else EditType.SYNTAX_FIX,
                  field_path=f"config_data.hints[{index}]", ago=timedelta(days=index))  # fmt: skip
    many = queries()

    assert many == few


def test_the_page_shows_no_template_comment_text(client, owner, make_capsule):
    empty = page(client, owner)
    make_correction(make_capsule(owner))
    full = page(client, owner)

    for html in (empty, full):
        assert "{#" not in html and "#}" not in html
        assert "The fine-tuning panel" not in html  # the comment above the panel's include


def test_no_feedback_template_has_a_multi_line_brace_hash_comment():
    """Django's {# #} comment is single-line: a second line makes the whole comment page text."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    found = [
        f"{path.name}: {match.group(0)[:40]!r}"
        for path in templates.rglob("*.html")
        for match in re.finditer(r"\{#.*?#\}", path.read_text(), re.S)
        if "\n" in match.group(0)
    ]
    assert found == []
