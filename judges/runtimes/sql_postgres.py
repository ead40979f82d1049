"""SQL on PostgreSQL for DATABASE capsules (dialect "postgresql"): a throwaway database and role per run.

    batch = run_sql_batch(seed_sql, ["SELECT name FROM customers ORDER BY name"], limits)

Same contract as judges/runtimes/sql_sqlite.py (`SqlBatchResult`, `SqlResult`): the seed runs once, each
query sees the seeded state as if fresh, verdict AC = the query ran, RE = an SQL error (or the seed failed),
TLE = past limits.wall_seconds, OLE = the kept rows are too large; rows are capped at limits.sql_max_rows
with the full row_count; the result is that of the last statement that returns rows. No untrusted process
runs on this host: the learner's SQL runs inside the PostgreSQL server of settings.JUDGE_POSTGRES_URL, so
the isolation is PostgreSQL's own (roles, privileges, a database per run) plus time limits.

One run, step by step (`Run.open`, `Run.seed`, `Run.query`, `Run.close`):
1. Connect to JUDGE_POSTGRES_URL as its administrative role (a superuser, or CREATEDB CREATEROLE). If that
   fails, SandboxUnavailable: nothing is judged. Now and then, drop runs a crashed process left behind
   (names `ccj_<unix time>_<random>`, older than STALE_AFTER_SECONDS).
2. CREATE ROLE ccj_… LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
   CONNECTION LIMIT 1, with a random password sent only as a SCRAM verifier. A superuser admin sets
   temp_file_limit (limits.tmpfs_mb) on the role, a setting the learner cannot raise; a non-superuser admin
   grants itself membership instead (needed to hand over the schema and to end the role's backends).
3. CREATE DATABASE ccj_… (same name) TEMPLATE template0: its own catalogs, nothing shared with other runs
   or the application's database. REVOKE ALL ON DATABASE … FROM PUBLIC, GRANT CONNECT to the role only;
   the role owns schema `public` there (so the seed can create tables) and owns nothing else anywhere.
4. Log in as the role (statement_timeout, lock_timeout, idle timeouts, TimeZone=UTC, DateStyle=ISO as
   connection options), then ALTER ROLE … NOLOGIN: from here on no new session can be opened as that role,
   to any database, whatever pg_hba.conf says; the one session we hold stays.
5. The seed runs in that session (autocommit, so the seed's own BEGIN/COMMIT work), within wall_seconds;
   then DISCARD ALL (no session setting of the seed leaks into the queries), the tables and views of
   `public` are read from pg_catalog (materialized views too, types as format_type prints them), and the
   seed's sequences are noted.
6. Each query: BEGIN; SAVEPOINT; the query; ROLLBACK. A rolled-back transaction undoes data, DDL and SET,
   so the next query sees the seeded state. What rollback cannot undo is handled: sequences advanced by
   nextval are set back; and if the query ended our transaction itself (COMMIT, ROLLBACK, COMMIT AND CHAIN,
   checked through the transaction id, also after an error), the session is thrown away and the rest of the
   batch gets a fresh database and role, seeded again. Learners write SELECTs, but the transaction is not
   read-only: a query may change its own copy, as with SQLite.
7. Time: the client cancels the query at wall_seconds (statement_timeout is a second line a learner could
   SET away); a query that ignores the cancel has its backend terminated 1 s later. Either is TLE.
8. Rows come one at a time (libpq's single-row mode) through the simple-query protocol (several statements
   allowed, split by the server itself); at most sql_max_rows are converted and kept, the rest only counted
   (about 0.4 s per million rows), so the judge holds the kept rows plus one row. Chunks of 64 rows count
   twice as fast but let a hostile query park 64 huge rows in the judge's memory before the cancel lands.
   Kept rows over RESULT_BYTES_PER_ROW each on average make the query OLE, as in SQLite.
9. Always (also on errors): close the session, DROP DATABASE … WITH (FORCE) (terminates leftover
   backends), DROP ROLE.

Values come back as JSON, like SQLite's: integers (int2/4/8, oid) as int, float4/8 as float, numeric as
int when PostgreSQL prints it without a fractional part (sum(), count()::numeric) and as float otherwise
(2.50 -> 2.5: value comparison with the same tolerance as SQLite's REAL; exact text would make 2.50 and
2.5 differ between a reference and an attempt that compute alike), booleans as true/false, NULL as null
(never ''), bytea as the text x'<hex>', NaN/Infinity as the text PostgreSQL prints, and every other type
(dates, timestamps, intervals, json, arrays, uuid, enums, ...) as PostgreSQL's own text with DateStyle ISO
and TimeZone UTC ("2024-01-31", "2024-01-31 12:00:00+00").

Measured on these machines (PostgreSQL 15, 2 cores, other test suites running): CREATE DATABASE from
template0 costs 32 ms with fsync off (the test clusters) and 74 ms with fsync on, DROP DATABASE 15 / 49 ms,
where CREATE + DROP SCHEMA would cost under 1 ms. A whole run: opening (admin login, role, database,
grants, a login to hand over schema public, the learner's login, NOLOGIN) 70-160 ms, seed and description
6-10 ms, each query 0.5 ms (BEGIN, transaction id, the query, check, ROLLBACK), closing 13 ms; the SQLite
sandbox job for the same batch takes 20-45 ms. A database is still the choice: separate catalogs (another
run's table names, view definitions and function sources are not even visible), and dropping it removes
everything the run made. The 0.1 s is paid once per validation or graded attempt, not per query.

What this does not bound, within the time limit: the server's memory for one session (a learner can SET
work_mem), disk written to the run's own tables, slots of the shared lock table (thousands of CREATE TABLE
in one query); and on the judge's side one row is received whole (a value may be up to PostgreSQL's 1 GB).
Run the judge's PostgreSQL server in its own container or cgroup with a memory limit, not in the
application's cluster, in production. pg_hba.conf must let the ccj_* roles log in with a password over the
same host and port as JUDGE_POSTGRES_URL (e.g. `host sameuser all 127.0.0.1/32 scram-sha-256`: each role's
database has the role's name).
"""

