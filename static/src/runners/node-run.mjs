#!/usr/bin/env node
// Runs one browser-engine job in Node.js with the SAME core modules the browser uses, so the server can check that a
// Run in the browser agrees with its judge.
//
//   node static/src/runners/node-run.mjs < job.json > result.json
//   node static/src/runners/node-run.mjs job.json > result.json      (the judge's sandbox: its stdin is /dev/null)
//
// job:    {engine: "python" | "javascript" | "sqlite", source, tests: [{test_call, expected_output, compare,
//          tolerance}], seed_sql, query, limits: {wall_seconds, output_bytes, max_rows, heap_mb}}
// result: python/javascript: {engine, engine_version, tests: [{index, verdict, stdout, stderr, message, wall_ms,
//          ...}], stopped: null | "limit"}
//         sqlite: {engine, engine_version, result: {verdict, error, columns, rows, row_count, truncated, ordered,
//          wall_ms}}
//         a job that could not run at all: {engine, error} (exit status 2)
//
// The engines are read from CODECAPSULE_ENGINES_DIR (static/vendor/engines/ as the build writes it: engines.json names
// each engine's versioned directory) or else from node_modules next to the repository; nothing else is read but this
// directory's modules, so it can run in a sandbox that shows only those two directories.
//
// The job runs in a worker thread; the main thread keeps the clock. A test (or the SQL query) that runs past
// limits.wall_seconds has its thread terminated: it is TLE and the tests after it are NR, as on the server (a Run
// stops at its first limit). The engine's start (Pyodide takes a few seconds) is not counted against any test.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { formatG } from "./compare.js";
import { NOT_RUN_AFTER_LIMIT, hitLimit, limitsOf, timeoutMessage, memoryMessage, unrunResult } from "./verdicts.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const LOAD_SECONDS = 120; // the engine's start, when the machine is busy

/** The directory of an engine's files ("pyodide" or "sqljs"). */
function enginePath(name) {
  const dir = process.env.CODECAPSULE_ENGINES_DIR;
  if (dir) {
    // engines.json names each engine's versioned directory (scripts/build-frontend.mjs writes it).
    return join(dir, JSON.parse(readFileSync(join(dir, "engines.json"), "utf8"))[name]);
  }
  const modules = join(HERE, "..", "..", "..", "node_modules");
  return name === "pyodide" ? join(modules, "pyodide") : join(modules, "sql.js", "dist");
}

// --- the worker thread: load the engine, run the job, report each step -----------------------------------------

async function workerMain({ job }) {
  const post = (message) => parentPort.postMessage(message);
  const require = createRequire(import.meta.url);
  const limits = limitsOf(job.limits);
  const hooks = { limits, onStart: (index) => post({ type: "start", index }), onResult: (result) => post({ type: "result", result }) };
  if (job.engine === "python") {
    const indexURL = enginePath("pyodide");
    const { loadPyodide } = require(join(indexURL, "pyodide.js"));
    const { runPythonTests, pythonVersion } = await import("./python-core.js");
    const pyodide = await loadPyodide({ indexURL: indexURL + "/", stdout: () => {}, stderr: () => {} });
    post({ type: "loaded", version: pythonVersion(pyodide) });
    await runPythonTests(pyodide, String(job.source ?? ""), job.tests || [], hooks);
  } else if (job.engine === "javascript") {
    const { runJavaScriptTests } = await import("./javascript-core.js");
    post({ type: "loaded", version: `Node.js ${process.version}` });
    await runJavaScriptTests(nodeHost(), String(job.source ?? ""), job.tests || [], { ...hooks, nodeVersion: process.version });
  } else if (job.engine === "sqlite") {
    const sqljs = enginePath("sqljs");
    const initSqlJs = require(join(sqljs, "sql-wasm.js"));
    const { seededDatabase, queryDatabase, sqliteVersion, hasTopLevelOrderBy } = await import("./sqlite-core.js");
    const SQL = await initSqlJs({ locateFile: (file) => join(sqljs, file) });
    post({ type: "loaded", version: `SQLite ${sqliteVersion(SQL)}` });
    post({ type: "start", index: -1 }); // the seed
    let db;
    try {
      db = seededDatabase(SQL, job.seed_sql);
    } catch (error) {
      const ordered = hasTopLevelOrderBy(String(job.query ?? ""));
      const failure = { verdict: "RE", error: `the seed SQL failed: ${error.seedError ?? error.message}`, columns: [], rows: [], row_count: 0, truncated: false, ordered, wall_ms: 0 };
      post({ type: "sql", result: failure });
      return;
    }
    post({ type: "start", index: 0 });
    post({ type: "sql", result: queryDatabase(db, String(job.query ?? ""), { limits }) });
  } else {
    throw new Error(`unknown engine ${JSON.stringify(job.engine)}`);
  }
  post({ type: "done" });
}

// A vm context per test, as javascript_runner.js makes them, with the Web globals a Worker would have too.
function nodeHost() {
  return {
    compile(source, filename) {
      new vm.Script(source, { filename });
    },
    newRealm() {
      const context = vm.createContext({
        structuredClone, TextEncoder, TextDecoder, URL, URLSearchParams, AbortController, AbortSignal, atob, btoa,
        performance, queueMicrotask,
      }); // prettier-ignore
      return {
        global: context,
        run(code, filename) {
          new vm.Script(code, { filename }).runInContext(context);
        },
        onUnhandledRejection(handler) {
          const listener = (reason) => handler(reason);
          process.on("unhandledRejection", listener);
          return () => process.off("unhandledRejection", listener);
        },
        setTimeout: (callback, ms) => setTimeout(callback, ms),
        clearTimeout: (handle) => clearTimeout(handle),
      };
    },
  };
}

