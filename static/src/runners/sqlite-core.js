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
// INTEGER and REAL stay apart (sql.js's useBigInt: an INTEGER comes back as a BigInt, a REAL as a number), because
// the server's grid shows Python's str() of each: 1 and 1.0, 1e-05, 1e+16, inf. So a value is
//   INTEGER  a number (a BigInt beyond 2^53: exact, as the server's digits)
//   REAL     a String object holding Python's repr of the float (pythonFloatRepr): String(value) is what the server's
//            grid shows, `typeof value === "object"` tells it from TEXT, Number(value) is the number (inf/nan: NaN);
//            String objects survive postMessage, and node-run.mjs writes them to the judge as JSON numbers
//   TEXT     a string; NULL: null; BLOB: the string x'<hex>'
// The SQLite version is sql.js's, not Debian's (engineVersion says which). The wall-clock limit is the caller's: it
// terminates the worker (TLE), the server's progress handler stops the statement instead.
import { limitsOf } from "./verdicts.js";

const SQLITE_NOMEM = /out of memory/i;

function renderValue(value) {
  if (value instanceof Uint8Array) {
    return "x'" + Array.from(value, (byte) => byte.toString(16).padStart(2, "0")).join("") + "'";
  }
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (typeof value === "number") {
    return new String(pythonFloatRepr(value)); // a REAL (INTEGERs are BigInts here): see the top of this file
  }
  return value;
}

/** Python's repr() of a float: the shortest digits that read back as it (as JavaScript's), in exponent form when the
 * exponent is below -4 or 16 and more ("1e-05", "1e+16"), else with a decimal point ("1.0", "0.0001"); inf, nan. */
export function pythonFloatRepr(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e"); // shortest round-trip digits: "1.25e-7"
  const digits = mantissa.replace(".", "");
  const e = Number(exponent);
  if (e < -4 || e >= 16) {
    const shown = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${shown}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  if (digits.length <= e + 1) return `${sign}${digits}${"0".repeat(e + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
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