from __future__ import annotations

import logging
import math
import re
import secrets
import select
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from django.conf import settings
from psycopg import pq
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict

from judges.limits import Limits, limits_for
from judges.runtimes.base import NO_BUDGET, Budget, Verdict
from judges.runtimes.sql_sqlite import RESULT_BYTES_PER_ROW, SqlBatchResult, SqlColumn, SqlResult, has_top_level_order_by
from judges.sandbox import SandboxError, SandboxUnavailable

logger = logging.getLogger(__name__)

NAME_PREFIX = "ccj_"
_RUN_NAME = re.compile(r"^ccj_(\d+)_[0-9a-f]+$")
STALE_AFTER_SECONDS = 3600  # a run never lives this long; older ccj_* databases and roles were left by a crash
JANITOR_EVERY_SECONDS = 600  # how often one process looks for them
CANCEL_GRACE_SECONDS = 1.0  # after the cancel, before the backend is terminated (a cancel takes milliseconds)
CONNECT_TIMEOUT_SECONDS = 10
INTERNAL_SECONDS = 30.0  # budget of the judge's own statements on the learner's session
IDLE_TIMEOUT_MS = 60_000  # a session the judge stopped talking to (a crash) ends on the server
MIN_SERVER_VERSION = 130000  # DROP DATABASE ... WITH (FORCE)

_INT_OIDS = frozenset({20, 21, 23, 26})  # int8, int2, int4, oid
_FLOAT_OIDS = frozenset({700, 701})  # float4, float8
_NUMERIC_OID, _BOOL_OID, _BYTEA_OID = 1700, 16, 17
_NON_FINITE = frozenset({"NaN", "Infinity", "-Infinity"})
_TIMEOUTS = {"57014": "statement timeout", "55P03": "lock timeout"}  # sqlstate: the words of the server's message

_Status = pq.ExecStatus
_ROWS = (_Status.SINGLE_TUPLE, getattr(_Status, "TUPLES_CHUNK", _Status.SINGLE_TUPLE))  # one row; a chunk


# --- values -----------------------------------------------------------------------------------------


def json_value(raw: bytes | None, oid: int) -> Any:
    """One cell, from PostgreSQL's text output, as JSON (see the module docstring for the rules)."""
    if raw is None:
        return None
    if oid in _INT_OIDS:
        return int(raw)
    text = bytes(raw).decode("utf-8", errors="replace")
    if oid in _FLOAT_OIDS:
        number = float(text)
        return number if math.isfinite(number) else text
    if oid == _NUMERIC_OID:
        if text in _NON_FINITE:
            return text
        decimal = Decimal(text)
        exponent = decimal.as_tuple().exponent
        return int(decimal) if isinstance(exponent, int) and exponent >= 0 else float(decimal)
    if oid == _BOOL_OID:
        return text == "t"
    if oid == _BYTEA_OID and text.startswith("\\x"):
        return "x'" + text[2:] + "'"
    return text


