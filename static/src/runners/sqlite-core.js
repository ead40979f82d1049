// SQLite queries on sql.js, with the server judge's conventions (judges/runtimes/sql_sqlite.py and harness.py, sql
// mode), for a browser Web Worker (sqlite-worker.js) and Node.js (node-run.mjs).
//
//   const result = runSqlQuery(SQL, seedSql, query, {limits: {max_rows}});
//   → {verdict: "AC" | "RE" | "MLE", error, columns, rows, row_count, truncated, ordered, wall_ms}
//
// A fresh in-memory database per call: the seed script runs first (a failure: RE, "the seed SQL failed: <message>");
// then the query's statements run one by one, and the result is that of the last statement that returns columns.
// Rows are capped at limits.max_rows (row_count counts them all, truncated says so). Values as the server's JSON:
// integers, floats, text, null; a BLOB as the text x'<hex>'. Error messages are SQLite's own (sqlite3_errmsg), as
// Python's sqlite3 reports them.
//
// Differences from the server: integers beyond 2^53 come back as BigInt (exact; the server's JSON has the digits), and
// a float with an integral value (1.0) is the number 1 (JavaScript has one number type). The SQLite version is
// sql.js's, not Debian's (engineVersion says which). The wall-clock limit is the caller's: it terminates the worker
// (TLE), the server's progress handler stops the statement instead.
import { limitsOf } from "./verdicts.js";

const SQLITE_NOMEM = /out of memory/i;

function renderValue(value) {
  if (value instanceof Uint8Array) {
    return "x'" + Array.from(value, (byte) => byte.toString(16).padStart(2, "0")).join("") + "'";
  }
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  return value;
}

function failed(verdict, error, ordered, started) {
  return { verdict, error, columns: [], rows: [], row_count: 0, truncated: false, ordered, wall_ms: Math.round(performance.now() - started) };
}

function errorVerdict(error) {
  const message = String((error && error.message) || error);
  if (SQLITE_NOMEM.test(message)) {
    return ["MLE", "The query ran out of memory."];
  }
  return ["RE", message];
}

/** "3.49.1" */
export function sqliteVersion(SQL) {
  const db = new SQL.Database();
  try {
    return db.exec("SELECT sqlite_version()")[0].values[0][0];
  } finally {
    db.close();
  }
}

/** Seeds a fresh database; returns it, or throws the seed's error with .seedError = its message. */
export function seededDatabase(SQL, seedSql) {
  const db = new SQL.Database();
  try {
    db.exec(String(seedSql || ""));
  } catch (error) {
    db.close();
    const message = String((error && error.message) || error);
    const seedError = new Error(message);
    seedError.seedError = SQLITE_NOMEM.test(message) ? "out of memory" : message;
    throw seedError;
  }
  return db;
}

/** One query on `db` (seeded already). */
export function queryDatabase(db, query, options = {}) {
  const limits = limitsOf(options.limits);
  const maxRows = Number(limits.max_rows);
  const ordered = hasTopLevelOrderBy(String(query));
  const started = performance.now();
  const result = { verdict: "AC", error: null, columns: [], rows: [], row_count: 0, truncated: false, ordered, wall_ms: 0 };
  let statement = null;
  try {
    for (statement of db.iterateStatements(String(query))) {
      const columns = statement.getColumnNames();
      if (columns.length === 0) {
        while (statement.step()) {
          // a statement without columns (INSERT, CREATE, ...) runs to its end
        }
        statement.free();
        continue;
      }
      const rows = [];
      let count = 0;
      while (statement.step()) {
        count += 1;
        if (count <= maxRows) rows.push(statement.get(null, { useBigInt: true }).map(renderValue));
      }
      statement.free();
      Object.assign(result, { columns, rows, row_count: count, truncated: count > maxRows });
    }
  } catch (error) {
    try {
      statement?.free();
    } catch {
      // freed already
    }
    const [verdict, message] = errorVerdict(error);
    return failed(verdict, message, ordered, started);
  }
  result.wall_ms = Math.round(performance.now() - started);
  return result;
}

/** A fresh database, the seed, then the query (see the top of this file). */
export function runSqlQuery(SQL, seedSql, query, options = {}) {
  const started = performance.now();
  let db;
  try {
    db = seededDatabase(SQL, seedSql);
  } catch (error) {
    return failed("RE", `the seed SQL failed: ${error.seedError ?? error.message}`, hasTopLevelOrderBy(String(query)), started);
  }
  try {
    return queryDatabase(db, query, options);
  } finally {
    db.close();
  }
}

// --- ORDER BY detection: a port of sql_sqlite.has_top_level_order_by ------------------------------------------

const COMMENT_OR_LITERAL = /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`[^`]*`?|\[[^\]]*\]?/g;
const ORDER_BY = /\border\s+by\b/i;

/** Does the last statement of `sql` sort its final result (ORDER BY outside any parentheses)? */
export function hasTopLevelOrderBy(sql) {
  const text = sql.replace(COMMENT_OR_LITERAL, " ");
  const statements = text.split(";").filter((part) => part.trim());
  if (!statements.length) return false;
  let depth = 0;
  let top = "";
  for (const char of statements[statements.length - 1]) {
    if (char === "(") {
      depth += 1;
      top += " ";
    } else if (char === ")") {
      depth = Math.max(depth - 1, 0);
      top += " ";
    } else {
      top += depth === 0 ? char : " ";
    }
  }
  return ORDER_BY.test(top);
}
