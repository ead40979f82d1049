"""SQL on SQLite inside the sandbox (judges/runtimes/sql_sqlite.py), and the PostgreSQL seam."""

from __future__ import annotations

import pytest

from judges.limits import limits_for
from judges.runtimes import Verdict, has_top_level_order_by, run_sql, run_sql_batch
from judges.sandbox import SandboxUnavailable

LIMITS = limits_for("sql").replace(wall_seconds=1.0, cpu_seconds=1.0)
SEED = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, note TEXT);
INSERT INTO customers (name, city, note) VALUES ('Ada', 'Berlin', NULL), ('Linus', 'Helsinki', ''), ('Grace', 'Berlin', 'x');
CREATE VIEW berliners AS SELECT name FROM customers WHERE city = 'Berlin';
"""


def test_a_query_returns_columns_rows_and_whether_it_is_ordered():
    result = run_sql("sqlite", SEED, "SELECT name, note FROM customers WHERE city = 'Berlin' ORDER BY name;", LIMITS)
    assert result.ok and result.verdict is Verdict.AC
    assert result.columns == ["name", "note"]
    assert result.rows == [["Ada", None], ["Grace", "x"]]  # NULL stays null, never ''
    assert result.row_count == 2 and not result.truncated and result.ordered


def test_a_batch_seeds_once_and_gives_each_query_a_fresh_copy():
    batch = run_sql_batch(
        "sqlite",
        SEED,
        ["DELETE FROM customers; SELECT count(*) FROM customers", "SELECT count(*) FROM customers", "SELECT * FROM berliners"],
        LIMITS,
    )
    assert batch.seed_ok and batch.sandboxed
    assert [r.rows for r in batch.results] == [[[0]], [[3]], [["Ada"], ["Grace"]]]
    assert [r.ordered for r in batch.results] == [False, False, False]


def test_the_seeded_schema_is_described():
    batch = run_sql_batch("sqlite", SEED, [], LIMITS)
    assert set(batch.tables) == {"customers", "berliners"}
    assert [(c.name, c.type) for c in batch.tables["customers"]] == [
        ("id", "INTEGER"),
        ("name", "TEXT"),
        ("city", "TEXT"),
        ("note", "TEXT"),
    ]


def test_an_sql_error_is_a_runtime_error_with_the_message():
    result = run_sql("sqlite", SEED, "SELECT nme FROM customers", LIMITS)
    assert result.verdict is Verdict.RE and result.error == "no such column: nme"


def test_a_failing_seed_is_reported_and_no_query_runs():
    batch = run_sql_batch("sqlite", "CREATE TABLE t (x INT); INSERT INTO nope VALUES (1);", ["SELECT 1"], LIMITS)
    assert batch.seed_error == "no such table: nope"
    assert batch.results[0].verdict is Verdict.RE and "seed SQL failed" in batch.results[0].error


def test_rows_are_capped_but_counted():
    result = run_sql(
        "sqlite",
        "",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 50) SELECT x FROM c",
        LIMITS.replace(sql_max_rows=10),
    )
    assert len(result.rows) == 10 and result.row_count == 50 and result.truncated


def test_a_runaway_query_is_stopped_and_the_next_one_runs():
    batch = run_sql_batch(
        "sqlite", SEED, ["WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", "SELECT 1"], LIMITS
    )
    assert batch.results[0].verdict is Verdict.TLE
    assert batch.results[1].rows == [[1]]


def test_values_of_every_type_come_back_as_json():
    result = run_sql("sqlite", "", "SELECT 1, 2.5, 'text', NULL, x'00ff'", LIMITS)
    assert result.rows == [[1, 2.5, "text", None, "x'00ff'"]]


def test_the_query_cannot_reach_files_outside_the_sandbox():
    result = run_sql("sqlite", "", "ATTACH DATABASE '/etc/shadow' AS s; SELECT * FROM s.sqlite_master", LIMITS)
    assert result.verdict is Verdict.RE


@pytest.mark.parametrize(
    ("sql", "ordered"),
    [
        ("SELECT * FROM t ORDER BY x", True),
        ("select * from t order\n  by x desc;", True),
        ("SELECT * FROM (SELECT * FROM t ORDER BY x)", False),
        ("SELECT x, row_number() OVER (ORDER BY x) FROM t", False),
        ("SELECT 'ORDER BY' FROM t", False),
        ("SELECT x FROM t -- ORDER BY x", False),
        ("SELECT x FROM t ORDER BY x; SELECT y FROM u", False),
        ("SELECT \"order by\" FROM t", False),
    ],
)
def test_order_by_is_detected_only_at_the_top_level_of_the_last_statement(sql, ordered):
    assert has_top_level_order_by(sql) is ordered


def test_postgresql_without_a_url_refuses_clearly(settings):
    settings.JUDGE_POSTGRES_URL = ""
    with pytest.raises(SandboxUnavailable, match="JUDGE_POSTGRES_URL"):
        run_sql("postgresql", SEED, "SELECT 1", LIMITS)


def test_an_unknown_dialect_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown SQL dialect"):
        run_sql("oracle", SEED, "SELECT 1", LIMITS)
