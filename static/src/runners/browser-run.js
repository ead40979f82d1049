// Run of the visible tests in the learner's browser: window.CodeCapsuleBrowserRun, a classic script built into
// static/vendor/runners/browser-run.js. The server judge stays authoritative (Submit); this only answers Run sooner,
// with the same conventions (see python-core.js, javascript-core.js, sqlite-core.js).
//
//   CodeCapsuleBrowserRun.supported(engine) → bool          Web Workers and WebAssembly are available
//   CodeCapsuleBrowserRun.run({engine: "python" | "javascript" | "sqlite", source, tests: [{test_call,
//       expected_output, compare, tolerance}], seedSql, query, limits: {wall_seconds, output_bytes, max_rows},
//       onProgress(fraction, text)}) → Promise of
//         python, javascript: {engine, engine_version, tests: [{index, verdict, exit_code, stdout, stderr, message,
//                              wall_ms, ...}], stopped: null | "limit", compile_error: null | text}
//         sqlite:             {engine, engine_version, result: {verdict, error, columns, rows, row_count, truncated,
//                              ordered, wall_ms}}
//       It rejects with an Error whose .engineUnavailable is true when the engine could not be loaded: the caller
//       then runs on the server instead.
//   CodeCapsuleBrowserRun.engineVersion(engine) → "Python 3.11.3" | "SQLite 3.x" | the browser's user agent | null
//
// Nothing is loaded before the first run() of an engine. Python and SQLite keep one warm worker each (Pyodide takes
// seconds to start); JavaScript starts a fresh worker per test, its fresh global scope. A test over
// limits.wall_seconds has its worker terminated: TLE, and the tests after it NR (a Run on the server stops at its
// first limit); the next run starts a new worker. A worker that dies (a memory blow-up) ends the run with MLE or RE
// for the test it ran, not the tab.
//
// URLs: the workers are found next to this script (its own URL, whatever collectstatic named it), and they find the
// engines in ../engines/ relative to theirs. Their names carry no content hash: they are not referenced by a template,
// so Django's manifest does not rename what they ask for; collectstatic keeps the unhashed copies it serves.
import { formatG } from "./compare.js";
import { NOT_RUN_AFTER_LIMIT, hitLimit, limitsOf, memoryMessage, timeoutMessage, unrunResult } from "./verdicts.js";

const WORKERS = { python: "python-worker.js", javascript: "javascript-worker.js", sqlite: "sqlite-worker.js" };
const LOAD_SECONDS = 120; // fetching and starting an engine on a slow connection
const scriptUrl = document.currentScript && document.currentScript.src;
const warm = {}; // engine → its warm Worker (python, sqlite)
const versions = {};
const queues = {}; // engine → the promise of its last run: runs of one engine take turns

function unavailable(message) {
  const error = new Error(message);
  error.engineUnavailable = true;
  return error;
}

function supported(engine) {
  return (
    Object.prototype.hasOwnProperty.call(WORKERS, engine) &&
    !!scriptUrl &&
    typeof Worker === "function" &&
    typeof WebAssembly === "object" &&
    typeof WebAssembly.instantiate === "function" &&
    typeof Blob === "function" &&
    typeof URL.createObjectURL === "function"
  );
}

function newWorker(engine) {
  return new Worker(new URL(WORKERS[engine], scriptUrl).href);
}

/**
 * One job on `worker`. `handle(message, control)` sees every message; control.arm(seconds, onTimeout) sets the clock,
 * control.finish(value) resolves. Worker death ends the job through onDeath(message).
 */
function converse(worker, job, handle, onDeath) {
  return new Promise((resolve, reject) => {
    let timer = null;
    let done = false;
    const settle = (callback, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      worker.onmessage = worker.onerror = worker.onmessageerror = null;
      callback(value);
    };
    const control = {
      // On timeout the worker is terminated; onTimeout's value resolves the job (or what it throws rejects it).
      arm(seconds, onTimeout) {
        clearTimeout(timer);
        timer = setTimeout(() => {
          if (done) return;
          worker.terminate();
          try {
            settle(resolve, onTimeout());
          } catch (error) {
            settle(reject, error);
          }
        }, seconds * 1000);
      },
      disarm() {
        clearTimeout(timer);
      },
      finish: (value) => settle(resolve, value),
      fail: (error) => settle(reject, error),
    };
    worker.onmessage = (event) => {
      if (!done) handle(event.data || {}, control);
    };
    const died = (event) => {
      if (event && event.preventDefault) event.preventDefault();
      worker.terminate();
      if (!done) onDeath(String((event && event.message) || "the worker stopped"), control);
    };
    worker.onerror = died;
    worker.onmessageerror = died;
    control.arm(LOAD_SECONDS, () => {
      throw unavailable("the engine did not start in time");
    });
    worker.postMessage({ type: "run", job });
  });
}

