// The JavaScript engine's Web Worker (protocol: worker-protocol.js): ONE test per worker, so that each test starts from
// a fresh global scope, as the server's fresh V8 context per test; browser-run.js starts a new worker for each test.
// job: {source, test, index, limits}. The source and the call run as two classic scripts (importScripts of blob:
// URLs), so they share the global lexical scope exactly as two scripts of one vm context do on the server.
// Built into static/vendor/runners/javascript-worker.js.
import { compileErrorResults, compileJavaScript, runJavaScriptTest } from "./javascript-core.js";
import { errorText, lockNetwork, post } from "./worker-protocol.js";

// The worker's own timers, taken before the learner's code replaces the globals.
const ownSetTimeout = self.setTimeout.bind(self);
const ownClearTimeout = self.clearTimeout.bind(self);
const ownImportScripts = self.importScripts.bind(self);
lockNetwork(); // the learner's code and the test calls run with no way to the network
const files = new Map(); // blob: URL → the file name it stands for in stack traces

function rewriteStack(text) {
  for (const [url, name] of files) text = text.split(url).join(name);
  return text;
}

const host = {
  // Parsed as a script without running it: the source inside a block that never runs, in a direct eval (a `return`
  // or `await` at the top level is an error, as in a script). A "use strict" at its top is not a directive there.
  compile(source) {
    new Function("source", "eval('if (false) {\\n' + source + '\\n}');")(source);
  },
  rewriteStack,
};

const realm = {
  global: self,
  run(code, filename) {
    const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    files.set(url, filename);
    ownImportScripts(url);
  },
  onUnhandledRejection(handler) {
    const listener = (event) => {
      event.preventDefault();
      handler(event.reason);
    };
    self.addEventListener("unhandledrejection", listener);
    return () => self.removeEventListener("unhandledrejection", listener);
  },
  setTimeout: ownSetTimeout,
  clearTimeout: ownClearTimeout,
  rewriteStack,
};

self.onmessage = async (event) => {
  const { type, job } = event.data || {};
  if (type !== "run") return;
  self.onmessage = null; // one job per worker
  post({ type: "progress", phase: "ready", version: browserName(navigator.userAgent) });
  try {
    const failure = compileJavaScript(host, String(job.source ?? ""));
    if (failure) {
      post({ type: "result", tests: compileErrorResults([job.test], failure).map((result) => ({ ...result, index: job.index })) });
      return;
    }
    post({ type: "progress", phase: "start", index: job.index });
    const result = await runJavaScriptTest(realm, String(job.source ?? ""), job.test, job.index, { limits: job.limits });
    post({ type: "result", tests: [result] });
  } catch (error) {
    post({ type: "error", message: `JavaScript failed: ${errorText(error)}`, fatal: true });
  }
};

/** "JavaScript in Chrome 156" from a user agent: the engine a learner reads about, not the whole string. */
function browserName(agent) {
  const found = /(Edg|Firefox|Chrome|Version)\/(\d+)/.exec(agent);
  if (!found) return "JavaScript in this browser";
  const name = { Edg: "Edge", Firefox: "Firefox", Chrome: "Chrome", Version: "Safari" }[found[1]];
  return `JavaScript in ${name} ${found[2]}`;
}
