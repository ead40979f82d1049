"""SQL on PostgreSQL (judges/runtimes/sql_postgres.py) against a real throwaway cluster, no mocks.

The cluster: the root conftest's `postgres_url` (JUDGE_POSTGRES_URL when the PostgreSQL pass of `make test` set it,
otherwise a throwaway cluster for the session). Never skipped.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection as django_connection
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from capsules.schemas import parse_capsule
from capsules.tests.samples import capsule_data
from judges import validate
from judges.limits import limits_for
from judges.runtimes import SQL_ENGINES, Verdict, run_sql
from judges.runtimes.sql_postgres import STALE_AFTER_SECONDS, drop_stale_runs, json_value, leftover_runs, open_run, run_sql_batch
from judges.sandbox import SandboxUnavailable
from scripts.with_postgres import free_port

LIMITS = limits_for("sql").replace(wall_seconds=1.0, cpu_seconds=1.0)
SEED = """
CREATE TABLE customers (id SERIAL PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, note TEXT, balance NUMERIC(10, 2));
INSERT INTO customers (name, city, note, balance) VALUES
    ('Ada', 'Berlin', NULL, 2.50), ('Linus', 'Helsinki', '', 3), ('Grace', 'Berlin', 'x', 10.00);
CREATE VIEW berliners AS SELECT name FROM customers WHERE city = 'Berlin';
"""
COUNT = "SELECT count(*) FROM customers"


@pytest.fixture(autouse=True)
def _judge_on_the_cluster(settings, postgres_url):
    settings.JUDGE_POSTGRES_URL = postgres_url


@pytest.fixture
def admin(postgres_url) -> Iterator[psycopg.Connection]:
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        yield connection


def batch(queries, seed=SEED, limits=LIMITS):
    return run_sql_batch(seed, queries, limits)


# --- Results ------------------------------------------------------------------------------------------


def test_a_query_returns_columns_rows_and_whether_it_is_ordered_with_null_distinct_from_empty_text():
    result = run_sql("postgresql", SEED, "SELECT name, note FROM customers ORDER BY name;", LIMITS)

    assert result.verdict is Verdict.AC and result.error is None
    assert result.columns == ["name", "note"]
    assert result.rows == [["Ada", None], ["Grace", "x"], ["Linus", ""]]  # NULL stays null, '' stays ''
    assert (result.row_count, result.truncated, result.ordered) == (3, False, True)


def test_order_is_only_required_by_a_top_level_order_by():
    results = batch(
        [
            "SELECT name FROM berliners",
            "SELECT * FROM (SELECT name FROM customers ORDER BY name) AS sorted",
            "SELECT name, row_number() OVER (ORDER BY name) FROM customers",
            "select name from customers order\n by name desc",
        ]
    ).results
    assert [r.ordered for r in results] == [False, False, False, True]
    assert sorted(results[0].rows) == [["Ada"], ["Grace"]]
    assert results[3].rows == [["Linus"], ["Grace"], ["Ada"]]


def test_the_seeded_tables_views_and_materialized_views_are_described_with_their_types():
    result = batch([], seed=SEED + "CREATE MATERIALIZED VIEW cities AS SELECT DISTINCT city FROM customers; CREATE SEQUENCE loose;")

    assert result.seed_ok and result.sandboxed
    assert set(result.tables) == {"customers", "berliners", "cities"}  # a sequence is not a table
    assert [(c.name, c.type) for c in result.tables["customers"]] == [
        ("id", "integer"), ("name", "text"), ("city", "text"), ("note", "text"), ("balance", "numeric(10,2)"),
    ]  # fmt: skip
    assert [(c.name, c.type) for c in result.tables["berliners"]] == [("name", "text")]


def test_values_of_every_type_come_back_as_json():
    result = run_sql(
        "postgresql",
        "",
        "SELECT 1, 2.5::float8, 'text', NULL, '\\x00ff'::bytea, true, date '2024-01-31', "
        "timestamptz '2024-01-31 12:00+02', interval '1 day 2 hours', ARRAY[1, 2], '{\"a\": 1}'::jsonb, "
        "'NaN'::float8, 9223372036854775807::int8, 'b'::char(3)",
        LIMITS,
    )
    assert result.ok, result.error
    assert result.rows == [
        [1, 2.5, "text", None, "x'00ff'", True, "2024-01-31", "2024-01-31 10:00:00+00", "1 day 02:00:00", "{1,2}",
         '{"a": 1}', "NaN", 9223372036854775807, "b  "]
    ]  # fmt: skip


def test_numeric_is_an_integer_when_printed_without_decimals_and_a_float_otherwise():
    result = run_sql(
        "postgresql",
        SEED,
        "SELECT sum(id::bigint), sum(balance), avg(balance), 12345678901234567890::numeric, 1.10::numeric, "
        "'Infinity'::numeric, round(2.5) FROM customers",
        LIMITS,
    )
    assert result.ok, result.error
    assert result.rows == [[6, 15.5, pytest.approx(5.1666666666666667), 12345678901234567890, 1.1, "Infinity", 3]]
    assert type(result.rows[0][0]) is int and type(result.rows[0][1]) is float
    assert json_value(b"2.50", 1700) == 2.5 and json_value(b"-0.001", 1700) == -0.001 and json_value(None, 1700) is None


def test_an_sql_error_is_a_runtime_error_with_the_servers_message_only():
    results = batch(["SELECT nme FROM customers", "SELEC 1", "SELECT 1/0"]).results
    assert [r.verdict for r in results] == [Verdict.RE] * 3
    assert [r.error for r in results] == ['column "nme" does not exist', 'syntax error at or near "SELEC"', "division by zero"]


def test_a_failing_seed_is_reported_and_no_query_runs():
    result = batch(["SELECT 1"], seed="CREATE TABLE t (x int); INSERT INTO nope VALUES (1);")
    assert result.seed_error == 'relation "nope" does not exist'
    assert result.tables == {}
    assert result.results[0].verdict is Verdict.RE
    assert result.results[0].error == 'the seed SQL failed: relation "nope" does not exist'


def test_a_seed_may_use_transactions_and_settings_of_its_own_without_affecting_the_queries():
    seed = "BEGIN; CREATE TABLE t (x int); INSERT INTO t VALUES (1); COMMIT; SET statement_timeout = 0; BEGIN; INSERT INTO t VALUES (2);"
    result = batch(["SELECT x FROM t ORDER BY x", "SHOW statement_timeout"], seed=seed)
    assert result.seed_ok, result.seed_error
    assert result.results[0].rows == [[1], [2]]  # the unfinished transaction is committed
    assert result.results[1].rows == [["1100ms"]]  # the judge's limit, not the seed's 0


def test_rows_are_capped_but_all_are_counted():
    started = time.monotonic()
    result = run_sql("postgresql", "", "SELECT g, 'row ' || g FROM generate_series(1, 200000) AS g", LIMITS.replace(sql_max_rows=10))

    assert result.ok, result.error
    assert result.rows == [[g, f"row {g}"] for g in range(1, 11)]
    assert (result.row_count, result.truncated) == (200000, True)
    assert time.monotonic() - started < 5


def test_kept_rows_too_large_to_return_are_an_output_limit():
    result = run_sql("postgresql", "", "SELECT repeat('x', 100000) FROM generate_series(1, 100)", LIMITS.replace(sql_max_rows=50))
    assert result.verdict is Verdict.OLE and result.rows == []


def test_several_statements_give_the_last_row_set_and_copy_does_not_hang():
    results = batch(
        [
            "DELETE FROM customers WHERE city = 'Berlin'; SELECT name FROM customers; UPDATE customers SET note = 'n'",
            "COPY customers TO STDOUT; SELECT 7",
            "COPY customers FROM STDIN",
            "",
        ]
    ).results
    assert (results[0].verdict, results[0].columns, results[0].rows) == (Verdict.AC, ["name"], [["Linus"]])
    assert results[1].rows == [[7]]
    assert results[2].verdict is Verdict.RE and "COPY from stdin failed" in results[2].error
    assert (results[3].verdict, results[3].columns, results[3].rows, results[3].row_count) == (Verdict.AC, [], [], 0)


# --- Each query sees the seeded state -------------------------------------------------------------------


def test_changes_and_ddl_of_a_query_do_not_reach_the_next_query():
    results = batch(
        [
            "DELETE FROM customers; SELECT count(*) FROM customers",
            COUNT,
            "DROP TABLE customers CASCADE",
            COUNT,
            "ALTER TABLE customers ADD COLUMN extra int; CREATE TABLE more (x int); SET search_path = pg_catalog",
            "SELECT * FROM customers WHERE false; SELECT count(*) FROM customers",
            "SELECT nextval('customers_id_seq')",
            "SELECT nextval('customers_id_seq'), nextval('customers_id_seq')",
            "SELECT nextval('customers_id_seq')",
        ]
    ).results
    assert [r.verdict for r in results] == [Verdict.AC] * 9, [r.error for r in results]
    assert results[0].rows == [[0]] and results[1].rows == [[3]] and results[3].rows == [[3]]
    assert results[5].columns == ["count"] and results[5].rows == [[3]]
    assert results[6].rows == [[4]] and results[7].rows == [[4, 5]] and results[8].rows == [[4]]  # sequences set back


ESCAPES = [
    "COMMIT; DELETE FROM customers",
    "DELETE FROM customers; COMMIT",
    "END; DROP TABLE customers CASCADE",
    "ROLLBACK; DELETE FROM customers",
    "DELETE FROM customers; COMMIT AND CHAIN",
    "DELETE FROM customers; COMMIT AND CHAIN; SELECT 1/0",
    "DELETE FROM customers; COMMIT AND CHAIN; SAVEPOINT codecapsule_judge; SELECT 1/0",
    "DELETE FROM customers; RELEASE SAVEPOINT codecapsule_judge; COMMIT",
    "SELECT pg_terminate_backend(pg_backend_pid())",
]


def test_a_query_that_ends_the_judges_transaction_gets_the_next_query_a_fresh_copy():
    """One batch: each escape is followed by a check; a fresh database and role are made after each escape."""
    queries = [query for escape in ESCAPES for query in (escape, COUNT, "SELECT name FROM customers WHERE id = 2")]
    results = batch(queries).results
    for position, escape in enumerate(ESCAPES):
        count, name = results[3 * position + 1], results[3 * position + 2]
        assert (count.rows, name.rows) == ([[3]], [["Linus"]]), f"after {escape!r}: {results[3 * position].error}"


def test_a_deferred_error_in_its_own_transaction_is_only_that_querys_error():
    results = batch(["INSERT INTO customers (id, name, city) VALUES (1, 'Dup', 'X')", COUNT]).results
    assert results[0].verdict is Verdict.RE and "duplicate key value" in results[0].error
    assert results[1].rows == [[3]]


# --- Time ---------------------------------------------------------------------------------------------


def test_endless_queries_are_time_limit_exceeded_and_the_batch_goes_on():
    limits = LIMITS.replace(wall_seconds=0.5)
    started = time.monotonic()
    results = batch(
        [
            "SELECT pg_sleep(60)",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
            "SET statement_timeout = 0; SET lock_timeout = 0; SELECT pg_sleep(60)",
            "DO $$ BEGIN LOOP BEGIN PERFORM pg_sleep(10); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$",
            COUNT,
        ],
        limits=limits,
    ).results
    elapsed = time.monotonic() - started

    assert [r.verdict for r in results] == [Verdict.TLE] * 4 + [Verdict.AC], [r.error for r in results]
    assert results[0].error == "The query did not finish within 0.5 s."
    assert all(0.45 <= r.wall_seconds < 1.5 for r in results[:3]), [r.wall_seconds for r in results]
    assert results[3].wall_seconds < 3  # ignores the cancel: its backend is terminated 1 s later
    assert results[4].rows == [[3]]
    assert elapsed < 10


def test_a_seed_that_does_not_finish_is_reported():
    result = batch([COUNT], seed="CREATE TABLE t (x int); SELECT pg_sleep(60);", limits=LIMITS.replace(wall_seconds=0.5))
    assert result.seed_error == "the seed SQL took too long"
    assert result.results[0].verdict is Verdict.RE


# --- What the learner cannot do -------------------------------------------------------------------------


REFUSED = [  # (query, words of PostgreSQL's refusal)
    ("SELECT rolname, rolpassword FROM pg_authid", "permission denied for table pg_authid"),
    ("SELECT usename, passwd FROM pg_shadow", "permission denied for view pg_shadow"),
    ("SELECT pg_read_file('/etc/passwd')", "permission denied for function pg_read_file"),
    ("SELECT pg_ls_dir('.')", "permission denied for function pg_ls_dir"),
    ("SELECT lo_import('/etc/passwd')", "permission denied for function lo_import"),
    ("SELECT lo_export(lo_create(0), '/tmp/owned')", "permission denied for function lo_export"),
    ("SELECT * FROM pg_hba_file_rules", "permission denied"),
    ("CREATE SUBSCRIPTION s CONNECTION 'dbname=postgres' PUBLICATION p WITH (connect = false)", "must be superuser"),
    ("COPY customers TO PROGRAM 'id > /tmp/owned'", "pg_execute_server_program"),
    ("CREATE TEMP TABLE x (y int); COPY x FROM '/etc/passwd'", "permission denied"),
    ("COPY customers TO '/tmp/customers.csv'", "pg_write_server_files"),
    ("CREATE EXTENSION dblink", "permission denied to create extension"),
    ("CREATE EXTENSION postgres_fdw", "permission denied to create extension"),
    ("CREATE EXTENSION pgcrypto", "permission denied to create extension"),
    ("CREATE FUNCTION f() RETURNS int AS 'libc.so.6', 'getpid' LANGUAGE C", "permission denied for language c"),
    ("CREATE ROLE intruder LOGIN", "permission denied to create role"),
    ("CREATE ROLE intruder SUPERUSER LOGIN", "must be superuser to create superusers"),
    # Every query is one simple-protocol message: after a COMMIT the rest is still an implicit transaction
    # block, so these never get as far as the privilege check (which refuses them too, see the next test).
    ("COMMIT; CREATE DATABASE intruder", "cannot run inside a transaction block"),
    ("COMMIT; ALTER SYSTEM SET fsync = off", "cannot run inside a transaction block"),
    ("CREATE SCHEMA intruder", "permission denied for database"),
    ("SET ROLE postgres", "permission denied to set role"),
    ("SET SESSION AUTHORIZATION postgres", "permission denied to set session authorization"),
    ("ALTER ROLE current_user SUPERUSER", "must be superuser"),
    ("ALTER ROLE current_user LOGIN", "permission denied"),
    ("SELECT current_setting('data_directory')", "must be superuser or have privileges of pg_read_all_settings"),
    ("SET temp_file_limit = -1", "permission denied"),
    ("SELECT * FROM postgres.pg_catalog.pg_class", "cross-database references are not implemented"),
]


def test_the_learner_role_has_no_rights_beyond_its_own_tables():
    """One batch (one run) of everything a learner must not be able to do, each refused with its own message."""
    results = batch([query for query, _ in REFUSED]).results
    for (query, message), result in zip(REFUSED, results, strict=True):
        assert result.verdict is Verdict.RE and message in (result.error or ""), f"{query!r} gave {result.verdict}: {result.error}"


@pytest.mark.django_db
def test_the_learner_role_is_powerless_and_cannot_log_in_anywhere_during_its_run(postgres_url, admin):
    """Its own session is the only one it will ever have: not to another database, not even to its own."""
    secret = f"ccsecret_{secrets.token_hex(4)}"
    admin.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(secret)))
    try:
        with psycopg.connect(postgres_url, dbname=secret, autocommit=True) as there:
            there.execute("CREATE TABLE secrets (value text); INSERT INTO secrets VALUES ('the answer')")
        targets = [secret, "postgres"]
        settings_dict = django_connection.settings_dict
        server = conninfo_to_dict(postgres_url)
        if django_connection.vendor == "postgresql" and str(settings_dict.get("PORT")) == str(server.get("port")):
            targets.append(settings_dict["NAME"])  # the Django database of this test run
        with open_run(LIMITS) as run:
            role = run.name
            assert run.query("SELECT current_user").rows == [[role]]
            attributes = admin.execute(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit, rolcanlogin, "
                "rolconnlimit FROM pg_roles WHERE rolname = %s",
                [role],
            ).fetchone()
            assert attributes == (False, False, False, False, False, False, False, 1)
            assert admin.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [role]).fetchone() == ("postgres",)
            assert run.query("SHOW temp_file_limit").rows == [[f"{LIMITS.tmpfs_mb}MB"]]
            outside = run.session.internal  # the learner's session, outside any transaction block
            assert outside("CREATE DATABASE intruder").error == "permission denied to create database"
            assert outside("ALTER SYSTEM SET fsync = off").error == 'permission denied to set parameter "fsync"'
            assert outside("CREATE ROLE intruder").error == "permission denied to create role"
            for target in [*targets, role]:
                with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
                    psycopg.connect(postgres_url, user=role, password=run.password, dbname=target, connect_timeout=5)
            leak = run.query(f"SELECT * FROM {secret}.public.secrets")
            assert leak.verdict is Verdict.RE and "cross-database references" in leak.error
    finally:
        admin.execute(pgsql.SQL("DROP DATABASE {} WITH (FORCE)").format(pgsql.Identifier(secret)))


def test_other_sessions_queries_are_hidden_from_the_learner(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as other:
        other.execute("SELECT 'a-secret-marker'")
        result = run_sql(
            "postgresql", "", "SELECT query FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '%a-secret-marker%'", LIMITS
        )
        assert result.ok and result.rows == []
        seen = run_sql("postgresql", "", "SELECT count(*) FROM pg_stat_activity WHERE query = '<insufficient privilege>'", LIMITS)
        assert seen.rows[0][0] >= 1


def test_notifications_a_query_sends_itself_are_dropped_not_queued():
    with open_run(LIMITS) as run:
        result = run.query("LISTEN c; COMMIT; SELECT pg_notify('c', g::text) FROM generate_series(1, 2000) AS g")
        assert result.ok and result.row_count == 2000
        assert run.session.pg.notifies() is None


# --- Nothing is left behind -----------------------------------------------------------------------------


def test_no_database_or_role_is_left_after_runs_that_pass_fail_time_out_or_lose_their_connection(admin):
    before = leftover_runs(admin)
    batch(["SELECT 1", "SELECT nope", "COMMIT; DROP TABLE customers", "SELECT pg_terminate_backend(pg_backend_pid())", COUNT])
    batch(["SELECT 1"], seed="SELECT pg_sleep(10)", limits=LIMITS.replace(wall_seconds=0.3))
    batch(["SELECT 1"], seed="CREATE TABLE broken (")
    batch(["PREPARE TRANSACTION 'held'", COUNT])
    with pytest.raises(RuntimeError), open_run(LIMITS):
        raise RuntimeError("the caller failed half-way")
    assert leftover_runs(admin) == before


def test_runs_left_by_a_crashed_process_are_dropped_once_they_are_stale(admin):
    old = f"ccj_{int(time.time() - STALE_AFTER_SECONDS - 60)}_{secrets.token_hex(6)}"
    young = f"ccj_{int(time.time())}_{secrets.token_hex(6)}"
    for name in (old, young):
        admin.execute(pgsql.SQL("CREATE ROLE {} NOLOGIN").format(pgsql.Identifier(name)))
        admin.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
    try:
        assert old in drop_stale_runs(admin)
        databases, roles = leftover_runs(admin)
        assert old not in databases and old not in roles
        assert young in databases and young in roles  # a run in progress elsewhere is left alone
    finally:
        admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(young)))
        admin.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(pgsql.Identifier(young)))


# --- Configuration --------------------------------------------------------------------------------------


def test_a_server_that_does_not_answer_means_nothing_is_judged_and_no_address_is_shown(settings):
    port = free_port()
    settings.JUDGE_POSTGRES_URL = f"postgres://postgres:hunter2@127.0.0.1:{port}/postgres"
    with pytest.raises(SandboxUnavailable) as raised:
        run_sql("postgresql", SEED, "SELECT 1", LIMITS)
    assert "JUDGE_POSTGRES_URL" in str(raised.value)
    assert str(port) not in str(raised.value) and "hunter2" not in str(raised.value) and "127.0.0.1" not in str(raised.value)


def test_an_administrative_role_with_createdb_and_createrole_is_enough(settings, postgres_url, admin):
    judge = f"ccadmin_{secrets.token_hex(4)}"
    admin.execute(pgsql.SQL("CREATE ROLE {} LOGIN CREATEDB CREATEROLE").format(pgsql.Identifier(judge)))
    try:
        settings.JUDGE_POSTGRES_URL = make_conninfo(postgres_url, user=judge)
        before = leftover_runs(admin)
        results = batch(["SELECT name FROM customers ORDER BY id", "COMMIT; DELETE FROM customers", COUNT, "SELECT pg_sleep(60)"]).results
        assert results[0].rows == [["Ada"], ["Linus"], ["Grace"]]
        assert results[2].rows == [[3]]
        assert results[3].verdict is Verdict.TLE
        assert leftover_runs(admin) == before
    finally:
        admin.execute(pgsql.SQL("DROP ROLE {}").format(pgsql.Identifier(judge)))


def test_the_postgresql_dialect_is_this_engine():
    assert SQL_ENGINES["postgresql"] is run_sql_batch


def test_the_database_gate_passes_a_postgresql_capsule_and_stores_its_expected_result():
    data = capsule_data("DATABASE")
    data["config_data"].update(
        dialect="postgresql",
        seed_sql=(
            "CREATE TABLE customers (id SERIAL PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL);\n"
            "INSERT INTO customers (name, city) VALUES ('Ada', 'Berlin'), ('Linus', 'Helsinki'), ('Grace', 'Berlin');\n"
        ),
        reference_solution="SELECT name FROM customers WHERE city = 'Berlin' ORDER BY name;",
        boilerplate_code="SELECT name FROM customers;",
    )
    draft = parse_capsule(data)
    assert draft.runtime_tier == "sandbox-postgresql"

    report = validate(draft)

    assert (report.passed, report.category) == (True, None), report.message
    assert all(step.ok for step in report.steps)
    assert report.expected_result.model_dump() == {"columns": ["name"], "rows": [["Ada"], ["Grace"]], "ordered": True}