function notRunAfter(index, count) {
  const rest = [];
  for (let later = index + 1; later < count; later++) rest.push(unrunResult(later, "NR", NOT_RUN_AFTER_LIMIT));
  return rest;
}

function crashResult(index, message, limits) {
  const memory = /memory/i.test(message);
  return unrunResult(
    index,
    memory ? "MLE" : "RE",
    memory ? memoryMessage(limits) : `The browser's engine stopped while this test ran: ${message}`
  );
}

function report(onProgress, fraction, text) {
  try {
    onProgress?.(Math.max(0, Math.min(1, fraction)), text);
  } catch {
    // the caller's callback is not our failure
  }
}

// --- Python: one warm worker, all tests in one job --------------------------------------------------------------

async function runPython(options, limits) {
  const tests = options.tests || [];
  const worker = warm.python || (warm.python = newWorker("python"));
  const results = [];
  const forget = () => {
    if (warm.python === worker) delete warm.python;
  };
  let current = null;
  let loaded = false;
  const stopAt = (index, result) => ({
    engine: "python",
    engine_version: versions.python || null,
    tests: [...results.filter((r) => r.index < index), result, ...notRunAfter(index, tests.length)],
    stopped: "limit",
    compile_error: null,
  });
  return converse(
    worker,
    { source: options.source, tests, limits },
    (message, control) => {
      if (message.type === "progress") {
        if (message.phase === "loading") report(options.onProgress, 0.8 * message.fraction, message.text);
        else if (message.phase === "ready") {
          loaded = true;
          versions.python = message.version;
          control.disarm();
        } else if (message.phase === "start") {
          current = message.index;
          report(options.onProgress, 0.8 + (0.2 * message.index) / Math.max(tests.length, 1), `Running test ${message.index + 1} of ${tests.length}…`);
          control.arm(limits.wall_seconds, () => {
            forget();
            return stopAt(current, { ...unrunResult(current, "TLE", timeoutMessage(limits)), wall_ms: Math.round(limits.wall_seconds * 1000) });
          });
        } else if (message.phase === "test") {
          control.disarm();
          current = null;
          results.push(message.result);
        }
      } else if (message.type === "result") {
        report(options.onProgress, 1, "Done.");
        const compileError = message.tests.find((test) => test.compile_error)?.compile_error ?? null;
        const stopped = message.tests.some(hitLimit) && message.tests.some((test) => test.verdict === "NR") ? "limit" : null;
        control.finish({ engine: "python", engine_version: versions.python, tests: message.tests, stopped, compile_error: compileError });
      } else if (message.type === "error") {
        forget();
        worker.terminate();
        if (message.engineUnavailable || !loaded) control.fail(unavailable(message.message));
        else if (current !== null) control.finish(stopAt(current, crashResult(current, message.message, limits)));
        else control.fail(new Error(message.message));
      }
    },
    (text, control) => {
      forget();
      if (!loaded) control.fail(unavailable(`Python could not be started: ${text}`));
      else if (current !== null) control.finish(stopAt(current, crashResult(current, text, limits)));
      else control.fail(new Error(`the Python engine stopped: ${text}`));
    }
  ).catch((error) => {
    forget();
    worker.terminate();
    throw error;
  });
}

// --- JavaScript: a fresh worker per test ------------------------------------------------------------------------

