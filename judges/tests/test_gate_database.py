"""The quality gate on DATABASE capsules (judges/validators/database.py through judges.validate), in the real
sandbox: a fresh SQLite database from the seed SQL per query, the reference query, schema_info against the
real tables, the starting query, and the expected result kept for grading learners.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage

from capsules.seed_sql import seed_sql_name
from capsules.services import capsule_create
from capsules.tests.samples import capsule_data
from judges import validate
from judges.reports import ValidationReport

STEP_NAMES = [
    "seed the database and run the queries",
    "reference query returns rows",
    "schema_info matches the real tables",
    "starting query does not already give the answer",
    "a second run of the reference agrees",
]
ORDERS_TABLE = "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL);\n"


def database_capsule(**config: Any) -> dict[str, Any]:
    """The sample: customers (id, name, city) with Ada and Grace in Berlin, Linus in Helsinki."""
    data = capsule_data("DATABASE")
    data["config_data"].update(config)
    return data


def judged(data: dict[str, Any]) -> ValidationReport:
    report = validate(data)
    assert report.capsule_type == "DATABASE"
    return report


# --- A capsule that passes ---------------------------------------------------------------------------


def test_a_capsule_that_passes_stores_the_expected_result_in_order_when_the_reference_sorts():
    report = judged(database_capsule())

    assert (report.passed, report.category) == (True, None)
    assert report.message == (
        "The reference query returns 2 rows of 1 columns (in order), schema_info matches the tables, and a second run agrees."
    )
    assert [(step.name, step.ok) for step in report.steps] == [(name, True) for name in STEP_NAMES]
    assert report.expected_result.model_dump() == {"columns": ["name"], "rows": [["Ada"], ["Grace"]], "ordered": True}


def test_without_a_top_level_order_by_the_expected_rows_are_kept_as_a_multiset():
    report = judged(
        database_capsule(reference_solution="SELECT * FROM (SELECT name, city FROM customers ORDER BY name) WHERE city = 'Berlin';")
    )

    assert report.passed, report.message
    assert "(in any order)" in report.message
    assert report.expected_result.columns == ["name", "city"]
    assert sorted(report.expected_result.rows) == [["Ada", "Berlin"], ["Grace", "Berlin"]]
    assert report.expected_result.ordered is False  # the ORDER BY sorts a subquery, not the result


def test_a_capsule_without_starting_code_skips_that_step():
    report = judged(database_capsule(boilerplate_code=""))

    assert report.passed, report.message
    assert STEP_NAMES[3] not in [step.name for step in report.steps]


# --- The seed SQL and the reference query ------------------------------------------------------------


def test_seed_sql_that_fails_is_reported_with_the_databases_error_and_nothing_else_is_judged():
    data = database_capsule()
    data["config_data"]["seed_sql"] += "INSERT INTO orders (customer_id) VALUES (1);\n"  # no such table

    report = judged(data)

    assert (report.passed, report.category) == (False, "runtime_error")
    assert report.message == "The seed SQL fails: no such table: orders"
    assert [(step.name, step.ok, step.detail) for step in report.steps] == [
        (STEP_NAMES[0], False, "seed failed: no such table: orders")
    ]
    assert report.expected_result is None


def test_seed_sql_with_a_syntax_error_is_a_syntax_error():
    report = judged(database_capsule(seed_sql="CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, city TEXT;\n"))

    assert (report.passed, report.category) == (False, "syntax_error")
    assert report.message == 'The seed SQL fails: near ";": syntax error'


def test_a_reference_query_with_a_syntax_error_is_a_syntax_error_quoting_the_database():
    report = judged(database_capsule(reference_solution="SELEC name FROM customers;"))

    assert (report.passed, report.category) == (False, "syntax_error")
    assert report.message == 'The reference query fails: near "SELEC": syntax error'
    assert (report.steps[1].name, report.steps[1].ok) == (STEP_NAMES[1], False)


def test_a_reference_query_naming_a_missing_column_is_a_runtime_error_naming_it():
    report = judged(database_capsule(reference_solution="SELECT email FROM customers;"))

    assert (report.passed, report.category) == (False, "runtime_error")
    assert report.message == "The reference query fails: no such column: email"


def test_a_reference_query_that_returns_no_rows_is_empty_result():
    report = judged(database_capsule(reference_solution="SELECT name FROM customers WHERE city = 'Paris';"))

    assert (report.passed, report.category) == (False, "empty_result")
    assert "returns no rows" in report.message
    assert (report.steps[1].ok, report.steps[1].detail) == (False, "0 rows, 1 columns")


def test_a_reference_query_that_runs_forever_is_a_timeout(settings):
    # The CPU limit sits well above the wall limit, so the wall clock always stops this CPU-bound query
    # first (with equal limits the two race on a loaded machine).
    settings.JUDGE_WALL_SECONDS = 1
    settings.JUDGE_CPU_SECONDS = 10

    report = judged(
        database_capsule(reference_solution="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n;")
    )

    assert (report.passed, report.category) == (False, "timeout")
    assert report.message == "The reference query fails: The query did not finish within 1 s (wall clock) and was stopped."


def test_a_reference_result_over_the_row_cap_is_output_limit(settings):
    settings.JUDGE_SQL_MAX_ROWS = 1

    report = judged(database_capsule())

    assert (report.passed, report.category) == (False, "output_limit")
    assert report.message == "The reference query returns 2 rows; at most 1 can be graded."


# --- schema_info must describe the real tables -------------------------------------------------------


def test_schema_info_naming_a_column_the_table_does_not_have_is_schema_mismatch():
    data = database_capsule()
    data["config_data"]["schema_info"][0]["columns"].append("email (TEXT)")

    report = judged(data)

    assert (report.passed, report.category) == (False, "schema_mismatch")
    assert report.message == (
        "schema_info does not match the seeded database: customers has no column email. "
        "The real tables are customers(id, name, city)."
    )
    assert (report.steps[2].name, report.steps[2].ok) == (STEP_NAMES[2], False)


def test_schema_info_leaving_out_a_real_column_is_schema_mismatch():
    data = database_capsule()
    data["config_data"]["schema_info"][0]["columns"] = ["id (INTEGER)", "name (TEXT)"]

    report = judged(data)

    assert report.category == "schema_mismatch"
    assert "customers.city is not described" in report.message


def test_schema_info_naming_a_table_that_does_not_exist_is_schema_mismatch():
    data = database_capsule()
    data["config_data"]["schema_info"].append({"table_name": "orders", "columns": ["id (INTEGER)"]})

    report = judged(data)

    assert report.category == "schema_mismatch"
    assert "table orders does not exist" in report.message


def test_schema_info_leaving_out_a_real_table_is_schema_mismatch_listing_the_real_tables():
    data = database_capsule()
    data["config_data"]["seed_sql"] += ORDERS_TABLE

    report = judged(data)

    assert report.category == "schema_mismatch"
    assert report.message == (
        "schema_info does not match the seeded database: table orders is not described. "
        "The real tables are customers(id, name, city), orders(id, customer_id, total)."
    )


# --- The starting query ------------------------------------------------------------------------------


def test_a_starting_query_giving_the_expected_result_is_boilerplate_passes():
    report = judged(database_capsule(boilerplate_code="SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name;"))

    assert (report.passed, report.category) == (False, "boilerplate_passes")
    assert report.message == "The starting query already returns the expected result, so learners would have nothing to do."
    assert (report.steps[3].name, report.steps[3].ok, report.steps[3].detail) == (STEP_NAMES[3], False, "same result as the reference")


def test_a_starting_query_with_the_same_rows_in_another_order_differs_when_the_reference_sorts():
    report = judged(database_capsule(boilerplate_code="SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name DESC;"))

    assert report.passed, report.message


def test_a_starting_query_with_the_same_rows_in_another_order_passes_when_order_does_not_matter():
    report = judged(
        database_capsule(
            reference_solution="SELECT name FROM customers WHERE city = 'Berlin';",
            boilerplate_code="SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name DESC;",
        )
    )

    assert report.category == "boilerplate_passes"


def test_a_starting_query_with_other_column_names_but_the_same_values_already_passes():
    report = judged(database_capsule(boilerplate_code="SELECT name AS who FROM customers WHERE city = 'Berlin' ORDER BY name;"))

    assert report.category == "boilerplate_passes"  # column names do not count; learners may alias freely


# --- Determinism -------------------------------------------------------------------------------------


def test_a_reference_query_using_random_is_flaky():
    report = judged(database_capsule(reference_solution="SELECT name, random() FROM customers;"))

    assert report.category == "flaky"


# --- A saved capsule, its seed SQL in storage --------------------------------------------------------


@pytest.mark.django_db
def test_a_saved_capsule_is_judged_from_the_seed_sql_it_names_in_storage(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE", title="Saved"))
    assert "seed_sql" not in capsule.config_data and seed_sql_name(capsule.config_data["seed_sql_url"])

    report = judged(capsule)

    assert report.passed, report.message
    assert report.steps[0].detail == "1 tables"
    assert report.expected_result.rows == [["Ada"], ["Grace"]]


@pytest.mark.django_db
def test_a_saved_capsule_whose_seed_sql_is_gone_from_storage_is_reported_not_raised(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE", title="Saved"))
    default_storage.delete(seed_sql_name(capsule.config_data["seed_sql_url"]))

    report = judged(capsule)

    assert (report.passed, report.category) == (False, "invalid_config")
    assert report.message.startswith("The seed SQL could not be read:")
    assert report.steps == []
