"""Earned, not pasted: DATABASE capsules in both dialects, as an anonymous learner through the embed's
Submit and the attempts API.

The old way to the badge without SQL: submit `SELECT NULL`, read the expected rows the feedback quoted as
"missing", submit them as literals, repeat. Now the feedback quotes no row of the expected result, a pasted answer
fails on the hidden dataset, and nothing of the hidden dataset reaches the learner — not its rows, not through an
error message the learner's query provokes only there.
"""

from __future__ import annotations

import pytest

from capsules.services import capsule_create
from tests.hostile.conftest import leaks

VISIBLE_SEED = (
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);\n"
    "INSERT INTO customers (id, name, city) VALUES (1, 'Ada', 'Berlin'), (2, 'Linus', 'Helsinki'), (3, 'Grace', 'Berlin');\n"
)
# The hidden dataset: the same table, other people. None of them may ever be named to a learner.
HIDDEN_SEED = (
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);\n"
    "INSERT INTO customers (id, name, city) VALUES (1, 'Zenobia', 'Berlin'), (2, 'Quintus', 'Amsterdam'), "
    "(3, 'Octavia', 'Berlin'), (4, 'Barnabas', 'Berlin'), (5, 'Xanthippe', 'Boston');\n"
)
HIDDEN_ROWS = ("zenobia", "quintus", "octavia", "barnabas", "xanthippe")
EXPECTED_ROWS = ("Ada", "Grace")  # the visible answer: quoting it is what made pasting work
RIGHT = "SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name"
PASTED = "SELECT 'Ada' AS name UNION ALL SELECT 'Grace' ORDER BY name"
# Right on the visible data (3 customers); on the hidden data the query fails with an error whose message would
# carry every hidden name, if the learner ever saw it.
PROBES = {
    "sqlite": (
        "SELECT name FROM customers WHERE city = 'Berlin' AND CASE WHEN (SELECT count(*) FROM customers) = 3 THEN 1 "
        "ELSE json_extract('{}', (SELECT group_concat(name) FROM customers)) END IS NOT NULL ORDER BY name"
    ),
    "postgresql": (
        "SELECT name FROM customers WHERE city = 'Berlin' AND CASE WHEN (SELECT count(*) FROM customers) = 3 THEN 1 "
        "ELSE (SELECT string_agg(name, ',') FROM customers)::int END IS NOT NULL ORDER BY name"
    ),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def exercise(request, owner, publish, settings):
    dialect = request.param
    if dialect == "postgresql":
        settings.JUDGE_POSTGRES_URL = request.getfixturevalue("postgres_url")
    capsule = capsule_create(
        creator=owner,
        data={
            "title": f"Customers from Berlin ({dialect})",
            "capsule_type": "DATABASE",
            "problem_statement_md": "List the names of customers who live in Berlin, alphabetically.",
            "runtime_config": {"language": "sql"},
            "config_data": {
                "boilerplate_code": "SELECT name FROM customers;",
                "reference_solution": RIGHT,
                "schema_info": [{"table_name": "customers", "columns": ["id (INTEGER)", "name (TEXT)", "city (TEXT)"]}],
                "dialect": dialect,
                "seed_sql": VISIBLE_SEED,
                "hidden_seed_sql": HIDDEN_SEED,
            },
        },
    )
    assert capsule.status == "validated", capsule.validation_report
    capsule, course = publish(capsule)
    return dialect, capsule, course


def hidden_rows_in(text: str) -> list[str]:
    return leaks(text, HIDDEN_ROWS)


def test_a_query_that_reads_no_table_learns_no_expected_row(learner, exercise):
    _dialect, capsule, course = exercise
    for answer in (learner.embed(course, "submit", "SELECT NULL AS name"), str(learner.attempt(capsule, "SELECT NULL AS name"))):
        assert "missing" in answer
        assert [row for row in EXPECTED_ROWS if row in answer] == []
        assert hidden_rows_in(answer) == []


def test_the_visible_answer_pasted_as_literals_fails_on_the_hidden_data(learner, exercise):
    _dialect, capsule, course = exercise
    page = learner.embed(course, "submit", PASTED)
    answer = learner.attempt(capsule, PASTED)

    assert "not on the hidden data" in page
    assert (answer["passed"], answer["score"], answer["difference"]["hidden_data"]) == (False, 0.0, True)
    assert hidden_rows_in(page) == [] and hidden_rows_in(str(answer)) == []


def test_an_error_provoked_on_the_hidden_data_says_nothing_of_it(learner, exercise):
    dialect, capsule, course = exercise
    page = learner.embed(course, "submit", PROBES[dialect])
    answer = learner.attempt(capsule, PROBES[dialect])

    assert answer["passed"] is False and answer["difference"]["hidden_data"] is True
    assert hidden_rows_in(page) == [] and hidden_rows_in(str(answer)) == []


def test_the_query_that_computes_the_answer_passes_both_datasets(learner, exercise):
    _dialect, capsule, course = exercise
    answer = learner.attempt(capsule, RIGHT)

    assert (answer["passed"], answer["score"]) == (True, 1.0)
    assert "Your query returns the expected result." in learner.embed(course, "submit", RIGHT)