async function runJavaScript(options, limits) {
  const tests = options.tests || [];
  const results = [];
  for (let index = 0; index < tests.length; index++) {
    report(options.onProgress, index / tests.length, `Running test ${index + 1} of ${tests.length}…`);
    const worker = newWorker("javascript");
    let started = false;
    const outcome = await converse(
      worker,
      { source: options.source, test: tests[index], index, limits },
      (message, control) => {
        if (message.type === "progress" && message.phase === "ready") {
          versions.javascript = message.version;
          // The compile check runs before "start": it gets the test's clock too.
          control.arm(limits.wall_seconds, () => ({ timedOut: true }));
        } else if (message.type === "progress" && message.phase === "start") {
          started = true;
          control.arm(limits.wall_seconds, () => ({ timedOut: true }));
        } else if (message.type === "result") {
          control.finish({ tests: message.tests });
        } else if (message.type === "error") {
          control.finish(started ? { crashed: message.message } : { unavailable: message.message });
        }
      },
      (text, control) => control.finish(started ? { crashed: text } : { unavailable: text })
    );
    worker.terminate();
    if (outcome.unavailable) throw unavailable(`JavaScript could not be started: ${outcome.unavailable}`);
    let result;
    if (outcome.timedOut) {
      result = { ...unrunResult(index, "TLE", timeoutMessage(limits)), wall_ms: Math.round(limits.wall_seconds * 1000) };
    } else if (outcome.crashed) {
      result = crashResult(index, outcome.crashed, limits);
    } else {
      result = outcome.tests[0];
      if (result.verdict === "CE") {
        report(options.onProgress, 1, "Done.");
        return {
          engine: "javascript",
          engine_version: versions.javascript,
          tests: tests.map((_, i) => ({ ...result, index: i })),
          stopped: null,
          compile_error: result.compile_error ?? null,
        };
      }
    }
    results.push(result);
    if (hitLimit(result) || outcome.crashed) {
      report(options.onProgress, 1, "Done.");
      return {
        engine: "javascript",
        engine_version: versions.javascript,
        tests: [...results, ...notRunAfter(index, tests.length)],
        stopped: index + 1 < tests.length ? "limit" : null,
        compile_error: null,
      };
    }
  }
  report(options.onProgress, 1, "Done.");
  return { engine: "javascript", engine_version: versions.javascript || null, tests: results, stopped: null, compile_error: null };
}

// --- SQLite: one warm worker, one query per job ------------------------------------------------------------------

async function runSqlite(options, limits) {
  const worker = warm.sqlite || (warm.sqlite = newWorker("sqlite"));
  const forget = () => {
    if (warm.sqlite === worker) delete warm.sqlite;
  };
  let loaded = false;
  let phase = null;
  const failure = (verdict, error) => ({
    engine: "sqlite",
    engine_version: versions.sqlite || null,
    result: { verdict, error, columns: [], rows: [], row_count: 0, truncated: false, ordered: false, wall_ms: 0 },
  });
  return converse(
    worker,
    { seedSql: options.seedSql ?? "", query: options.query ?? "", limits },
    (message, control) => {
      if (message.type === "progress") {
        if (message.phase === "loading") report(options.onProgress, 0.8 * message.fraction, message.text);
        else if (message.phase === "ready") {
          loaded = true;
          versions.sqlite = message.version;
          control.disarm();
        } else if (message.phase === "start") {
          phase = message.index;
          report(options.onProgress, 0.9, phase === -1 ? "Preparing the data…" : "Running the query…");
          control.arm(limits.wall_seconds, () => {
            forget();
            return phase === -1
              ? failure("RE", "the seed SQL failed: the seed SQL took too long")
              : failure("TLE", `The query did not finish within ${formatG(Number(limits.wall_seconds))} s.`);
          });
        }
      } else if (message.type === "result") {
        report(options.onProgress, 1, "Done.");
        control.finish({ engine: "sqlite", engine_version: versions.sqlite, result: message.result });
      } else if (message.type === "error") {
        forget();
        worker.terminate();
        control.fail(message.engineUnavailable || !loaded ? unavailable(message.message) : new Error(message.message));
      }
    },
    (text, control) => {
      forget();
      if (!loaded) control.fail(unavailable(`SQLite could not be started: ${text}`));
      else control.finish(/memory/i.test(text) ? failure("MLE", "The query ran out of memory.") : failure("RE", `the engine failed: ${text}`));
    }
  ).catch((error) => {
    forget();
    worker.terminate();
    throw error;
  });
}

const RUNNERS = { python: runPython, javascript: runJavaScript, sqlite: runSqlite };

function run(options) {
  const engine = options && options.engine;
  if (!supported(engine)) return Promise.reject(unavailable(`${engine} cannot run in this browser`));
  const limits = limitsOf(options.limits);
  const previous = queues[engine] || Promise.resolve();
  const next = previous.catch(() => {}).then(() => RUNNERS[engine](options, limits));
  queues[engine] = next;
  return next;
}

function engineVersion(engine) {
  return versions[engine] || null;
}

window.CodeCapsuleBrowserRun = { supported, run, engineVersion };
