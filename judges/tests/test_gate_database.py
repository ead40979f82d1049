"""The quality gate on DATABASE capsules (judges/validators/database.py through judges.validate), in the real
sandbox: a fresh SQLite database from the seed SQL per query, the reference query, schema_info against the
real tables, the starting query, the hidden dataset (same tables, other rows, a different result), and the
expected results on both datasets kept for grading learners.
"""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from capsules.schemas import parse_capsule
from capsules.seed_sql import seed_sql_name
from capsules.services import capsule_create
from capsules.tests.samples import capsule_data
from judges import gate, validate
from judges.reports import ValidationReport
from judges.runtimes import SQL_ENGINES
from judges.validators.database import MISSING_HIDDEN_DATASET_MESSAGE, NO_HIDDEN_DATASET_WARNING

STEP_NAMES = [
    "seed the database and run the queries",
    "reference query returns rows",
    "schema_info matches the real tables",
    "starting query does not already give the answer",
    "the hidden dataset has the same tables and columns",
    "reference query returns rows on the hidden dataset",
    "the hidden result differs from the visible result",
    "a second run of the reference agrees",
    "a second run on the hidden dataset agrees",
]
# The judged steps of a capsule without a hidden dataset (an existing one: new=False).
VISIBLE_STEP_NAMES = [name for name in STEP_NAMES if "hidden" not in name]
ORDERS_TABLE = "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL);\n"
CUSTOMERS_TABLE = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);\n"


def hidden_customers(*rows: str, table: str = CUSTOMERS_TABLE) -> str:
    """A hidden dataset: the sample's customers table (or `table`) with these rows: "(1, 'Ken', 'Berlin')"."""
    return table + (f"INSERT INTO customers (id, name, city) VALUES {', '.join(rows)};\n" if rows else "")


def database_capsule(**config: Any) -> dict[str, Any]:
    """The sample: customers (id, name, city) with Ada and Grace in Berlin, Linus in Helsinki; its hidden dataset
    has Ken, Barbara and Alan in Berlin, Edsger in Amsterdam and Margaret in Boston."""
    data = capsule_data("DATABASE")
    data["config_data"].update(config)
    return data


def without_hidden_dataset(**config: Any) -> dict[str, Any]:
    data = database_capsule(**config)
    del data["config_data"]["hidden_seed_sql"]
    return data


def judged(data: dict[str, Any], *, new: bool = True) -> ValidationReport:
    report = validate(data) if new else gate.validate(data, new=False)
    assert report.capsule_type == "DATABASE"
    return report


@pytest.fixture
def sandbox_jobs(monkeypatch) -> list[str]:
    """The seed SQL of every SQLite job the gate starts, in order (each job seeds one database)."""
    seeds: list[str] = []
    engine = SQL_ENGINES["sqlite"]

    def counting(seed_sql, queries, limits=None, **kwargs):
        seeds.append(seed_sql)
        return engine(seed_sql, queries, limits, **kwargs)

    monkeypatch.setitem(SQL_ENGINES, "sqlite", counting)
    return seeds


# --- A capsule that passes ---------------------------------------------------------------------------


def test_a_capsule_that_passes_stores_the_expected_result_in_order_when_the_reference_sorts():
    report = judged(database_capsule())

    assert (report.passed, report.category) == (True, None)
    assert report.message == (
        "The reference query returns 2 rows of 1 columns (in order) on the visible data and 3 rows on the hidden "
        "dataset, which differ; schema_info matches the tables, and second runs agree."
    )
    assert [(step.name, step.ok) for step in report.steps] == [(name, True) for name in STEP_NAMES]
    assert report.expected_result.model_dump() == {"columns": ["name"], "rows": [["Ada"], ["Grace"]], "ordered": True}
    assert report.warnings == []


def test_a_capsule_that_passes_stores_the_references_result_on_the_hidden_dataset_for_grading():
    report = judged(database_capsule())

    assert report.hidden_expected_result.model_dump() == {
        "columns": ["name"], "rows": [["Alan"], ["Barbara"], ["Ken"]], "ordered": True,
    }  # fmt: skip
    assert report.steps[4].detail == "1 tables, the same columns"
    assert report.steps[5].detail == "3 rows, 1 columns"


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


def test_judging_takes_four_sandbox_jobs_each_seeding_one_database(sandbox_jobs):
    data = database_capsule()
    seed, hidden = data["config_data"]["seed_sql"], data["config_data"]["hidden_seed_sql"]

    assert judged(data).passed

    # The visible data with the reference and the starting query, the hidden dataset with the reference, then
    # each second run in a database seeded afresh.
    assert sandbox_jobs == [seed, hidden, seed, hidden]


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