# --- one session, spoken to through libpq's simple-query protocol ------------------------------------


@dataclass
class Outcome:
    """What one round trip of SQL text gave: the last row set, or an error, or a lost connection."""

    columns: list[str] | None = None  # None: no statement returned rows
    rows: list[list[Any]] = field(default_factory=list)
    row_count: int = 0
    too_large: bool = False
    error: str | None = None
    sqlstate: str | None = None
    cancelled: bool = False  # the deadline passed and the judge cancelled (or terminated) the query
    lost: bool = False  # the connection is gone
    seconds: float = 0.0

    @property
    def timed_out(self) -> bool:
        """The judge's cancel at the deadline, or the server's statement_timeout / lock_timeout (not any 57014:
        an aborted COPY FROM STDIN and pg_cancel_backend() are query_canceled too)."""
        words = _TIMEOUTS.get(self.sqlstate or "")
        return self.cancelled or bool(words and words in (self.error or ""))


class _LostConnection(Exception):
    pass


class Session:
    """A learner session: one psycopg connection used through its libpq handle, with a deadline.

    `terminate` is called (once) when a cancelled query does not stop within CANCEL_GRACE_SECONDS.
    """

    def __init__(self, connection: psycopg.Connection, terminate: Any) -> None:
        self.connection = connection
        self.pg = connection.pgconn
        self.pid = self.pg.backend_pid
        self._terminate = terminate
        self._deadline = 0.0
        self._cancelled = self._terminated = False

    @property
    def alive(self) -> bool:
        return not self.connection.closed and self.pg.status == pq.ConnStatus.OK

    @property
    def transaction_status(self) -> pq.TransactionStatus:
        return pq.TransactionStatus(self.pg.transaction_status)

    def close(self) -> None:
        with suppress(Exception):
            self.connection.close()

    def run(self, text: str, *, seconds: float, keep_rows: int, max_bytes: int) -> Outcome:
        """Send `text` (one or more statements), read every result; keep at most `keep_rows` of the last row set."""
        outcome = Outcome()
        started = time.monotonic()
        self._deadline = started + seconds
        self._cancelled = self._terminated = False
        try:
            self._send(text)
            self._read_results(outcome, keep_rows, max_bytes)
        except _LostConnection as exc:
            outcome.lost = True
            outcome.error = outcome.error or str(exc)
        except psycopg.OperationalError as exc:
            outcome.lost = True
            outcome.error = outcome.error or _libpq_message(str(exc))
        if not self.alive:
            outcome.lost = True
            outcome.error = outcome.error or "the connection to the database was closed"
        outcome.cancelled = self._cancelled
        outcome.seconds = round(time.monotonic() - started, 4)
        return outcome

    def internal(self, text: str) -> Outcome:
        """The judge's own statements on this session (all rows kept)."""
        return self.run(text, seconds=INTERNAL_SECONDS, keep_rows=1_000_000, max_bytes=1 << 30)

    # -- protocol --

    def _send(self, text: str) -> None:
        self.pg.send_query(text.encode("utf-8"))
        self.pg.set_single_row_mode()
        while self.pg.flush() == 1:  # non-blocking connection: the rest of a long text goes out as the server reads
            if self._wait(write=True):
                self._consume()

    def _read_results(self, outcome: Outcome, keep_rows: int, max_bytes: int) -> None:
        in_set = False
        kept_bytes = 0
        while True:
            while self.pg.is_busy():
                self._wait()
                self._consume()
            result = self.pg.get_result()
            if result is None:
                return
            status = result.status
            if status in _ROWS or status == _Status.TUPLES_OK:
                if not in_set:  # a new row set replaces the previous one
                    outcome.columns = [bytes(result.fname(i) or b"").decode("utf-8", "replace") for i in range(result.nfields)]
                    outcome.rows, outcome.row_count, outcome.too_large, kept_bytes = [], 0, False, 0
                    in_set = True
                types = [result.ftype(i) for i in range(result.nfields)]
                for index in range(result.ntuples):
                    outcome.row_count += 1
                    if outcome.row_count > keep_rows or outcome.too_large:
                        continue
                    raw = [result.get_value(index, column) for column in range(result.nfields)]
                    kept_bytes += 16 + sum(len(value) for value in raw if value is not None)
                    if kept_bytes > max_bytes:
                        outcome.too_large, outcome.rows = True, []
                        continue
                    outcome.rows.append([json_value(value, oid) for value, oid in zip(raw, types, strict=True)])
                if status == _Status.TUPLES_OK:
                    in_set = False
            elif status == _Status.COPY_OUT:  # COPY ... TO STDOUT: read and dropped, no row set
                self._drain_copy()
                in_set = False
            elif status == _Status.COPY_IN:  # COPY ... FROM STDIN: there is no input to give
                self.pg.put_copy_end(b"COPY FROM STDIN is not available here")
                while self.pg.flush() == 1:
                    if self._wait(write=True):
                        self._consume()
            elif status in (_Status.FATAL_ERROR, _Status.BAD_RESPONSE, _Status.NONFATAL_ERROR):
                if outcome.error is None:
                    outcome.error, outcome.sqlstate = _result_error(result)
                in_set = False
            elif status == _Status.COPY_BOTH:
                self.close()
                raise _LostConnection("replication protocol is not available here")
            else:  # COMMAND_OK, EMPTY_QUERY
                in_set = False
            result.clear()

    def _consume(self) -> None:
        """Read what arrived; drop notifications (a LISTEN in the query must not pile them up in libpq)."""
        self.pg.consume_input()
        while self.pg.notifies() is not None:
            pass

    def _drain_copy(self) -> None:
        while True:
            size, _ = self.pg.get_copy_data(1)
            if size == 0:
                self._wait()
                self._consume()
            elif size < 0:
                return

    def _wait(self, *, write: bool = False) -> bool:
        """Block until the socket is readable (or writable); cancel, then terminate, past the deadline.
        Returns True when there is something to read."""
        while True:
            now = time.monotonic()
            if not self._cancelled and now >= self._deadline:
                self._cancelled = True
                with suppress(Exception):
                    self.connection.cancel_safe(timeout=CANCEL_GRACE_SECONDS)
            if self._cancelled and not self._terminated and now >= self._deadline + CANCEL_GRACE_SECONDS:
                self._terminated = True
                with suppress(Exception):
                    self._terminate(self.pid)
            if self._terminated and now >= self._deadline + 3 * CANCEL_GRACE_SECONDS:
                self.close()
                raise _LostConnection("the query did not stop and its connection was closed")
            if self._terminated:
                wake = self._deadline + 3 * CANCEL_GRACE_SECONDS
            elif self._cancelled:
                wake = self._deadline + CANCEL_GRACE_SECONDS
            else:
                wake = self._deadline
            poller = select.poll()  # not select(): a long-lived worker may hold descriptors above FD_SETSIZE
            poller.register(self.pg.socket, select.POLLIN | (select.POLLOUT if write else 0))
            events = poller.poll(max(5, math.ceil((wake - now) * 1000)))
            if events:
                return any(mask & (select.POLLIN | select.POLLERR | select.POLLHUP) for _, mask in events)


