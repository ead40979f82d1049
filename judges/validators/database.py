"""DATABASE capsules: a fresh database from the seed SQL, a reference query that returns rows, a schema
description that matches the real tables, and a hidden dataset on which the reference's result differs.

Steps, each recorded in the report:
Every problem found is listed (ValidationReport.problems); only a seed that does not run ends the judgement
early, and the second runs (jobs 3 and 4) only confirm a capsule that passed everything else.

1. A NEW capsule (`new=True`: being created) without a hidden dataset fails, category
   missing_hidden_dataset (the visible data is still judged, so every other problem is listed too): learners
   are graded on the visible and the hidden dataset (the judge's promise "earned, not pasted"), and without
   the hidden one a query that lists the visible answer's rows as literals passes.
   A saved capsule judged again (`new=False`) passes without one, with a warning in the report.
2. Job 1: seed a fresh database and run, each on its own copy: the reference query and the starting query if
   there is one. The seed must run, the reference must run and return at least one row (not truncated).
3. `schema_info` must describe exactly the tables the seed made, column names included (the first word of
   each entry: "id (INTEGER)" names `id`) — learners write queries against what the panel shows.
4. The starting query must not already produce the expected result.
5. Job 2 (with a hidden dataset): seed the hidden dataset and run the reference on it. The hidden seed must
   run and create exactly the visible seed's tables with the same columns in the same order (a learner's
   `SELECT *` must mean the same on both); the reference must run there, return at least one row (not
   truncated), and return a result that DIFFERS from its visible result (compared as learners' results are):
   otherwise the visible rows pasted as literals would pass on the hidden dataset too.
6. Jobs 3 and 4: second runs of the reference on the visible data and on the hidden dataset must agree with
   the first ones. Each gets a database of its own, seeded in a separate job: copies forked from one process
   share SQLite's random() state and would always agree.
7. A browser tier (wasm-sqlite): the reference query on the visible seed in sql.js, run on the server, gives the
   server's result, compared as learners' results are (judges/validators/browser.py).
8. The reference's results (columns, rows, whether order matters) on both datasets are kept in the report for
   grading: `expected_result` (visible) and `hidden_expected_result` (never shown to learners).

Four sandbox jobs at most (one seeding each), in the order that stops soonest on the likeliest mistakes: the
hidden dataset is judged before either second run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from capsules.hooks import MISSING_HIDDEN_DATASET_CATEGORY
from capsules.schemas import CapsuleDraft, DatabaseConfig
from capsules.seed_sql import SeedSqlMissing, seed_sql_read
from judges.limits import Limits, limits_for
from judges.reports import CATEGORY_OF_VERDICT, Category, ExpectedResult, ValidationReport
from judges.runtimes import SQL_ENGINES, SqlBatchResult, SqlColumn, SqlResult
from judges.sql_compare import results_match
from judges.validators import browser
from judges.validators.common import ReportBuilder, quote

_SYNTAX = re.compile(r"syntax error|near \"|unrecognized token|incomplete input", re.I)

MISSING_HIDDEN_DATASET_MESSAGE = (
    "This new DATABASE capsule has no hidden dataset: add `hidden_seed_sql`, SQL that creates the same tables "
    "and columns as `seed_sql` but fills them with other rows, chosen so that the reference query returns a "
    "different result on it. Learners are graded on both datasets; without a hidden one, a query that lists "
    "the visible answer's rows as literals would pass."
)
NO_HIDDEN_DATASET_WARNING = (
    "Graded on the visible data only: a query that lists the expected rows as literals would pass; add a hidden "
    "dataset (hidden_seed_sql: the same tables and columns as the seed, other rows)."
)


def seed_sql_of(config: DatabaseConfig) -> str:
    if config.seed_sql and config.seed_sql.strip():
        return config.seed_sql
    return seed_sql_read(url=config.seed_sql_url)


def hidden_seed_sql_of(config: DatabaseConfig) -> str | None:
    """The hidden dataset's SQL: inline, else read from storage; None when the capsule has none.

    Raises SeedSqlMissing when `hidden_seed_sql_url` names SQL that is not stored.
    """
    if config.hidden_seed_sql and config.hidden_seed_sql.strip():
        return config.hidden_seed_sql
    if config.hidden_seed_sql_url:
        return seed_sql_read(url=config.hidden_seed_sql_url)
    return None


def column_name(entry: str) -> str:
    return entry.strip().split()[0].strip('"`[]').lower() if entry.strip() else ""


@dataclass(frozen=True)
class _TableDifference:
    table: str
    missing: list[str]  # columns `wanted` names that the table lacks
    extra: list[str]  # columns the table has that `wanted` does not name
    reordered: bool  # the same columns, in another order


def _column_names(tables: dict[str, list[SqlColumn]]) -> dict[str, list[str]]:
    return {name.lower(): [column.name.lower() for column in columns] for name, columns in tables.items()}


def _table_differences(wanted: dict[str, list[str]], found: dict[str, list[str]]) -> tuple[list[str], list[str], list[_TableDifference]]:
    """(tables of `wanted` not in `found`, tables of `found` not in `wanted`, how each shared table differs) —
    `wanted`'s order, then `found`'s extra tables sorted."""
    absent, differing = [], []
    for table, columns in wanted.items():
        if table not in found:
            absent.append(table)
            continue
        missing = [c for c in columns if c not in found[table]]
        extra = [c for c in found[table] if c not in columns]
        reordered = not missing and not extra and found[table] != columns
        if missing or extra or reordered:
            differing.append(_TableDifference(table, missing, extra, reordered))
    return absent, sorted(set(found) - set(wanted)), differing


def schema_differences(config: DatabaseConfig, batch: SqlBatchResult) -> list[str]:
    """What schema_info says that the real database does not, in plain phrases (empty: they match). The order of
    columns does not matter: the panel lists them, the learner names them."""
    described = {table.table_name.lower(): [column_name(c) for c in table.columns] for table in config.schema_info}
    absent, undescribed, differing = _table_differences(described, _column_names(batch.tables))
    problems = [f"table {table} does not exist" for table in absent]
    for difference in differing:
        if difference.missing:
            problems.append(f"{difference.table} has no column {', '.join(difference.missing)}")
        if difference.extra:
            problems.append(f"{difference.table}.{', '.join(difference.extra)} is not described")
    return problems + [f"table {table} is not described" for table in undescribed]


def dataset_differences(visible: SqlBatchResult, hidden: SqlBatchResult) -> list[str]:
    """How the hidden dataset's tables differ from the visible seed's, in plain phrases (empty: the same tables
    with the same columns in the same order, so that `SELECT *` means the same on both). Names only: types and
    constraints are the creator's business."""
    seen = dict(sorted(_column_names(visible.tables).items()))
    absent, extra_tables, differing = _table_differences(seen, _column_names(hidden.tables))
    problems = [f"table {table} is missing" for table in absent]
    for difference in differing:
        if difference.missing:
            problems.append(f"{difference.table} has no column {', '.join(difference.missing)}")
        if difference.extra:
            problems.append(f"{difference.table}.{', '.join(difference.extra)} is not in the visible seed")
        if difference.reordered:
            hidden_columns = _column_names(hidden.tables)[difference.table]
            problems.append(
                f"{difference.table} has its columns in another order ({', '.join(hidden_columns)}; the visible seed has "
                f"{', '.join(seen[difference.table])})"
            )
    return problems + [f"table {table} is not in the visible seed" for table in extra_tables]


