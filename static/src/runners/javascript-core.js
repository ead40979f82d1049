// JavaScript tests with the server judge's conventions (judges/runtimes/javascript.py, javascript_runner.js), for a
// browser Web Worker (javascript-worker.js: a fresh Worker per test) and Node.js (node-run.mjs: a vm context per test).
//
// 1. The source is compiled first as a classic script: a SyntaxError makes every test CE, "Compilation failed: <first
//    line of the error>".
// 2. Each test gets a fresh global scope (the realm: a new Worker, or a new vm context), then runs the source and the
//    test's call as two scripts of that scope ("/home/learner/solution.js" and "test.js", the server's names), so
//    top-level let/const/class of the source are visible to the call, as on the server.
// 3. console.log/info/debug write to stdout, console.error/warn/trace to stderr, formatted by node-format.js as Node 20
//    formats them; each stream is capped at limits.output_bytes (past it: OLE). process.stdout.write,
//    process.exit(code) and process.exitCode work as in Node.
// 4. A test is over when its code and the timers it set have finished (the server waits for Node's event loop to
//    empty). An uncaught error, thrown at once, from a timer or an unhandled rejection, ends the test with status 1 and
//    its stack on stderr (the runner's own frames left out): RE. process.exit(n): n. Output compared by compare.js.
//
// What the learner's code sees differs from the server's Node in these ways: `require` knows only "util" (and
// "node:util"), there is no Buffer, `process` is a small stand-in (stdout, stderr, exit, exitCode, argv, env,
// nextTick, platform, version), and in a browser the other globals are the Worker's (fetch, ...). The wall-clock
// limit is the caller's: it terminates the Worker or thread that runs a test for too long (TLE).
import { format, inspect } from "./node-format.js";
import { CappedOutput, limitsOf, testResult, unrunResult } from "./verdicts.js";

export const SOURCE_FILE = "/home/learner/solution.js";
export const TEST_FILE = "test.js";

const OWN_FRAMES = /(node:|javascript-core|javascript-worker|node-run|node-format|runners\/)/;

class Stop extends Error {} // the test is over: process.exit, or the output passed its cap

/** The text of an uncaught error, as the server's runner prints it (describe in javascript_runner.js). */
export function describe(error) {
  if (error instanceof Error || (error && typeof error.stack === "string")) {
    const lines = String(error.stack).split("\n");
    return lines.filter((line) => !(/^\s+at /.test(line) && OWN_FRAMES.test(line.replace(/^\s+at /, "")))).join("\n");
  }
  return "Uncaught " + inspect(error);
}

function firstLine(text) {
  const line = text.split(/\r\n|\r|\n/).find((candidate) => candidate.trim());
  return line ? Array.from(line.trim()).slice(0, 300).join("") : "";
}

/**
 * Compile check: null, or {message, compile_error} for a program that does not compile.
 * host.compile(source, filename) throws the engine's SyntaxError.
 */
export function compileJavaScript(host, source) {
  try {
    host.compile(source, SOURCE_FILE);
    return null;
  } catch (error) {
    const text = host.rewriteStack ? host.rewriteStack(describe(error)) : describe(error);
    const first = firstLine(text);
    return { message: "Compilation failed" + (first ? `: ${first}` : "."), compile_error: text + "\n" };
  }
}

/** CE results for every test of a program that did not compile. */
export function compileErrorResults(tests, failure) {
  return tests.map((_, index) => ({ ...unrunResult(index, "CE", failure.message), compile_error: failure.compile_error }));
}

/**
 * One test in `realm` (a fresh global scope): {global, run(code, filename), onUnhandledRejection(handler) → remove,
 * setTimeout, clearTimeout (the host's own timers, never the learner's), rewriteStack(text) (optional)}.
 */