def _result_error(result: pq.abc.PGresult) -> tuple[str, str | None]:
    primary = result.error_field(pq.DiagnosticField.MESSAGE_PRIMARY)
    sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE)
    if primary:
        message = bytes(primary).decode("utf-8", "replace")
    else:
        message = _libpq_message(bytes(result.error_message or b"").decode("utf-8", "replace"))
    return message, bytes(sqlstate).decode() if sqlstate else None


def _libpq_message(text: str) -> str:
    """A client-side libpq message, first line, without severity; never the connection string."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "the connection to the database failed")
    return re.sub(r"^(ERROR|FATAL|PANIC):\s*", "", line)


# --- the administrative side --------------------------------------------------------------------------


def _admin_connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS, application_name="codecapsule-judge-admin")
    except psycopg.Error as exc:
        logger.warning("PostgreSQL judge: cannot connect to JUDGE_POSTGRES_URL: %s", exc)
        raise SandboxUnavailable(
            "the PostgreSQL judge server (JUDGE_POSTGRES_URL) does not accept connections; nothing was executed."
        ) from None


def _drop_run(admin: psycopg.Connection, name: str, *, database: bool = True, role: bool = True) -> None:
    ident = pgsql.Identifier(name)
    if database:
        admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
    if role:
        admin.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(ident))


def leftover_runs(admin: psycopg.Connection) -> tuple[set[str], set[str]]:
    """Names of the ccj_* databases and roles that exist now (runs in progress or left behind)."""
    databases = {row[0] for row in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'ccj\\_%'")}
    roles = {row[0] for row in admin.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'ccj\\_%'")}
    return {n for n in databases if _RUN_NAME.match(n)}, {n for n in roles if _RUN_NAME.match(n)}


def drop_stale_runs(admin: psycopg.Connection, *, older_than: float = STALE_AFTER_SECONDS) -> list[str]:
    """Drop ccj_* databases and roles created more than `older_than` seconds ago (by a process that died)."""
    databases, roles = leftover_runs(admin)
    cutoff = time.time() - older_than
    dropped = []
    for name in sorted(databases | roles):
        match = _RUN_NAME.match(name)
        if match and int(match.group(1)) < cutoff:
            try:
                _drop_run(admin, name, database=name in databases, role=name in roles)
                dropped.append(name)
            except psycopg.Error as exc:
                logger.warning("PostgreSQL judge: could not drop the stale run %s: %s", name, exc)
    if dropped:
        logger.warning("PostgreSQL judge: dropped %d stale run(s): %s", len(dropped), ", ".join(dropped))
    return dropped


_janitor_lock = threading.Lock()
_janitor_last = 0.0


def _janitor(admin: psycopg.Connection) -> None:
    global _janitor_last
    with _janitor_lock:
        if time.monotonic() - _janitor_last < JANITOR_EVERY_SECONDS and _janitor_last:
            return
        _janitor_last = time.monotonic()
    with suppress(psycopg.Error):
        drop_stale_runs(admin)


# --- one run: database, role, session -------------------------------------------------------------------


class Run:
    """A throwaway database and role, and the learner's session in it. Use `open_run()`."""

    def __init__(self, admin: psycopg.Connection, url: str, limits: Limits) -> None:
        self.admin = admin
        self.url = url
        self.limits = limits
        self.name = f"{NAME_PREFIX}{int(time.time())}_{secrets.token_hex(6)}"
        self.password = secrets.token_urlsafe(24)
        self.session: Session | None = None
        self.dirty = False  # the session or the data can no longer be trusted to be the seeded state
        self._sequences: list[str] = []
        self._sequence_state: list[tuple[Any, ...]] = []
        self._created_role = self._created_database = False
        self._prepared_possible = True  # PREPARE TRANSACTION could leave a transaction that blocks DROP DATABASE

    # -- lifecycle --

    def open(self) -> None:
        admin, ident = self.admin, pgsql.Identifier(self.name)
        try:
            role = admin.execute(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, current_setting('max_prepared_transactions')::int > 0 "
                "FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
            assert role is not None  # the current role is always in pg_roles
            superuser, createdb, createrole, self._prepared_possible = role
            if not (superuser or (createdb and createrole)):
                raise SandboxUnavailable("the JUDGE_POSTGRES_URL role needs SUPERUSER (or CREATEDB and CREATEROLE); nothing was executed.")
            if admin.info.server_version < MIN_SERVER_VERSION:
                raise SandboxUnavailable("the PostgreSQL judge needs PostgreSQL 13 or newer; nothing was executed.")
            verifier = admin.pgconn.encrypt_password(self.password.encode(), self.name.encode(), b"scram-sha-256").decode()
            admin.execute(
                pgsql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT "
                    "CONNECTION LIMIT 1 PASSWORD {}"
                ).format(ident, pgsql.Literal(verifier))
            )
            self._created_role = True
            if not superuser:  # to hand it schema public and to end its backends, a non-superuser must be a member
                admin.execute(pgsql.SQL("GRANT {} TO CURRENT_USER").format(ident))
            else:  # a superuser-only setting: the learner cannot raise it
                admin.execute(
                    pgsql.SQL("ALTER ROLE {} SET temp_file_limit = {}").format(ident, pgsql.Literal(f"{self.limits.tmpfs_mb * 1024}kB"))
                )
            admin.execute(pgsql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(ident))
            self._created_database = True
            admin.execute(pgsql.SQL("REVOKE ALL ON DATABASE {0} FROM PUBLIC; GRANT CONNECT ON DATABASE {0} TO {0}").format(ident))
            with psycopg.connect(self.url, dbname=self.name, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as owner:
                owner.execute(pgsql.SQL("ALTER SCHEMA public OWNER TO {0}; REVOKE ALL ON SCHEMA public FROM PUBLIC").format(ident))
        except psycopg.errors.InsufficientPrivilege as exc:
            raise SandboxUnavailable(
                f"the JUDGE_POSTGRES_URL role may not prepare a run ({exc.diag.message_primary}); nothing was executed."
            ) from None
        except psycopg.Error as exc:
            logger.exception("PostgreSQL judge: preparing a run failed")
            raise SandboxError(f"the PostgreSQL judge could not prepare a database: {exc.diag.message_primary or 'server error'}") from None
        self.session = Session(self._learner_connect(), self._terminate_backend)
        try:
            admin.execute(pgsql.SQL("ALTER ROLE {} NOLOGIN").format(ident))
        except psycopg.Error as exc:
            raise SandboxError(f"the PostgreSQL judge could not lock its role: {exc.diag.message_primary or 'server error'}") from None

    def _learner_connect(self) -> psycopg.Connection:
        wall_ms = max(1, math.ceil(self.limits.wall_seconds * 1000))
        options = [
            f"statement_timeout={wall_ms + 100}",
            f"lock_timeout={wall_ms + 100}",
            f"idle_in_transaction_session_timeout={IDLE_TIMEOUT_MS}",
            "TimeZone=UTC",
            "DateStyle=ISO,YMD",
            "IntervalStyle=postgres",
            "bytea_output=hex",
            "client_min_messages=error",
            "search_path=public",
            "extra_float_digits=1",
            "jit=off",
            "max_parallel_workers_per_gather=0",
        ]
        if self.admin.info.server_version >= 140000:
            options.append(f"idle_session_timeout={IDLE_TIMEOUT_MS}")
        params: dict[str, Any] = conninfo_to_dict(self.url)
        params.update(
            user=self.name, password=self.password, dbname=self.name, application_name="codecapsule-judge",
            options=" ".join(f"-c {option}" for option in options), connect_timeout=str(CONNECT_TIMEOUT_SECONDS),
            client_encoding="UTF8",
        )  # fmt: skip
        params.pop("passfile", None)
        params.pop("service", None)
        try:
            return psycopg.connect(autocommit=True, prepare_threshold=None, **params)
        except psycopg.Error as exc:
            logger.warning("PostgreSQL judge: the run's role could not log in: %s", exc)
            raise SandboxUnavailable(
                "the PostgreSQL judge's throwaway role could not log in: pg_hba.conf must allow password logins for "
                "roles named ccj_* to their own database (e.g. `host sameuser all <address> scram-sha-256`); nothing was executed."
            ) from None

    def _terminate_backend(self, pid: int) -> None:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    def close(self) -> None:
        """Drop the session, the database and the role; never raises (a crash leftover is the janitor's)."""
        if self.session is not None:
            self.session.close()
        if not (self._created_database or self._created_role):
            return
        for attempt in (1, 2):  # the second time on a new admin connection, in case the first one broke
            try:
                if attempt == 1:
                    self._drop(self.admin)
                else:
                    with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as admin:
                        self._drop(admin)
                return
            except psycopg.Error as exc:
                logger.warning("PostgreSQL judge: dropping the run %s failed (attempt %d): %s", self.name, attempt, exc)

    def _drop(self, admin: psycopg.Connection) -> None:
        if self._prepared_possible and self._created_database:
            with suppress(psycopg.Error):
                self._rollback_prepared(admin)
        _drop_run(admin, self.name, database=self._created_database, role=self._created_role)
        self._created_database = self._created_role = False

    def _rollback_prepared(self, admin: psycopg.Connection) -> None:
        gids = [row[0] for row in admin.execute("SELECT gid FROM pg_prepared_xacts WHERE database = %s", [self.name])]
        if gids:
            with psycopg.connect(self.url, dbname=self.name, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as there:
                for gid in gids:
                    there.execute(pgsql.SQL("ROLLBACK PREPARED {}").format(pgsql.Literal(gid)))

    # -- the seed --

    def seed(self, seed_sql: str) -> str | None:
        """Run the seed; None when it ran cleanly, else the error (as the learner's results will quote it)."""
        session = self._session()
        outcome = session.run(seed_sql, seconds=self.limits.wall_seconds, keep_rows=0, max_bytes=0)
        if outcome.timed_out:
            self.dirty = True
            return "the seed SQL took too long"
        if outcome.error is not None:
            self.dirty = True
            return outcome.error
        if session.transaction_status != pq.TransactionStatus.IDLE:  # a BEGIN without COMMIT
            committed = session.internal("COMMIT")
            if committed.error is not None:
                self.dirty = True
                return committed.error
        reset = session.internal("DISCARD ALL")
        sequences = session.internal(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public' ORDER BY 1"
        )
        if reset.error or sequences.error:
            raise SandboxError(f"the PostgreSQL judge could not inspect the seeded database: {reset.error or sequences.error}")
        self._sequences = [row[0] for row in sequences.rows]
        self._sequence_state = self._read_sequences()
        return None

    def describe(self) -> dict[str, list[SqlColumn]]:
        """Every table, view and materialized view in schema public, columns in order, with their types."""
        outcome = self._session().internal(
            "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY c.relname, a.attnum"
        )
        if outcome.error:
            raise SandboxError(f"the PostgreSQL judge could not list the seeded tables: {outcome.error}")
        tables: dict[str, list[SqlColumn]] = {}
        for table, column, kind in outcome.rows:
            tables.setdefault(table, []).append(SqlColumn(name=column, type=kind))
        return tables

    def _read_sequences(self) -> list[tuple[Any, ...]]:
        if not self._sequences:
            return []
        text = " UNION ALL ".join(f"SELECT {i}, last_value, is_called FROM {name}" for i, name in enumerate(self._sequences))
        outcome = self._session().internal(text)
        if outcome.error:
            self.dirty = True
            return []
        return sorted(tuple(row) for row in outcome.rows)

    def _restore_sequences(self) -> None:
        if not self._sequences or self.dirty:
            return
        now = self._read_sequences()
        if now == self._sequence_state or self.dirty:
            return
        calls = ", ".join(
            f"pg_catalog.setval({pgsql.Literal(self._sequences[i]).as_string()}::regclass, {int(last)}, {'true' if called else 'false'})"
            for i, last, called in self._sequence_state
        )
        if self._session().internal(f"SELECT {calls}").error:
            self.dirty = True

    # -- one query --

    def query(self, text: str, *, seconds: float | None = None) -> SqlResult:
        """Run one learner query on the seeded state and roll it back (within `seconds`, default the wall limit)."""
        session, limits = self._session(), self.limits
        ordered = has_top_level_order_by(text)
        begin = session.internal("BEGIN; SELECT pg_catalog.pg_current_xact_id()::text; SAVEPOINT codecapsule_judge")
        if begin.error or not begin.rows:
            raise SandboxError(f"the PostgreSQL judge could not start a transaction: {begin.error}")
        xid = begin.rows[0][0]
        outcome = session.run(
            text,
            seconds=limits.wall_seconds if seconds is None else seconds,
            keep_rows=limits.sql_max_rows,
            max_bytes=limits.sql_max_rows * RESULT_BYTES_PER_ROW + 65536,
        )
        self._end_transaction(session, xid, outcome)
        self._restore_sequences()
        return _query_result(outcome, limits, ordered)

    def _end_transaction(self, session: Session, xid: str, outcome: Outcome) -> None:
        """Roll back; mark the run dirty when the query ended our transaction (its changes may be committed)."""
        if outcome.lost or not session.alive:
            self.dirty = True
            return
        status = session.transaction_status
        if status == pq.TransactionStatus.IDLE:
            self.dirty = True  # COMMIT / ROLLBACK / END in the query: whatever followed ran outside our transaction
            return
        # Our savepoint exists only in our transaction; rolling back to it makes the check below possible.
        if status == pq.TransactionStatus.INERROR and session.internal("ROLLBACK TO SAVEPOINT codecapsule_judge").error is not None:
            self.dirty = True
        if not self.dirty:
            check = session.internal("SELECT pg_catalog.pg_current_xact_id_if_assigned()::text")
            if check.error is not None or not check.rows or check.rows[0][0] != xid:
                self.dirty = True  # COMMIT AND CHAIN: a transaction other than ours
        if session.transaction_status != pq.TransactionStatus.IDLE:
            ended = session.internal("ROLLBACK")
            if ended.error is not None or ended.lost:
                self.dirty = True

    def _session(self) -> Session:
        if self.session is None:
            raise RuntimeError("the run is not open")
        return self.session


def _failed(verdict: Verdict, error: str, ordered: bool, seconds: float = 0.0) -> SqlResult:
    return SqlResult(verdict=verdict, error=error, columns=[], rows=[], row_count=0, truncated=False, ordered=ordered, wall_seconds=seconds)


def _query_result(outcome: Outcome, limits: Limits, ordered: bool) -> SqlResult:
    if outcome.timed_out:
        return _failed(Verdict.TLE, f"The query did not finish within {limits.wall_seconds:g} s.", ordered, outcome.seconds)
    if outcome.error is not None:
        return _failed(Verdict.RE, outcome.error, ordered, outcome.seconds)
    if outcome.too_large:
        return _failed(Verdict.OLE, "The query result is too large to return.", ordered, outcome.seconds)
    return SqlResult(
        verdict=Verdict.AC,
        error=None,
        columns=outcome.columns or [],
        rows=outcome.rows if outcome.columns is not None else [],
        row_count=outcome.row_count if outcome.columns is not None else 0,
        truncated=outcome.row_count > limits.sql_max_rows,
        ordered=ordered,
        wall_seconds=outcome.seconds,
    )


@contextmanager
def open_run(limits: Limits | None = None, *, url: str | None = None) -> Iterator[Run]:
    """A prepared run (database, role, learner session) that is dropped on exit, whatever happened."""
    url = url or settings.JUDGE_POSTGRES_URL
    if not url:
        raise SandboxUnavailable("DATABASE capsules in the postgresql dialect need JUDGE_POSTGRES_URL; nothing was executed.")
    admin = _admin_connect(url)
    try:
        _janitor(admin)
        run = Run(admin, url, limits or limits_for("sql"))
        try:
            run.open()
            yield run
        finally:
            run.close()
    finally:
        admin.close()


def run_sql_batch(
    seed_sql: str, queries: Sequence[str], limits: Limits | None = None, *, box: Any = None, budget: Budget = NO_BUDGET
) -> SqlBatchResult:
    """Seed a throwaway PostgreSQL database, then run each query on the seeded state (rolled back after each).

    `box`: the judge slot the caller holds (nothing runs on this host, but a slot per run bounds the judge's
    work on the server like any other job's); not needed. `budget`: as for the sandboxed engines, a whole
    batch's time (queries after it are NR) and stop_on_limit (after a query that timed out, the rest are NR).
    """
    limits = limits or limits_for("sql")
    started = time.monotonic()
    end = started + budget.seconds if budget.seconds is not None else None
    results: list[SqlResult] = []
    stopped: str | None = None
    with open_run(limits) as first:
        seed_error = first.seed(seed_sql)
        tables = first.describe() if seed_error is None else {}
        run, fresh_error = first, None
        try:
            for query in queries:
                ordered = has_top_level_order_by(query)
                if seed_error is not None:
                    results.append(_failed(Verdict.RE, f"the seed SQL failed: {seed_error}", ordered))
                    continue
                left = None if end is None else end - time.monotonic()
                if stopped is None and left is not None and left <= 0:
                    stopped = "budget"
                if stopped is not None:
                    reason = "the attempt's time budget was spent" if stopped == "budget" else "an earlier query ran out of time"
                    results.append(_failed(Verdict.NR, reason, ordered))
                    continue
                if run.dirty and fresh_error is None:  # the previous query escaped its transaction: start afresh
                    if run is not first:
                        run.close()
                    run = Run(first.admin, first.url, limits)
                    run.open()
                    fresh_error = run.seed(seed_sql)
                if fresh_error is not None:
                    results.append(_failed(Verdict.RE, f"the seed SQL failed on a fresh copy: {fresh_error}", ordered))
                    continue
                result = run.query(query, seconds=None if left is None else min(limits.wall_seconds, left))
                results.append(result)
                if result.verdict is Verdict.TLE and budget.stop_on_limit:
                    stopped = "limit"
        finally:
            if run is not first:
                run.close()
    return SqlBatchResult(
        seed_error=seed_error,
        tables=tables,
        results=results,
        wall_seconds=round(time.monotonic() - started, 4),
        sandboxed=True,
    )