# --- The hidden dataset: required of new capsules ---------------------------------------------------


def test_a_new_capsule_without_a_hidden_dataset_is_missing_hidden_dataset_and_only_the_visible_data_is_judged(sandbox_jobs):
    report = judged(without_hidden_dataset())

    assert (report.passed, report.category) == (False, "missing_hidden_dataset")
    assert report.message == MISSING_HIDDEN_DATASET_MESSAGE
    assert "add `hidden_seed_sql`" in report.message and "same tables and columns" in report.message
    assert report.steps[0].name == "a hidden dataset is given" and not report.steps[0].ok
    assert [problem.category for problem in report.problems] == ["missing_hidden_dataset"]
    assert report.expected_result is None and report.hidden_expected_result is None
    # one job judges the visible data (so every other problem is listed too); no second run confirms a refused capsule
    assert len(sandbox_jobs) == 1


def test_a_missing_hidden_dataset_does_not_hide_a_broken_reference_or_schema(sandbox_jobs):
    data = without_hidden_dataset()
    data["config_data"]["reference_solution"] = "SELEC name FROM customers;"
    data["config_data"]["schema_info"][0]["columns"].append("email (TEXT)")

    report = judged(data)

    assert [problem.category for problem in report.problems] == ["missing_hidden_dataset", "syntax_error", "schema_mismatch"]
    assert "customers has no column email" in report.problems[2].message
    assert len(sandbox_jobs) == 1


def test_a_blank_hidden_dataset_counts_as_none():
    report = judged(database_capsule(hidden_seed_sql="  \n"))

    assert report.category == "missing_hidden_dataset"


def test_the_gate_judges_a_capsule_as_new_unless_told_otherwise():
    assert validate(without_hidden_dataset()).category == "missing_hidden_dataset"
    assert gate.validate(without_hidden_dataset()).category == "missing_hidden_dataset"
    assert gate.validate(parse_capsule(without_hidden_dataset()), new=True).category == "missing_hidden_dataset"


def test_an_existing_capsule_without_a_hidden_dataset_passes_as_before_with_a_warning(sandbox_jobs):
    report = judged(without_hidden_dataset(), new=False)

    assert (report.passed, report.category) == (True, None)
    assert report.message == (
        "The reference query returns 2 rows of 1 columns (in order), schema_info matches the tables, and a second run agrees."
    )
    assert report.warnings == [NO_HIDDEN_DATASET_WARNING]
    assert "graded on the visible data only" in report.warnings[0].lower() and "add a hidden dataset" in report.warnings[0]
    assert [step.name for step in report.steps] == VISIBLE_STEP_NAMES
    assert report.expected_result.rows == [["Ada"], ["Grace"]] and report.hidden_expected_result is None
    assert len(sandbox_jobs) == 2


def test_an_existing_capsule_with_a_hidden_dataset_is_judged_on_it_like_a_new_one():
    report = judged(database_capsule(), new=False)

    assert report.passed and report.warnings == []
    assert [step.name for step in report.steps] == STEP_NAMES
    assert report.hidden_expected_result.rows == [["Alan"], ["Barbara"], ["Ken"]]


def test_an_existing_capsule_without_a_hidden_dataset_still_fails_on_its_own_mistakes():
    report = judged(without_hidden_dataset(reference_solution="SELEC name FROM customers;"), new=False)

    assert (report.passed, report.category) == (False, "syntax_error")
    assert report.warnings == []


@pytest.mark.django_db
def test_validate_capsules_judges_a_files_records_as_new_capsules(tmp_path):
    path = tmp_path / "capsules.jsonl"
    path.write_text(json.dumps(without_hidden_dataset()) + "\n" + json.dumps(database_capsule()) + "\n", encoding="utf-8")
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("validate_capsules", str(path), stdout=out)

    first, second = (json.loads(line) for line in out.getvalue().splitlines()[:2])
    assert (first["valid"], first["category"]) == (False, "missing_hidden_dataset")
    assert (second["valid"], second["category"]) == (True, None)


def test_the_new_flag_only_concerns_database_capsules():
    # The CODE and TERMINAL gates take the draft alone; judging an existing one is the same as a new one.
    code = capsule_data("CODE")

    new, existing = gate.validate(code), gate.validate(code, new=False)

    assert new.passed and existing.passed
    assert (new.message, new.warnings) == (existing.message, existing.warnings)


