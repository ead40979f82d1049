"""PostgreSQL dialect for DATABASE capsules: the seam, not built yet.

`run_sql_batch(seed_sql, queries, limits)` must return the same `SqlBatchResult` as
judges/runtimes/sql_sqlite.py, so validators and grading never care which engine ran. The plan from
issue #3: connect to JUDGE_POSTGRES_URL as an administrative role; per run create a throwaway schema (or
database) and a role with no other rights (LOGIN, no CREATEDB/CREATEROLE, USAGE on that schema only);
run the seed and each query as that role inside a transaction rolled back per query (a fresh copy, as
SQLite's fork), with `SET statement_timeout` from limits.wall_seconds and a row cap of
limits.sql_max_rows from the cursor; drop role and schema afterwards. No untrusted process runs on
this host for PostgreSQL, so no bubblewrap is involved.

Until then every call raises SandboxUnavailable: nothing is executed and the caller reports a sandbox
error rather than judging the capsule wrongly.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from judges.limits import Limits
from judges.runtimes.sql_sqlite import SqlBatchResult
from judges.sandbox import SandboxUnavailable


def run_sql_batch(seed_sql: str, queries: Sequence[str], limits: Limits | None = None) -> SqlBatchResult:
    if not settings.JUDGE_POSTGRES_URL:
        raise SandboxUnavailable("DATABASE capsules in the postgresql dialect need JUDGE_POSTGRES_URL; nothing was executed.")
    raise SandboxUnavailable("judging the postgresql dialect is not implemented yet (judges/runtimes/sql_postgres.py); nothing was executed.")