// --- the main thread: the clock ----------------------------------------------------------------------------------

// JSON as Python's json module reads it: a BigInt as its digits, and a REAL value of a query (sqlite-core.js: a String
// object holding Python's repr) as a number with that repr, so the judge gets 1.0 (not 1) and inf as Infinity.
const RAW = `__raw_${Math.random().toString(36).slice(2)}__`; // no text of a result can hold it by chance
const PYTHON_JSON_CONSTANTS = { inf: "Infinity", "-inf": "-Infinity", nan: "NaN" };

function rawToken(value) {
  if (typeof value === "bigint") return `${RAW}${value}`;
  if (value instanceof String) return `${RAW}${PYTHON_JSON_CONSTANTS[String(value)] ?? String(value)}`;
  return value;
}

function finish(output, status = 0) {
  const text = JSON.stringify(output, (_, value) => rawToken(value));
  process.stdout.write(text.replace(new RegExp(`"${RAW}([^"]*)"`, "g"), "$1") + "\n");
  process.exitCode = status;
}

function main() {
  let job;
  try {
    job = JSON.parse(readFileSync(process.argv[2] ?? 0, "utf8"));
  } catch (error) {
    finish({ engine: null, error: `the job is not JSON: ${error.message}` }, 2);
    return;
  }
  const limits = limitsOf(job.limits);
  const tests = job.tests || [];
  const results = [];
  let version = null;
  let current = null; // index of the test running (-1: the SQL seed), null between tests
  let timer = null;
  let over = false;
  const resourceLimits = job.limits && job.limits.heap_mb ? { maxOldGenerationSizeMb: Number(job.limits.heap_mb) } : undefined;
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { job }, resourceLimits, stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();

  function arm(seconds, onTimeout) {
    clearTimeout(timer);
    timer = setTimeout(onTimeout, seconds * 1000);
  }

  function end(output, status = 0) {
    if (over) return;
    over = true;
    clearTimeout(timer);
    worker.terminate();
    finish(output, status);
  }

  // The tests after a stop: NR, as the server's Run does (stop_on_limit).
  function stopAt(index, verdict, message) {
    const done = results.filter((result) => result.index < index);
    done.push({ ...unrunResult(index, verdict, message), wall_ms: verdict === "TLE" ? Math.round(limits.wall_seconds * 1000) : 0 });
    for (let later = index + 1; later < tests.length; later++) done.push(unrunResult(later, "NR", NOT_RUN_AFTER_LIMIT));
    end({ engine: job.engine, engine_version: version, tests: done, stopped: "limit" });
  }

  function sqlFailure(verdict, error) {
    return { verdict, error, columns: [], rows: [], row_count: 0, truncated: false, ordered: false, wall_ms: Math.round(limits.wall_seconds * 1000) };
  }

  arm(LOAD_SECONDS, () => end({ engine: job.engine, error: "the engine did not start in time" }, 2));
  worker.on("message", (message) => {
    if (over) return;
    if (message.type === "loaded") {
      version = message.version;
      clearTimeout(timer);
    } else if (message.type === "start") {
      current = message.index;
      arm(limits.wall_seconds, () => {
        if (job.engine === "sqlite") {
          const error = current === -1 ? "the seed SQL failed: the seed SQL took too long" : `The query did not finish within ${formatG(Number(limits.wall_seconds))} s.`;
          end({ engine: job.engine, engine_version: version, result: sqlFailure(current === -1 ? "RE" : "TLE", error) });
        } else {
          stopAt(current, "TLE", timeoutMessage(limits));
        }
      });
    } else if (message.type === "result") {
      clearTimeout(timer);
      current = null;
      results.push(message.result);
      if (hitLimit(message.result)) {
        const index = message.result.index;
        const rest = [];
        for (let later = index + 1; later < tests.length; later++) rest.push(unrunResult(later, "NR", NOT_RUN_AFTER_LIMIT));
        end({ engine: job.engine, engine_version: version, tests: [...results, ...rest], stopped: rest.length ? "limit" : null });
      }
    } else if (message.type === "sql") {
      end({ engine: job.engine, engine_version: version, result: message.result });
    } else if (message.type === "done") {
      end({ engine: job.engine, engine_version: version, tests: results, stopped: null });
    }
  });
  worker.on("error", (error) => {
    if (over) return;
    const memory = error && (error.code === "ERR_WORKER_OUT_OF_MEMORY" || /out of memory|Array buffer allocation failed/i.test(String(error.message)));
    if (version === null) {
      end({ engine: job.engine, error: `the engine could not start: ${error && error.message}` }, 2);
    } else if (job.engine === "sqlite") {
      end({ engine: job.engine, engine_version: version, result: sqlFailure(memory ? "MLE" : "RE", memory ? "The query ran out of memory." : `the engine failed: ${error.message}`) });
    } else if (current !== null) {
      stopAt(current, memory ? "MLE" : "RE", memory ? memoryMessage(limits) : `The engine failed while this test ran: ${error && error.message}`);
    } else {
      end({ engine: job.engine, error: `the engine failed: ${error && error.message}` }, 2);
    }
  });
  worker.on("exit", () => {
    if (!over) end({ engine: job.engine, error: "the engine stopped before the job was over" }, 2);
  });
}

if (isMainThread) {
  main();
} else {
  workerMain(workerData).catch((error) => {
    throw error; // the main thread's "error" handler reports it
  });
}