# --- The hidden dataset: what it must be ---------------------------------------------------------------


def test_a_hidden_dataset_whose_seed_fails_is_reported_with_the_databases_error():
    report = judged(database_capsule(hidden_seed_sql=hidden_customers("(1, 'Ken', 'Berlin')") + "INSERT INTO orders (id) VALUES (1);\n"))

    assert (report.passed, report.category) == (False, "runtime_error")
    assert report.message == "The hidden dataset's seed SQL fails: no such table: orders"
    assert (report.steps[-1].name, report.steps[-1].ok, report.steps[-1].detail) == (
        STEP_NAMES[4],
        False,
        "seed failed: no such table: orders",
    )
    assert report.expected_result is None and report.hidden_expected_result is None


def test_a_hidden_dataset_with_a_syntax_error_is_a_syntax_error():
    report = judged(database_capsule(hidden_seed_sql="CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, city TEXT;\n"))

    assert (report.passed, report.category) == (False, "syntax_error")
    assert report.message == 'The hidden dataset\'s seed SQL fails: near ";": syntax error'


def test_a_hidden_dataset_with_another_table_is_schema_mismatch_naming_it():
    report = judged(database_capsule(hidden_seed_sql=hidden_customers("(1, 'Ken', 'Berlin')") + ORDERS_TABLE))

    assert (report.passed, report.category) == (False, "schema_mismatch")
    assert report.message == (
        "The hidden dataset must create exactly the tables and columns of the visible seed: table orders is not in "
        "the visible seed. The visible seed creates customers(id, name, city)."
    )
    assert (report.steps[4].ok, report.steps[4].detail) == (False, "table orders is not in the visible seed")


def test_a_hidden_dataset_missing_a_table_of_the_visible_seed_is_schema_mismatch():
    data = database_capsule(seed_sql=capsule_data("DATABASE")["config_data"]["seed_sql"] + ORDERS_TABLE)
    data["config_data"]["schema_info"].append(
        {"table_name": "orders", "columns": ["id (INTEGER)", "customer_id (INTEGER)", "total (REAL)"]}
    )

    report = judged(data)

    assert report.category == "schema_mismatch"
    assert "table orders is missing" in report.message
    assert "The visible seed creates customers(id, name, city), orders(id, customer_id, total)." in report.message


def test_a_hidden_dataset_with_other_columns_is_schema_mismatch_saying_which():
    table = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, town TEXT NOT NULL, email TEXT);\n"
    rows = "INSERT INTO customers (id, name, town) VALUES (1, 'Ken', 'Berlin');\n"

    report = judged(database_capsule(hidden_seed_sql=table + rows))

    assert report.category == "schema_mismatch"
    assert "customers has no column city; customers.town, email is not in the visible seed" in report.message


def test_a_hidden_dataset_with_the_columns_in_another_order_is_schema_mismatch():
    table = "CREATE TABLE customers (id INTEGER PRIMARY KEY, city TEXT NOT NULL, name TEXT NOT NULL);\n"

    report = judged(database_capsule(hidden_seed_sql=hidden_customers("(1, 'Ken', 'Berlin')", table=table)))

    assert report.category == "schema_mismatch"
    assert "customers has its columns in another order (id, city, name; the visible seed has id, name, city)" in report.message


def test_column_names_and_types_may_differ_in_case_and_declaration():
    table = "CREATE TABLE Customers (ID INT PRIMARY KEY, Name VARCHAR(40), City VARCHAR(40));\n"

    report = judged(database_capsule(hidden_seed_sql=hidden_customers("(1, 'Ken', 'Berlin')", table=table)))

    assert report.passed, report.message


def test_a_reference_query_that_returns_no_rows_on_the_hidden_dataset_is_empty_result():
    report = judged(database_capsule(hidden_seed_sql=hidden_customers("(1, 'Edsger', 'Amsterdam')", "(2, 'Margaret', 'Boston')")))

    assert (report.passed, report.category) == (False, "empty_result")
    assert report.message == (
        "The reference query returns no rows on the hidden dataset, so an empty answer would pass there; "
        "add rows to the hidden dataset that the query selects."
    )
    assert (report.steps[5].name, report.steps[5].ok, report.steps[5].detail) == (STEP_NAMES[5], False, "0 rows, 1 columns")