def _tables_text(tables: dict[str, list[SqlColumn]]) -> str:
    return ", ".join(f"{name}({', '.join(c.name for c in cols)})" for name, cols in sorted(tables.items()))


def query_failure_category(result: SqlResult) -> Category:
    if result.verdict.value == "RE":
        return "syntax_error" if _SYNTAX.search(result.error or "") else "runtime_error"
    return CATEGORY_OF_VERDICT.get(result.verdict.value, "runtime_error")


def _seed_failure_category(error: str | None) -> Category:
    return "syntax_error" if _SYNTAX.search(error or "") else "runtime_error"


def _expected(result: SqlResult) -> ExpectedResult:
    return ExpectedResult(columns=result.columns, rows=result.rows, ordered=result.ordered)


def _rows(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


def validate_database(draft: CapsuleDraft, *, new: bool = True) -> ValidationReport:
    """The gate for a DATABASE capsule; the steps are in the module docstring. `new`: see judges.gate."""
    config = draft.config
    assert isinstance(config, DatabaseConfig)
    report = ReportBuilder(draft.capsule_type, draft.language)
    try:
        seed = seed_sql_of(config)
    except SeedSqlMissing as exc:
        return report.fail("invalid_config", f"The seed SQL could not be read: {exc}.")
    try:
        hidden_seed = hidden_seed_sql_of(config)
    except SeedSqlMissing as exc:
        return report.fail("invalid_config", f"The hidden dataset's seed SQL could not be read: {exc}.")
    if hidden_seed is None and new:
        with report.step("a hidden dataset is given") as step:
            step.ok, step.detail = False, "no hidden_seed_sql"
        report.problem(MISSING_HIDDEN_DATASET_CATEGORY, MISSING_HIDDEN_DATASET_MESSAGE)

    starting = config.boilerplate_code.strip()
    queries = [config.reference_solution] + ([starting] if starting else [])
    limits = limits_for("sql", extended=draft.runtime_tier.endswith("-extended"))
    engine = SQL_ENGINES[config.dialect]
    with report.step("seed the database and run the queries") as step:
        batch = engine(seed, queries, limits)
        step.ok = batch.seed_ok
        step.detail = f"{len(batch.tables)} tables" if batch.seed_ok else f"seed failed: {batch.seed_error}"
    if not batch.seed_ok:
        return report.fail(_seed_failure_category(batch.seed_error), f"The seed SQL fails: {batch.seed_error}")

    reference = batch.results[0]
    with report.step("reference query returns rows") as step:
        step.ok = reference.ok and reference.row_count > 0
        step.detail = f"{reference.row_count} rows, {len(reference.columns)} columns" if reference.ok else (reference.error or "")
    _reference_problems(report, reference, limits.sql_max_rows, where="")

    with report.step("schema_info matches the real tables") as step:
        problems = schema_differences(config, batch)
        step.ok = not problems
        step.detail = "; ".join(problems) or "every table and column described"
    if problems:
        report.problem(
            "schema_mismatch",
            f"schema_info does not match the seeded database: {'; '.join(problems)}. The real tables are {_tables_text(batch.tables)}.",
        )

    if starting and reference.ok:
        with report.step("starting query does not already give the answer") as step:
            result = batch.results[1]
            step.ok = not (result.ok and results_match(expected=reference, actual=result).matches)
            step.detail = "differs from the reference" if step.ok else "same result as the reference"
        if not step.ok:
            report.problem(
                "boilerplate_passes", "The starting query already returns the expected result, so learners would have nothing to do."
            )

    hidden_reference = (
        _judge_hidden_dataset(report, engine, config, hidden_seed, batch, reference, limits) if hidden_seed is not None else None
    )

    # The second runs only confirm a capsule that passed everything else: a refused one needs no more jobs.
    if report.has_problems:
        return report.finish("")

    with report.step("a second run of the reference agrees") as step:
        again = engine(seed, [config.reference_solution], limits).results[0]
        step.ok = again.ok and again.columns == reference.columns and again.rows == reference.rows
        step.detail = "same result" if step.ok else "different result"
    if not step.ok:
        return report.fail(
            "flaky",
            f"Two runs of the reference query gave different results ({quote(str(reference.rows))} then {quote(str(again.rows))}); "
            "add an ORDER BY or remove randomness.",
        )

    if hidden_seed is not None and hidden_reference is not None:
        with report.step("a second run on the hidden dataset agrees") as step:
            hidden_again = engine(hidden_seed, [config.reference_solution], limits).results[0]
            step.ok = hidden_again.ok and hidden_again.columns == hidden_reference.columns and hidden_again.rows == hidden_reference.rows
            step.detail = "same result" if step.ok else "different result"
        if not step.ok:
            return report.fail(
                "flaky",
                f"Two runs of the reference query on the hidden dataset gave different results ({quote(str(hidden_reference.rows))} "
                f"then {quote(str(hidden_again.rows))}); add an ORDER BY that breaks every tie, or remove randomness.",
            )

    # A browser tier (wasm-sqlite): sql.js gives the reference's visible result too (judges/validators/browser.py).
    browser.check_sql(report, draft, seed, config.reference_solution, reference, limits)
    if report.has_problems:
        return report.finish("")

    order = "in order" if reference.ordered else "in any order"
    shape = f"{reference.row_count} rows of {len(reference.columns)} columns ({order})"
    if hidden_reference is None:
        return report.passed(
            f"The reference query returns {shape}, schema_info matches the tables, and a second run agrees.",
            expected_result=_expected(reference),
            warnings=[NO_HIDDEN_DATASET_WARNING],
        )
    return report.passed(
        f"The reference query returns {shape} on the visible data and {_rows(hidden_reference.row_count)} on the hidden "
        "dataset, which differ; schema_info matches the tables, and second runs agree.",
        expected_result=_expected(reference),
        hidden_expected_result=_expected(hidden_reference),
    )


def _reference_problems(report: ReportBuilder, result: SqlResult, max_rows: int, *, where: str) -> bool:
    """Record what is wrong with the reference's result (`where`: "" or " on the hidden dataset"); True if nothing."""
    if not result.ok:
        report.problem(query_failure_category(result), f"The reference query fails{where}: {result.error}")
    elif result.truncated:
        report.problem("output_limit", f"The reference query returns {result.row_count} rows{where}; at most {max_rows} can be graded.")
    elif result.row_count == 0:
        report.problem(
            "empty_result",
            "The reference query returns no rows on the hidden dataset, so an empty answer would pass there; add rows to the "
            "hidden dataset that the query selects." if where else
            "The reference query returns no rows, so any empty answer would pass; check its WHERE clause or the seed data.",
        )  # fmt: skip
    else:
        return True
    return False


def _judge_hidden_dataset(
    report: ReportBuilder,
    engine: Callable[..., SqlBatchResult],
    config: DatabaseConfig,
    hidden_seed: str,
    batch: SqlBatchResult,
    reference: SqlResult,
    limits: Limits,
) -> SqlResult | None:
    """Job 2: the hidden dataset's tables, the reference's result there, and that it differs from the visible one.
    Returns the hidden result when it is usable (for the second run), else None."""
    with report.step("the hidden dataset has the same tables and columns") as step:
        hidden_batch = engine(hidden_seed, [config.reference_solution], limits)
        differences = dataset_differences(batch, hidden_batch) if hidden_batch.seed_ok else []
        step.ok = hidden_batch.seed_ok and not differences
        step.detail = (
            f"seed failed: {hidden_batch.seed_error}" if not hidden_batch.seed_ok
            else "; ".join(differences) or f"{len(hidden_batch.tables)} tables, the same columns"
        )  # fmt: skip
    if not hidden_batch.seed_ok:
        report.problem(_seed_failure_category(hidden_batch.seed_error), f"The hidden dataset's seed SQL fails: {hidden_batch.seed_error}")
        return None
    if differences:
        report.problem(
            "schema_mismatch",
            f"The hidden dataset must create exactly the tables and columns of the visible seed: {'; '.join(differences)}. "
            f"The visible seed creates {_tables_text(batch.tables)}.",
        )
        return None  # the reference's result on other tables says nothing yet

    hidden_reference = hidden_batch.results[0]
    with report.step("reference query returns rows on the hidden dataset") as step:
        step.ok = hidden_reference.ok and hidden_reference.row_count > 0 and not hidden_reference.truncated
        step.detail = (
            f"{hidden_reference.row_count} rows, {len(hidden_reference.columns)} columns" if hidden_reference.ok
            else (hidden_reference.error or "")
        )  # fmt: skip
    if not _reference_problems(report, hidden_reference, limits.sql_max_rows, where=" on the hidden dataset"):
        return None
    if not (reference.ok and reference.row_count > 0 and not reference.truncated):
        return hidden_reference  # nothing visible to compare with

    with report.step("the hidden result differs from the visible result") as step:
        step.ok = not results_match(expected=hidden_reference, actual=reference).matches
        step.detail = "differs" if step.ok else "same result on both datasets"
    if not step.ok:
        report.problem(
            MISSING_HIDDEN_DATASET_CATEGORY,
            f"The reference query returns the same result on the hidden dataset as on the visible data "
            f"({_rows(reference.row_count)}), so a query that lists the visible rows as literals would pass both. "
            "Change the hidden dataset's rows (other values, more or fewer rows that match) so that the "
            "reference's result there differs from its visible result.",
        )
    return hidden_reference
