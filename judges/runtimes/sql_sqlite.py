"""SQL on SQLite for DATABASE capsules: an in-memory database inside the sandbox, a fresh copy per query.

    result = run_sql("sqlite", seed_sql, "SELECT name FROM customers ORDER BY name")
    result.columns, result.rows, result.ordered, result.error

`run_sql_batch` seeds once and runs several queries, each on its own copy of the seeded database (the
harness forks per query, so a query that deletes rows or loops forever changes nothing for the next).
The seed and the queries are SQLite run by Debian's Python `sqlite3` module in the harness: the same
sandbox, rlimits and wall-clock kill as programs, plus SQLite's progress handler to stop a runaway
statement at the deadline. Extensions cannot be loaded.

A query may hold several statements; the result is that of the last statement that returns columns.
Values come back as JSON: integers, floats, text, null; a BLOB as the text x'<hex>'.

The PostgreSQL dialect (JUDGE_POSTGRES_URL) is a separate engine with the same result types; see
judges/runtimes/sql_postgres.py.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from judges.limits import Limits, limits_for
from judges.runtimes.base import NO_BUDGET, Budget, Verdict, classify, job_skeleton, open_sandbox, run_harness
from judges.sandbox import Sandbox

RESULT_BYTES_PER_ROW = 2048  # room in the result pipe for one kept row, JSON-encoded


class SqlColumn(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    type: str  # the declared type, as SQLite keeps it ("INTEGER", "TEXT", "" when undeclared)


class SqlResult(BaseModel):
    """One query's result. `verdict` AC = it ran; RE = an SQL error (or the seed failed); TLE/MLE/OLE."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    error: str | None  # the database's message for RE, or what stopped it
    columns: list[str]
    rows: list[list[Any]]  # at most limits.sql_max_rows
    row_count: int  # every row the query returned, kept or not
    truncated: bool
    ordered: bool  # the query ends with a top-level ORDER BY: compare rows in order, else as a multiset
    wall_seconds: float

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.AC


class SqlBatchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    seed_error: str | None  # None when the seed SQL ran cleanly
    tables: dict[str, list[SqlColumn]]  # every table and view the seed created, with its columns
    results: list[SqlResult]  # one per query, in order (all RE when the seed failed)
    wall_seconds: float
    sandboxed: bool

    @property
    def seed_ok(self) -> bool:
        return self.seed_error is None


def run_sql_batch(
    seed_sql: str, queries: Sequence[str], limits: Limits | None = None, *, box: Sandbox | None = None, budget: Budget = NO_BUDGET
) -> SqlBatchResult:
    """Seed a fresh in-memory SQLite database, then run each query on its own copy of it."""
    limits = box.limits if box is not None else (limits or limits_for("sql"))
    started = time.monotonic()
    result_bytes = limits.sql_max_rows * RESULT_BYTES_PER_ROW + 65536
    with open_sandbox(box, limits) as box:
        job = job_skeleton(box, limits, mode="sql", budget=budget, memory_markers=("MemoryError",))
        job["run_limits"] = job["run_limits"] | {"output": result_bytes}
        job["sql"] = {
            "seed": seed_sql,
            "queries": list(queries),
            "max_rows": limits.sql_max_rows,
            "seed_wall": limits.wall_seconds,
            "query_wall": limits.wall_seconds,
        }
        outcome = run_harness(box, job, runs=len(queries), extra_stdout=len(queries) * result_bytes * 4 // 3)
    seed = outcome.seed or {"ok": False, "error": outcome.missing()[1], "tables": {}}
    tables = {name: [SqlColumn(name=column, type=kind or "") for column, kind in columns] for name, columns in seed["tables"].items()}
    results = []
    missing_verdict, missing_reason = outcome.missing()
    for index, query in enumerate(queries):
        ordered = has_top_level_order_by(query)
        if not seed["ok"]:
            results.append(_failed(Verdict.RE, f"the seed SQL failed: {seed['error']}", ordered))
            continue
        report = outcome.run_report(index)
        if report is None:
            results.append(_failed(missing_verdict, missing_reason, ordered))
            continue
        results.append(_query_result(report, limits, ordered, oom_killed=outcome.run.oom_killed))
    return SqlBatchResult(
        seed_error=None if seed["ok"] else seed["error"],
        tables=tables,
        results=results,
        wall_seconds=round(time.monotonic() - started, 4),
        sandboxed=outcome.run.sandboxed,
    )


def run_sql(seed_sql: str, query: str, limits: Limits | None = None) -> SqlResult:
    """One query on a freshly seeded database (see run_sql_batch for several)."""
    return run_sql_batch(seed_sql, [query], limits).results[0]


def _failed(verdict: Verdict, error: str, ordered: bool) -> SqlResult:
    return SqlResult(verdict=verdict, error=error, columns=[], rows=[], row_count=0, truncated=False, ordered=ordered, wall_seconds=0.0)


def _query_result(report: dict[str, Any], limits: Limits, ordered: bool, *, oom_killed: bool = False) -> SqlResult:
    verdict, message, stdout, _ = classify(report, limits, memory_markers=("MemoryError",), oom_killed=oom_killed)
    wall = round(report["wall"], 4)
    if verdict is not None:
        message = message.replace("The program", "The query")
        if verdict is Verdict.OLE:
            message = "The query result is too large to return."
        return SqlResult(
            verdict=verdict, error=message, columns=[], rows=[], row_count=0, truncated=False, ordered=ordered, wall_seconds=wall
        )
    data = json.loads(stdout)
    if not data["ok"]:
        error = data["error"]
        if error == "timeout":
            return _failed(Verdict.TLE, f"The query did not finish within {limits.wall_seconds:g} s.", ordered).model_copy(
                update={"wall_seconds": wall}
            )
        return SqlResult(
            verdict=Verdict.RE, error=error, columns=[], rows=[], row_count=0, truncated=False, ordered=ordered, wall_seconds=wall
        )
    return SqlResult(
        verdict=Verdict.AC,
        error=None,
        columns=data["columns"],
        rows=data["rows"],
        row_count=data["row_count"],
        truncated=data["truncated"],
        ordered=ordered,
        wall_seconds=wall,
    )


# --- ORDER BY detection ---------------------------------------------------------------------------

_COMMENT_OR_LITERAL = re.compile(r"--[^\n]*|/\*.*?(?:\*/|$)|'(?:[^']|'')*'?|\"(?:[^\"]|\"\")*\"?|`[^`]*`?|\[[^\]]*\]?", re.S)
_ORDER_BY = re.compile(r"\border\s+by\b", re.I)


def has_top_level_order_by(sql: str) -> bool:
    """Does the last statement of `sql` sort its final result (ORDER BY outside any parentheses)?

    Comments, string literals and quoted identifiers are blanked first; then only text at parenthesis
    depth 0 counts, so `SELECT * FROM (SELECT ... ORDER BY x)` or a window's `OVER (ORDER BY x)` does not.
    """
    text = _COMMENT_OR_LITERAL.sub(" ", sql)
    statements = [part for part in text.split(";") if part.strip()]
    if not statements:
        return False
    depth, top = 0, []
    for char in statements[-1]:
        if char == "(":
            depth += 1
            top.append(" ")
        elif char == ")":
            depth = max(depth - 1, 0)
            top.append(" ")
        else:
            top.append(char if depth == 0 else " ")
    return bool(_ORDER_BY.search("".join(top)))


