"""DATABASE capsules: a fresh database from the seed SQL, a reference query that returns rows, and a
schema description that matches the real tables.

Steps, each recorded in the report:
1. Seed a fresh database and run, each on its own copy: the reference query and the starting query if
   there is one. The second run of the reference (it must agree) gets a database of its own, seeded in a
   separate run: copies forked from one process share SQLite's random() state and would always agree.
2. The seed must run, the reference must run and return at least one row.
3. `schema_info` must describe exactly the tables the seed made, column names included (the first word of
   each entry: "id (INTEGER)" names `id`) — learners write queries against what the panel shows.
4. The starting query must not already produce the expected result.
5. The reference's result (columns, rows, whether order matters) is kept in the report for grading.
"""

from __future__ import annotations

import re

from capsules.schemas import CapsuleDraft, DatabaseConfig
from capsules.seed_sql import SeedSqlMissing, seed_sql_read
from judges.limits import limits_for
from judges.reports import CATEGORY_OF_VERDICT, ExpectedResult, ValidationReport
from judges.runtimes import SQL_ENGINES, SqlBatchResult, SqlResult
from judges.sql_compare import results_match
from judges.validators.common import ReportBuilder, quote

_SYNTAX = re.compile(r"syntax error|near \"|unrecognized token|incomplete input", re.I)


def seed_sql_of(config: DatabaseConfig) -> str:
    if config.seed_sql and config.seed_sql.strip():
        return config.seed_sql
    return seed_sql_read(url=config.seed_sql_url)


def column_name(entry: str) -> str:
    return entry.strip().split()[0].strip('"`[]').lower() if entry.strip() else ""


def schema_differences(config: DatabaseConfig, batch: SqlBatchResult) -> list[str]:
    """What schema_info says that the real database does not, in plain phrases (empty: they match)."""
    real = {name.lower(): [column.name.lower() for column in columns] for name, columns in batch.tables.items()}
    described = {table.table_name.lower(): [column_name(c) for c in table.columns] for table in config.schema_info}
    problems = []
    for table, columns in described.items():
        if table not in real:
            problems.append(f"table {table} does not exist")
            continue
        missing = [c for c in columns if c not in real[table]]
        undescribed = [c for c in real[table] if c not in columns]
        if missing:
            problems.append(f"{table} has no column {', '.join(missing)}")
        if undescribed:
            problems.append(f"{table}.{', '.join(undescribed)} is not described")
    for table in sorted(set(real) - set(described)):
        problems.append(f"table {table} is not described")
    return problems


def query_failure_category(result: SqlResult) -> str:
    if result.verdict.value == "RE":
        return "syntax_error" if _SYNTAX.search(result.error or "") else "runtime_error"
    return CATEGORY_OF_VERDICT.get(result.verdict.value, "runtime_error")


def validate_database(draft: CapsuleDraft) -> ValidationReport:
    config = draft.config
    assert isinstance(config, DatabaseConfig)
    report = ReportBuilder(draft.capsule_type, draft.language)
    try:
        seed = seed_sql_of(config)
    except SeedSqlMissing as exc:
        return report.fail("invalid_config", f"The seed SQL could not be read: {exc}.")

    starting = config.boilerplate_code.strip()
    queries = [config.reference_solution] + ([starting] if starting else [])
    limits = limits_for("sql", extended=draft.runtime_tier.endswith("-extended"))
    with report.step("seed the database and run the queries") as step:
        batch = SQL_ENGINES[config.dialect](seed, queries, limits)
        step.ok = batch.seed_ok
        step.detail = f"{len(batch.tables)} tables" if batch.seed_ok else f"seed failed: {batch.seed_error}"
    if not batch.seed_ok:
        category = "syntax_error" if _SYNTAX.search(batch.seed_error or "") else "runtime_error"
        return report.fail(category, f"The seed SQL fails: {batch.seed_error}")

    reference = batch.results[0]
    with report.step("reference query returns rows") as step:
        step.ok = reference.ok and reference.row_count > 0
        step.detail = f"{reference.row_count} rows, {len(reference.columns)} columns" if reference.ok else (reference.error or "")
    if not reference.ok:
        return report.fail(query_failure_category(reference), f"The reference query fails: {reference.error}")
    if reference.truncated:
        return report.fail("output_limit", f"The reference query returns {reference.row_count} rows; at most {limits.sql_max_rows} can be graded.")
    if reference.row_count == 0:
        return report.fail("empty_result", "The reference query returns no rows, so any empty answer would pass; check its WHERE clause or the seed data.")

    with report.step("schema_info matches the real tables") as step:
        problems = schema_differences(config, batch)
        step.ok = not problems
        step.detail = "; ".join(problems) or "every table and column described"
    if problems:
        real = ", ".join(f"{name}({', '.join(c.name for c in cols)})" for name, cols in sorted(batch.tables.items()))
        return report.fail("schema_mismatch", f"schema_info does not match the seeded database: {'; '.join(problems)}. The real tables are {real}.")

    if starting:
        with report.step("starting query does not already give the answer") as step:
            result = batch.results[1]
            step.ok = not (result.ok and results_match(expected=reference, actual=result).matches)
            step.detail = "differs from the reference" if step.ok else "same result as the reference"
        if not step.ok:
            return report.fail("boilerplate_passes", "The starting query already returns the expected result, so learners would have nothing to do.")

    with report.step("a second run of the reference agrees") as step:
        again = SQL_ENGINES[config.dialect](seed, [config.reference_solution], limits).results[0]
        step.ok = again.ok and again.columns == reference.columns and again.rows == reference.rows
        step.detail = "same result" if step.ok else "different result"
    if not step.ok:
        return report.fail("flaky", f"Two runs of the reference query gave different results ({quote(str(reference.rows))} then {quote(str(again.rows))}); add an ORDER BY or remove randomness.")

    expected = ExpectedResult(columns=reference.columns, rows=reference.rows, ordered=reference.ordered)
    order = "in order" if reference.ordered else "in any order"
    return report.passed(
        f"The reference query returns {reference.row_count} rows of {len(reference.columns)} columns ({order}), "
        "schema_info matches the tables, and a second run agrees.",
        expected_result=expected,
    )
