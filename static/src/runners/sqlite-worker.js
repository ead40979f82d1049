// The SQLite engine's Web Worker (protocol: worker-protocol.js). sql.js is loaded on the first job and kept for the
// next ones; each job: {seedSql, query, limits} on a fresh in-memory database. Built into
// static/vendor/runners/sqlite-worker.js.
import { hasTopLevelOrderBy, queryDatabase, seededDatabase, sqliteVersion } from "./sqlite-core.js";
import { enginesUrl, errorText, post } from "./worker-protocol.js";

let loading = null;
let version = null;

function load() {
  if (!loading) {
    loading = (async () => {
      const base = enginesUrl("sqljs");
      post({ type: "progress", phase: "loading", fraction: 0.1, text: "Loading SQLite…" });
      self.importScripts(base + "sql-wasm.js");
      const SQL = await self.initSqlJs({ locateFile: (file) => base + file });
      version = `SQLite ${sqliteVersion(SQL)}`;
      post({ type: "progress", phase: "loading", fraction: 1, text: "SQLite is ready." });
      return SQL;
    })();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

self.onmessage = async (event) => {
  const { type, job } = event.data || {};
  if (type !== "run") return;
  let SQL;
  try {
    SQL = await load();
  } catch (error) {
    post({ type: "error", message: `SQLite could not be loaded: ${errorText(error)}`, engineUnavailable: true });
    return;
  }
  post({ type: "progress", phase: "ready", version });
  const query = String(job.query ?? "");
  post({ type: "progress", phase: "start", index: -1 });
  let db;
  try {
    db = seededDatabase(SQL, job.seedSql);
  } catch (error) {
    const result = { verdict: "RE", error: `the seed SQL failed: ${error.seedError ?? errorText(error)}`, columns: [], rows: [], row_count: 0, truncated: false, ordered: hasTopLevelOrderBy(query), wall_ms: 0 };
    post({ type: "result", result, engine_version: version });
    return;
  }
  post({ type: "progress", phase: "start", index: 0 });
  try {
    post({ type: "result", result: queryDatabase(db, query, { limits: job.limits }), engine_version: version });
  } finally {
    db.close();
  }
};
