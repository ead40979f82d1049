"""Language runtimes for the judge. The public API the validators, the gate and grading build on.

    from judges.runtimes import run_code_tests, run_sql, run_shell_session, TestSpec

    result = run_code_tests("python", source, [TestSpec(test_call="print(f(1))", expected_output="2\\n")])
    result.passed, result.compile, [t.verdict for t in result.tests]

Everything runs in the sandbox of judges/sandbox.py; limits default to judges.limits.limits_for(language).
"""

from __future__ import annotations

from collections.abc import Sequence

from judges.limits import Limits
from judges.runtimes import sql_postgres, sql_sqlite
from judges.runtimes.base import CodeRuntime, CompileResult, JobResult, TestResult, TestSpec, Verdict
from judges.runtimes.bash import ShellSessionResult, StepResult, run_shell_session
from judges.runtimes.bash import runtime as _bash
from judges.runtimes.compare import CompareMode, compare_output, normalize
from judges.runtimes.csharp import runtime as _csharp
from judges.runtimes.go import runtime as _go
from judges.runtimes.java import runtime as _java
from judges.runtimes.javascript import runtime as _javascript
from judges.runtimes.python import runtime as _python
from judges.runtimes.sql_sqlite import SqlBatchResult, SqlColumn, SqlResult, has_top_level_order_by

CODE_RUNTIMES: dict[str, CodeRuntime] = {
    "python": _python,
    "javascript": _javascript,
    "java": _java,
    "go": _go,
    "csharp": _csharp,
    "bash": _bash,
}

# DATABASE dialects: each module's run_sql_batch(seed_sql, queries, limits) -> SqlBatchResult.
SQL_ENGINES = {
    "sqlite": sql_sqlite.run_sql_batch,
    "postgresql": sql_postgres.run_sql_batch,
}

__all__ = [
    "CODE_RUNTIMES",
    "CompareMode",
    "CompileResult",
    "JobResult",
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


def run_code_batch(language: str, programs: Sequence[tuple[str, Sequence[TestSpec]]], limits: Limits | None = None) -> list[JobResult]:
    """Judge several programs (each with its own tests) one after the other in ONE sandbox.

    A validator's reference, boilerplate and second reference run cost one sandbox start, not three.
    """
    return get_code_runtime(language).run_many(programs, limits)


def run_code_tests(language: str, source: str, tests: Sequence[TestSpec], limits: Limits | None = None) -> JobResult:
    """Compile `source` once and run every test in one sandboxed job; see judges/runtimes/base.py for verdicts.

    Raises SandboxUnavailable (nothing ran) when there is no usable sandbox and unsandboxed runs are not
    allowed, SandboxError when the judge itself failed; a failure of the program is always a verdict.
    """
    return get_code_runtime(language).run(source, tests, limits)


def run_sql_batch(dialect: str, seed_sql: str, queries: Sequence[str], limits: Limits | None = None) -> SqlBatchResult:
    """Seed a fresh database of `dialect` once and run each query on its own copy of it."""
    try:
        engine = SQL_ENGINES[dialect]
    except KeyError:
        raise ValueError(f"unknown SQL dialect {dialect!r}; known: {', '.join(sorted(SQL_ENGINES))}") from None
    return engine(seed_sql, queries, limits)


def run_sql(dialect: str, seed_sql: str, query: str, limits: Limits | None = None) -> SqlResult:
    """One query on a freshly seeded database: columns, rows (capped), error, and whether it is ordered."""
    return run_sql_batch(dialect, seed_sql, [query], limits).results[0]