def test_a_hidden_dataset_with_no_rows_at_all_is_empty_result():
    assert judged(database_capsule(hidden_seed_sql=hidden_customers())).category == "empty_result"


def test_a_reference_query_that_fails_only_on_the_hidden_data_is_reported_as_such():
    # json() of text that is not JSON is an error, and only the hidden dataset has a Ken in Berlin.
    reference = "SELECT name, CASE WHEN name = 'Ken' THEN json('not json') END AS note FROM customers WHERE city = 'Berlin' ORDER BY name;"

    report = judged(database_capsule(reference_solution=reference))

    assert (report.passed, report.category) == (False, "runtime_error")
    assert report.message == "The reference query fails on the hidden dataset: malformed JSON"


def test_a_reference_result_over_the_row_cap_on_the_hidden_dataset_is_output_limit(settings):
    settings.JUDGE_SQL_MAX_ROWS = 2  # the visible answer has 2 rows, the hidden one 3

    report = judged(database_capsule())

    assert (report.passed, report.category) == (False, "output_limit")
    assert report.message == "The reference query returns 3 rows on the hidden dataset; at most 2 can be graded."


def test_a_hidden_dataset_on_which_the_reference_gives_the_visible_result_is_refused():
    # Other rows, but Ada and Grace are still the Berliners: pasting the visible rows as literals would pass.
    hidden = hidden_customers("(1, 'Grace', 'Berlin')", "(2, 'Edsger', 'Amsterdam')", "(3, 'Ada', 'Berlin')", "(4, 'Ken', 'Oslo')")

    report = judged(database_capsule(hidden_seed_sql=hidden))

    assert (report.passed, report.category) == (False, "missing_hidden_dataset")
    assert report.message.startswith(
        "The reference query returns the same result on the hidden dataset as on the visible data (2 rows), so a "
        "query that lists the visible rows as literals would pass both."
    )
    assert "Change the hidden dataset's rows" in report.message
    assert (report.steps[6].name, report.steps[6].ok, report.steps[6].detail) == (STEP_NAMES[6], False, "same result on both datasets")
    assert report.hidden_expected_result is None


def test_the_same_rows_in_any_order_are_the_same_result_when_order_does_not_matter():
    hidden = hidden_customers("(1, 'Grace', 'Berlin')", "(2, 'Ada', 'Berlin')")

    report = judged(database_capsule(reference_solution="SELECT name FROM customers WHERE city = 'Berlin';", hidden_seed_sql=hidden))

    assert report.category == "missing_hidden_dataset"


def test_a_reference_query_that_is_random_only_on_the_hidden_data_is_flaky():
    reference = "SELECT name, CASE WHEN name = 'Ken' THEN random() ELSE 0 END AS draw FROM customers WHERE city = 'Berlin' ORDER BY name;"

    report = judged(database_capsule(reference_solution=reference))

    assert (report.passed, report.category) == (False, "flaky")
    assert report.message.startswith("Two runs of the reference query on the hidden dataset gave different results")
    assert (report.steps[-1].name, report.steps[-1].ok) == (STEP_NAMES[8], False)


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
def test_a_saved_capsule_is_judged_on_the_hidden_dataset_it_names_in_storage(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE", title="Saved"))
    assert "hidden_seed_sql" not in capsule.config_data and seed_sql_name(capsule.config_data["hidden_seed_sql_url"])

    report = gate.validate(capsule, new=False)

    assert report.passed and report.warnings == []
    assert report.hidden_expected_result.rows == [["Alan"], ["Barbara"], ["Ken"]]


@pytest.mark.django_db
def test_a_saved_capsule_whose_hidden_dataset_is_gone_from_storage_is_reported_not_raised(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE", title="Saved"))
    default_storage.delete(seed_sql_name(capsule.config_data["hidden_seed_sql_url"]))

    report = gate.validate(capsule, new=False)

    assert (report.passed, report.category) == (False, "invalid_config")
    assert report.message.startswith("The hidden dataset's seed SQL could not be read:")
    assert report.steps == []


@pytest.mark.django_db
def test_a_saved_capsule_whose_seed_sql_is_gone_from_storage_is_reported_not_raised(owner):
    capsule = capsule_create(creator=owner, data=capsule_data("DATABASE", title="Saved"))
    default_storage.delete(seed_sql_name(capsule.config_data["seed_sql_url"]))

    report = judged(capsule)

    assert (report.passed, report.category) == (False, "invalid_config")
    assert report.message.startswith("The seed SQL could not be read:")
    assert report.steps == []
