// The runner of JavaScript CODE programs (judges/runtimes/harness.py, "Runners"): every test of a program
// in this one Node process, each in a fresh V8 context.
//
//   node javascript_runner.js solution.js
//
// The learner's code is compiled once (a SyntaxError is the program's compile error), then every test runs
// it again in a new context, followed by the test's call: a test starts with its own global object and its
// own built-ins (Object, Array, Math, ...), so globals and patched built-ins never reach the next test. The
// context gets Node's globals (console, require, process, Buffer, timers, module, exports, ...) as a
// CommonJS script has them. A test is over when its code and everything it scheduled have finished; an
// uncaught error ends it with status 1 and, since what it scheduled may still be pending, ends this process
// too ("last"): the harness starts a new runner for the next test. So does process.exit().
//
// Node's own modules (require("fs"), ...) are this process's, shared by the tests of the program: the only
// state a test can leave behind, and only for the tests of the same job.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const util = require("node:util");
const vm = require("node:vm");
const { Console } = require("node:console");
const { createRequire } = require("node:module");
const { Writable } = require("node:stream");

const FRAMES = 3;
const TESTS = 4;
const sourceFile = path.resolve(process.argv[2]);

function frame(line) {
  fs.writeSync(FRAMES, line + "\n");
}

function writeAll(fd, text) {
  const data = Buffer.isBuffer(text) ? text : Buffer.from(String(text));
  let offset = 0;
  while (offset < data.length) {
    offset += fs.writeSync(fd, data, offset);
  }
}

// --- reading tests: "<length>\n<payload>" on fd 4 ----------------------------------------------------

let pending = Buffer.alloc(0);

function readMore() {
  const chunk = Buffer.alloc(65536);
  let count;
  for (;;) {
    try {
      count = fs.readSync(TESTS, chunk, 0, chunk.length, null);
      break;
    } catch (error) {
      if (error.code !== "EAGAIN" && error.code !== "EINTR") throw error;
    }
  }
  if (count === 0) return false;
  pending = Buffer.concat([pending, chunk.subarray(0, count)]);
  return true;
}

function nextTest() {
  let newline;
  while ((newline = pending.indexOf(10)) < 0) {
    if (!readMore()) return null;
  }
  const length = Number(pending.subarray(0, newline).toString());
  while (pending.length < newline + 1 + length) {
    if (!readMore()) return null;
  }
  const payload = pending.subarray(newline + 1, newline + 1 + length).toString();
  pending = pending.subarray(newline + 1 + length);
  return payload;
}

// --- errors, printed as Node prints an uncaught one ----------------------------------------------------

const OWN_FRAMES = /\(?(node:|.*javascript_runner\.js)/;

function describe(error) {
  if (error instanceof Error || (error && typeof error.stack === "string")) {
    const lines = String(error.stack).split("\n");
    return lines.filter((line) => !(/^\s+at /.test(line) && OWN_FRAMES.test(line.replace(/^\s+at /, "")))).join("\n");
  }
  return "Uncaught " + util.inspect(error);
}

// --- one test --------------------------------------------------------------------------------------------

// Written through at once (an idle Writable calls write() synchronously): the frame that ends a test comes
// after its last byte of output.
function stream(fd) {
  return new Writable({
    write(chunk, encoding, done) {
      writeAll(fd, chunk);
      done();
    },
  });
}

const output = { stdout: stream(1), stderr: stream(2) };

// The timers a test set: those still set when it ends (unref'd ones do not keep a program alive) are cleared, so
// none fires into the next test.
const timers = new Set();

function tracked(set, clear) {
  const wrapped = function (...args) {
    const handle = set(...args);
    timers.add([handle, clear]);
    return handle;
  };
  return Object.defineProperty(wrapped, "name", { value: set.name });
}

function clearTimers() {
  for (const [handle, clear] of timers) clear(handle);
  timers.clear();
}

function contextFor() {
  const console = new Console({ stdout: output.stdout, stderr: output.stderr, colorMode: false });
  const module = { exports: {}, filename: sourceFile, id: ".", path: path.dirname(sourceFile), loaded: false, children: [] };
  return vm.createContext({
    console,
    process,
    Buffer,
    require: createRequire(sourceFile),
    module,
    exports: module.exports,
    __filename: sourceFile,
    __dirname: path.dirname(sourceFile),
    setTimeout: tracked(setTimeout, clearTimeout),
    clearTimeout,
    setInterval: tracked(setInterval, clearInterval),
    clearInterval,
    setImmediate: tracked(setImmediate, clearImmediate),
    clearImmediate,
    queueMicrotask,
    structuredClone,
    TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    AbortController,
    AbortSignal,
    atob,
    btoa,
    performance,
  });
}

let program = null;

// A test is over when Node's event loop is empty ("beforeExit": the moment a script run as a program would
// end), so whatever it scheduled (timers, promises, I/O) has run. Then the next test starts from there.
function startNextTest() {
  const call = nextTest();
  if (call === null) process.exit(0);
  process.exitCode = undefined;
  try {
    const context = contextFor();
    program.runInContext(context);
    new vm.Script(call, { filename: "test.js" }).runInContext(context);
  } catch (error) {
    failed(error);
  }
}

function finishTest() {
  clearTimers();
  frame(`done ${Number(process.exitCode || 0) & 0xff}`);
  // From the event loop, not from this listener: Node emits "beforeExit" again only if the loop ran again.
  setImmediate(startNextTest);
}

// An uncaught error ends the test as it would end a program: at once, status 1. What the test scheduled may
// still be pending, so this process ends with it ("last") and the next test gets a new one.
function failed(error) {
  writeAll(2, describe(error) + "\n");
  frame("done 1 last");
  process.exit(0);
}

function main() {
  try {
    program = new vm.Script(fs.readFileSync(sourceFile, "utf8"), { filename: sourceFile });
  } catch (error) {
    writeAll(2, describe(error) + "\n");
    frame("compile-error");
    process.exit(0);
  }
  process.on("uncaughtException", failed);
  process.on("unhandledRejection", failed);
  process.on("beforeExit", finishTest);
  frame("ready");
  startNextTest();
}

main();
