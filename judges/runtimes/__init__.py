"""Language runtimes for the judge: the API that validators, the gate and learner grading build on.

Everything runs in the sandbox of judges/sandbox/ (one bubblewrap sandbox per call); limits default to
judges.limits.limits_for(language) and can be passed explicitly (`limits_for("java", extended=True)`,
`limits.replace(wall_seconds=1)`). Results are frozen pydantic models (`.model_dump(mode="json")` for a
report). Failures of the program are verdicts, never exceptions; exceptions mean the judge could not
judge: SandboxUnavailable (nothing ran: no usable bubblewrap and JUDGE_ALLOW_UNSANDBOXED off) or
SandboxError (the sandbox broke), both from judges.sandbox; ValueError for an unknown language/dialect.

CODE capsules — languages: the registry's (capsules/languages.py), each judged by judges/runtimes/<code>.py
(its `runtime`); bash serves TERMINAL sessions and may run code tests too

    run_code_tests(language, source, tests: list[TestSpec], limits=None) -> JobResult
    run_code_batch(language, [(source, tests), ...], limits=None) -> list[JobResult]   # one sandbox

    TestSpec(test_call, expected_output=None, compare="trim"|"exact"|"numeric", tolerance=1e-6)
    JobResult: language, compile: CompileResult | None, tests: list[TestResult], wall_seconds, sandboxed
               .passed (compiled and all AC), .compiled, .verdicts
    TestResult: index, verdict (Verdict.AC/WA/TLE/MLE/RE/CE/OLE), exit_code, signal, signal_name,
                cpu_seconds, wall_seconds, stdout, stderr (excerpt), stdout_truncated, stderr_truncated,
                message (one sentence: what went wrong, where)
    CompileResult: ok, exit_code, signal, stdout, stderr, cpu_seconds, wall_seconds, timed_out, message

  A test is the code followed by its test_call (Python/JavaScript/Bash); for Java, Go and C# the
  test_call is statements inside a generated entry point (see java.py, go.py, csharp.py). The code is
  compiled once per job; every test is a fresh process (Python: a fork of a warm interpreter) that sees
  no state, files or processes of the tests before it. Verdict rules: judges/runtimes/base.py.

  Every entry point takes `box` (an open Sandbox: its slot, for several jobs of one attempt) and `budget`
  (Budget(seconds, stop_on_limit): the job's time, and whether it stops at its first test that runs out of
  time or memory; the tests it never started are NR). A job holds everything its output may show: callers
  that must keep tests hidden run them in a job of their own (judges/grading.py).

DATABASE capsules — dialects: sqlite (in the sandbox); postgresql (JUDGE_POSTGRES_URL: a throwaway database
and role per run, see sql_postgres.py)

    run_sql(dialect, seed_sql, query, limits=None) -> SqlResult
    run_sql_batch(dialect, seed_sql, [query, ...], limits=None) -> SqlBatchResult  # seeds once, fresh copy per query
    SqlResult: verdict (AC ran / RE sql error / TLE / MLE / OLE), error, columns, rows (capped at
               limits.sql_max_rows), row_count, truncated, ordered (top-level ORDER BY), wall_seconds
    SqlBatchResult: seed_error, tables {name: [SqlColumn(name, type)]}, results, wall_seconds, sandboxed

TERMINAL capsules

    run_shell_session(setup_script, steps: list[str | Check], limits=None) -> ShellSessionResult
    ShellSessionResult: setup: StepResult | None, steps: list[StepResult], wall_seconds, sandboxed, .setup_ok
    StepResult: index, verdict (AC = exit 0), exit_code, signal, stdout, stderr, ..., .ok

  Steps run in order in one workspace (/home/learner) that persists between them; each step is a fresh
  `bash -c` started there, or for a Check(script) the checker shell, which the programs the script runs cannot
  read (judges/runtimes/harness.py, "Checks"). Whether a validation "passes" (exit 0, or printed `pass`) is the
  caller's rule.

Comparison helpers: compare_output(actual, expected, mode, tolerance) -> Comparison(equal, message),
normalize(text) (the "trim" form). has_top_level_order_by(sql).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from capsules.languages import iter_languages
from judges.limits import Limits, limits_for
from judges.runtimes import sql_postgres, sql_sqlite
from judges.runtimes.base import NO_BUDGET, Budget, CodeRuntime, CompileResult, JobResult, TestResult, TestSpec, Verdict
from judges.runtimes.bash import Check, ShellSessionResult, StepResult, run_shell_session
from judges.runtimes.compare import CompareMode, compare_output, normalize
from judges.runtimes.sql_sqlite import SqlBatchResult, SqlColumn, SqlResult, has_top_level_order_by
from judges.sandbox import Sandbox, SandboxError, SandboxUnavailable


def _code_runtimes() -> dict[str, CodeRuntime]:
    """Every registry language that runs programs (all but DATABASE, whose dialects are SQL_ENGINES): the
    `runtime` of the module named after it. A language without one fails here, at import, not at its first job."""
    runtimes = {}
    for language in iter_languages():
        if language.capsule_type == "DATABASE":
            continue
        runtime = importlib.import_module(f"judges.runtimes.{language.code}").runtime
        if not isinstance(runtime, CodeRuntime) or runtime.language != language.code:
            raise TypeError(f"judges/runtimes/{language.code}.py: `runtime` must be the {language.code} CodeRuntime")
        runtimes[language.code] = runtime
    return runtimes


CODE_RUNTIMES: dict[str, CodeRuntime] = _code_runtimes()

# DATABASE dialects: each module's run_sql_batch(seed_sql, queries, limits, *, box, budget) -> SqlBatchResult.
SQL_ENGINES = {
    "sqlite": sql_sqlite.run_sql_batch,
    "postgresql": sql_postgres.run_sql_batch,
}

__all__ = [
    "CODE_RUNTIMES",
    "NO_BUDGET",
    "Budget",
    "Check",
    "CompareMode",
    "CompileResult",
    "JobResult",
    "Limits",
    "SandboxError",
    "SandboxUnavailable",
    "ShellSessionResult",
    "SqlBatchResult",
    "SqlColumn",
    "SqlResult",
    "StepResult",
    "TestResult",
    "TestSpec",
    "Verdict",
    "compare_output",
    "get_code_runtime",
    "limits_for",
    "has_top_level_order_by",
    "normalize",
    "run_code_batch",
    "run_code_tests",
    "run_shell_session",
    "run_sql",
    "run_sql_batch",
]


def get_code_runtime(language: str) -> CodeRuntime:
    try:
        return CODE_RUNTIMES[language]
    except KeyError:
        raise ValueError(f"no CODE runtime for language {language!r}; known: {', '.join(sorted(CODE_RUNTIMES))}") from None


def run_code_batch(
    language: str,
    programs: Sequence[tuple[str, Sequence[TestSpec]]],
    limits: Limits | None = None,
    *,
    box: Sandbox | None = None,
    budget: Budget = NO_BUDGET,
) -> list[JobResult]:
    """Judge several programs (each with its own tests) one after the other in ONE sandbox.

    A validator's reference, boilerplate and second reference run cost one sandbox start, not three.
    """
    return get_code_runtime(language).run_many(programs, limits, box=box, budget=budget)


def run_code_tests(
    language: str,
    source: str,
    tests: Sequence[TestSpec],
    limits: Limits | None = None,
    *,
    box: Sandbox | None = None,
    budget: Budget = NO_BUDGET,
) -> JobResult:
    """Compile `source` once and run every test in one sandboxed job; see judges/runtimes/base.py for verdicts.

    `box`: an open Sandbox (its slot) to run in, else one is opened for this job. `budget`: how the job may
    stop early (Budget). Raises SandboxUnavailable (nothing ran) when there is no usable sandbox and
    unsandboxed runs are not allowed, SandboxError when the judge itself failed (JudgeBusy: no slot came free
    in time); a failure of the program is always a verdict.
    """
    return get_code_runtime(language).run(source, tests, limits, box=box, budget=budget)


def run_sql_batch(
    dialect: str,
    seed_sql: str,
    queries: Sequence[str],
    limits: Limits | None = None,
    *,
    box: Sandbox | None = None,
    budget: Budget = NO_BUDGET,
) -> SqlBatchResult:
    """Seed a fresh database of `dialect` once and run each query on its own copy of it. `box`: a slot held by
    the caller (SQLite runs in its sandbox; PostgreSQL runs hold a slot too, bounding the judge's work)."""
    try:
        engine = SQL_ENGINES[dialect]
    except KeyError:
        raise ValueError(f"unknown SQL dialect {dialect!r}; known: {', '.join(sorted(SQL_ENGINES))}") from None
    return engine(seed_sql, queries, limits, box=box, budget=budget)


def run_sql(dialect: str, seed_sql: str, query: str, limits: Limits | None = None) -> SqlResult:
    """One query on a freshly seeded database: columns, rows (capped), error, and whether it is ordered."""
    return run_sql_batch(dialect, seed_sql, [query], limits).results[0]