export async function runJavaScriptTest(realm, source, test, index, options = {}) {
  const limits = limitsOf(options.limits);
  const out = new CappedOutput(limits.output_bytes);
  const err = new CappedOutput(limits.output_bytes);
  const started = performance.now();
  const state = { exitCode: null, failed: false, over: false, pending: new Map(), nextId: 1, groupIndent: "" };
  let wake = null; // resolves the wait below when something changes

  function changed() {
    if (wake) {
      const resolve = wake;
      wake = null;
      resolve();
    }
  }

  function write(stream, text) {
    if (state.over) throw new Stop();
    if (!stream.write(text)) {
      state.over = true;
      changed();
      throw new Stop();
    }
  }

  function fail(error) {
    if (state.over) return;
    if (error instanceof Stop) {
      state.over = true;
    } else {
      const text = describe(error);
      err.write((realm.rewriteStack ? realm.rewriteStack(text) : text) + "\n");
      state.failed = true;
      state.over = true;
    }
    changed();
  }

  // --- console, as Node's Console writes (group indentation included) ---
  const line = (stream) => (...args) => {
    let text = format(...args);
    if (state.groupIndent) text = state.groupIndent + text.replaceAll("\n", `\n${state.groupIndent}`);
    write(stream, text + "\n");
  };
  const counts = new Map();
  const timers = new Map();
  const console = {
    log: line(out),
    info: line(out),
    debug: line(out),
    error: line(err),
    warn: line(err),
    dir: (value, opts) => write(out, (state.groupIndent || "") + inspect(value, { customInspect: false, ...opts }) + "\n"),
    table: line(out),
    trace: (...args) => {
      const stack = new Error().stack.split("\n").slice(2).filter((l) => !OWN_FRAMES.test(l));
      line(err)(["Trace" + (args.length ? ": " + format(...args) : ""), ...stack].join("\n"));
    },
    assert: (condition, ...args) => {
      if (!condition) {
        args[0] = `Assertion failed${args.length === 0 ? "" : `: ${args[0]}`}`;
        line(err)(...args);
      }
    },
    group: (...args) => {
      if (args.length) line(out)(...args);
      state.groupIndent += "  ";
    },
    groupEnd: () => {
      state.groupIndent = state.groupIndent.slice(0, Math.max(0, state.groupIndent.length - 2));
    },
    count: (label = "default") => {
      label = `${label}`;
      const count = (counts.get(label) || 0) + 1;
      counts.set(label, count);
      line(out)(`${label}: ${count}`);
    },
    countReset: (label = "default") => counts.delete(`${label}`),
    time: (label = "default") => timers.set(`${label}`, performance.now()),
    timeLog: (label = "default", ...data) => {
      const start = timers.get(`${label}`);
      if (start !== undefined) line(out)(`${label}: ${formatMs(performance.now() - start)}`, ...data);
    },
    timeEnd: (label = "default") => {
      const start = timers.get(`${label}`);
      if (start !== undefined) {
        timers.delete(`${label}`);
        line(out)(`${label}: ${formatMs(performance.now() - start)}`);
      }
    },
  };
  console.groupCollapsed = console.group;

  // --- timers: tracked, so the test ends when none is left (and none fires into another test) ---
  function schedule(kind, callback, delay, args) {
    if (typeof callback !== "function") {
      const error = new TypeError(`The "callback" argument must be of type function. Received ${inspect(callback)}`);
      error.code = "ERR_INVALID_ARG_TYPE";
      throw error;
    }
    const id = state.nextId++;
    const ms = Math.max(1, Number(delay) || 0);
    const fire = () => {
      if (state.over || !state.pending.has(id)) return;
      if (kind !== "interval") state.pending.delete(id);
      else state.pending.set(id, realm.setTimeout(fire, ms));
      try {
        callback(...args);
      } catch (error) {
        fail(error);
      }
      changed();
    };
    state.pending.set(id, realm.setTimeout(fire, kind === "immediate" ? 0 : ms));
    return id;
  }
  function cancel(id) {
    if (state.pending.has(id)) {
      realm.clearTimeout(state.pending.get(id));
      state.pending.delete(id);
      changed();
    }
  }

  const stdoutStream = { write: (chunk) => (write(out, typeof chunk === "string" ? chunk : String(chunk)), true), isTTY: false };
  const stderrStream = { write: (chunk) => (write(err, typeof chunk === "string" ? chunk : String(chunk)), true), isTTY: false };
  const process = {
    argv: ["/usr/bin/node", SOURCE_FILE],
    env: {},
    platform: "linux",
    version: options.nodeVersion || "v20",
    stdout: stdoutStream,
    stderr: stderrStream,
    exit(code) {
      state.exitCode = code === undefined ? (process.exitCode ?? 0) : Number(code) & 0xff;
      state.over = true;
      changed();
      throw new Stop();
    },
    nextTick(callback, ...args) {
      Promise.resolve().then(() => {
        if (state.over) return;
        try {
          callback(...args);
        } catch (error) {
          fail(error);
        }
      });
    },
    exitCode: undefined,
  };
  const util = { format, inspect };
  const requireShim = (name) => {
    if (name === "util" || name === "node:util") return util;
    const error = new Error(`Cannot find module '${name}'`);
    error.code = "MODULE_NOT_FOUND";
    throw error;
  };
  const module = { exports: {}, filename: SOURCE_FILE, id: ".", loaded: false, children: [] };

  Object.assign(realm.global, {
    console,
    process,
    require: requireShim,
    module,
    exports: module.exports,
    __filename: SOURCE_FILE,
    __dirname: "/home/learner",
    setTimeout: (callback, delay, ...args) => schedule("timeout", callback, delay, args),
    setInterval: (callback, delay, ...args) => schedule("interval", callback, delay, args),
    setImmediate: (callback, ...args) => schedule("immediate", callback, 0, args),
    clearTimeout: cancel,
    clearInterval: cancel,
    clearImmediate: cancel,
  });
  for (const name of ["setTimeout", "setInterval", "setImmediate", "clearTimeout", "clearInterval", "clearImmediate"]) {
    Object.defineProperty(realm.global[name], "name", { value: name });
  }

  const removeRejectionHandler = realm.onUnhandledRejection((reason) => fail(reason));
  try {
    realm.run(source, SOURCE_FILE);
    realm.run(String(test.test_call ?? ""), TEST_FILE);
  } catch (error) {
    fail(error);
  }
  // Wait until the test is over: no timer left (and the microtasks and rejection events after the last one).
  while (!state.over) {
    await new Promise((resolve) => realm.setTimeout(resolve, 0));
    if (state.over || state.pending.size !== 0) {
      if (!state.over) await new Promise((resolve) => (wake = resolve));
      continue;
    }
    await new Promise((resolve) => realm.setTimeout(resolve, 0));
    if (state.pending.size === 0) break;
  }
  removeRejectionHandler();
  for (const handle of state.pending.values()) realm.clearTimeout(handle);
  state.pending.clear();
  state.over = true;

  let exitCode = state.exitCode ?? (state.failed ? 1 : Number(process.exitCode || 0) & 0xff);
  if (state.failed) exitCode = 1;
  const run = {
    exitCode,
    stdout: out.text(),
    stderr: err.text(),
    stdoutTruncated: out.truncated,
    stderrTruncated: err.truncated,
    memoryError: false,
    timedOut: false,
    wallMs: performance.now() - started,
  };
  return testResult(index, run, test, limits);
}

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`;
}

/** All tests, each in a realm of its own from host.newRealm() (Node: a vm context). */
export async function runJavaScriptTests(host, source, tests, options = {}) {
  const failure = compileJavaScript(host, source);
  if (failure) {
    const results = compileErrorResults(tests, failure);
    for (const result of results) options.onResult?.(result);
    return results;
  }
  const results = [];
  for (let index = 0; index < tests.length; index++) {
    options.onStart?.(index);
    const realm = host.newRealm();
    const result = await runJavaScriptTest(realm, source, tests[index], index, options);
    realm.dispose?.();
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
