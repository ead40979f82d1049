"""The learner's workspace for DATABASE steps: the schema panel and query editor on the page, Run
shows the result grid (capped), Submit compares and says what differs, on the real judge. Access, caps and
limits are shared with CODE and tested in test_workspace_code.py."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from capsules.models import Capsule
from capsules.tests.samples import capsule_data
from playlists.models import LearnerEvent, Playlist
from playlists.services import playlist_create
from playlists.views._embed_common import learner_token

pytestmark = pytest.mark.django_db

KEY = "learner-key-0123456789abcdef"
RIGHT = "SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name"
SECRETS = ["INSERT INTO customers", "CREATE TABLE customers", "WHERE city = &#x27;Berlin&#x27;", "seed_sql"]


@pytest.fixture
def database_capsule(owner, make_capsule) -> Capsule:
    return make_capsule(owner, "DATABASE", status="published", is_public=True)


@pytest.fixture
def course(owner, database_capsule) -> Playlist:
    return playlist_create(creator=owner, title="SQL basics", is_public=True, items=[{"capsule_id": str(database_capsule.pk)}])


def url(playlist: Playlist, action: str) -> str:
    return reverse(f"playlists:step_{action}", args=[playlist.pk, 1])


def post(client, playlist: Playlist, action: str, query: str, **headers):
    headers = {"HX-Request": "true", "X-Learner-Key": learner_token(KEY), **headers}
    return client.post(
        url(playlist, action), data=urlencode({"code": query}), content_type="application/x-www-form-urlencoded", headers=headers
    )


def html_of(response) -> str:
    return response.content.decode()


def grid(html: str) -> list[list[str]]:
    """The rows of the result grid, as the learner reads them."""
    match = re.search(r'<table class="table ws-grid">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert match, "no result grid"
    body = match.group(1)
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


# --- The page -------------------------------------------------------------------------------------------------


def test_the_step_shows_the_schema_and_a_query_editor_in_the_capsules_dialect(client, course):
    html = html_of(client.get(reverse("playlists:embed_playlist", args=[course.pk])))

    assert '<caption class="mono">customers</caption>' in html and '<td class="mono">city (TEXT)</td>' in html
    assert 'data-language="sqlite"' in html and '">SELECT name FROM customers;</textarea>' in html
    assert '<label for="ws-code" class="ws-label">SQL query (SQLite)</label>' in html
    assert "Run query" in html and f'hx-post="{url(course, "submit")}"' in html
    for secret in SECRETS:
        assert secret not in html


# --- Run ------------------------------------------------------------------------------------------------------


def test_run_shows_the_result_grid_without_a_verdict(client, course):
    response = post(client, course, "run", "SELECT name, city FROM customers ORDER BY id")
    html = html_of(response)

    assert re.findall(r'<th scope="col" class="mono">([^<]*)</th>', html) == ["name", "city"]
    assert grid(html) == [["Ada", "Berlin"], ["Linus", "Helsinki"], ["Grace", "Berlin"]]
    assert "3 rows." in html and "Your query returns 3 rows. Submit to check it." in html
    assert "ws-summary--passed" not in html and "ws-summary--failed" not in html
    assert "HX-Trigger" not in response and not LearnerEvent.objects.exists()


def test_run_caps_the_grid_and_says_how_many_rows_there_were(client, course):
    query = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120) SELECT i FROM n"
    html = html_of(post(client, course, "run", query))

    assert "Showing 50 of 120 rows." in html
    assert len(grid(html)) == 50


def test_null_is_shown_as_null_not_as_an_empty_cell(client, course):
    html = html_of(post(client, course, "run", "SELECT NULL AS unknown, '' AS blank"))

    assert grid(html) == [["NULL", ""]]
    assert '<td class="ws-null">NULL</td>' in html


def test_an_sql_error_is_shown(client, course):
    html = html_of(post(client, course, "run", "SELEC name"))

    assert "Your query fails:" in html and "syntax error" in html


# --- Submit: what differs ---------------------------------------------------------------------------------------------


def test_extra_rows_are_named_with_examples_from_the_learners_result(client, course):
    html = html_of(post(client, course, "submit", "SELECT name FROM customers ORDER BY name"))

    assert "1 row in your result should not be there." in html
    assert "Extra rows: 1 row of yours should not be there." in html
    assert re.search(r"Examples of extra rows</caption><tbody>\s*<tr><td>Linus</td></tr>", html)
    assert grid(html) == [["Ada"], ["Grace"], ["Linus"]]


def test_missing_rows_are_counted_and_none_of_the_expected_result_is_quoted(client, course):
    html = html_of(post(client, course, "submit", "SELECT name FROM customers WHERE city = 'Helsinki'"))

    assert "Missing rows: 2 rows of the expected result are not in yours." in html
    assert "Examples of missing rows" not in html
    assert "Ada" not in html and "Grace" not in html  # the expected rows: a quoted one could be pasted as a literal
    assert "Extra rows: 1 row of yours" in html
    extra = re.search(r"Examples of extra rows</caption><tbody>(.*?)</tbody>", html, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", extra) == ["Linus"]  # the learner's own row


def test_a_wrong_column_count_is_said_plainly(client, course):
    html = html_of(post(client, course, "submit", "SELECT name, city FROM customers WHERE city = 'Berlin' ORDER BY name"))

    assert "Wrong number of columns: yours has 2, the task asks for 1." in html
    assert "Missing rows" not in html


def test_the_right_rows_in_the_wrong_order_are_said_to_be_out_of_order(client, course):
    html = html_of(post(client, course, "submit", "SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name DESC"))

    assert "Wrong order: the task asks for the rows in a specific order, and row 1 of yours is the first out of place." in html


def test_no_answer_carries_the_seed_or_the_reference_query(client, course):
    for action, query in (("run", "SELECT * FROM customers"), ("submit", "SELECT name FROM customers"), ("submit", RIGHT)):
        body = html_of(post(client, course, action, query))
        for secret in SECRETS:
            assert secret not in body
        assert capsule_data("DATABASE")["config_data"]["reference_solution"] not in body.replace(RIGHT, "")


# --- Submit: solved ---------------------------------------------------------------------------------------------------


def test_the_matching_query_completes_the_course_shows_the_badge_and_tells_the_host(client, course):
    response = post(client, course, "submit", RIGHT)
    html = html_of(response)

    assert "Your query returns the expected result." in html and "ws-summary--passed" in html
    assert json.loads(response["HX-Trigger"]) == {"codecapsule:step-completed": {"step": 1}, "codecapsule:completed": {"total": 1}}
    assert re.search(r'<nav class="dots" id="step-dots" aria-label="Steps" hx-swap-oob="true">.*dot--completed', html, re.S)
    assert "Course Completed! Great job!" in html
    assert list(LearnerEvent.objects.values_list("verb", flat=True)) == ["step-completed", "completed"]


def test_a_json_client_gets_the_grid_and_the_difference(client, course):
    response = post(
        client, course, "submit", "SELECT name FROM customers ORDER BY name", **{"HX-Request": "", "Accept": "application/json"}
    )
    body = response.json()

    assert (body["passed"], body["score"], body["completion"]) == (False, 0.0, None)
    assert body["result"]["rows"] == [["Ada"], ["Grace"], ["Linus"]]
    assert body["difference"]["extra_examples"] == [["Linus"]]
