// What the engine workers (python-worker.js, javascript-worker.js, sqlite-worker.js) and browser-run.js say to each
// other. Every worker is a classic Worker script in static/vendor/runners/ and answers one kind of message:
//
//   → {type: "run", job}
//   ← {type: "progress", phase: "loading", fraction, text}      the engine is being fetched and started
//   ← {type: "progress", phase: "ready", version}               the engine is up (engineVersion)
//   ← {type: "progress", phase: "start", index}                 test `index` starts (sqlite: -1 the seed, 0 the query)
//   ← {type: "progress", phase: "test", result}                 test result.index is over (python, javascript)
//   ← {type: "result", ...}                                     the job is over: python {tests}, javascript {tests}
//                                                               (one test), sqlite {result}
//   ← {type: "error", message, engineUnavailable}               the job could not run (engineUnavailable: the engine
//                                                               did not load; the caller falls back to the server)
//
// The caller keeps the clock: between "start" and the next "test"/"result" a test has limits.wall_seconds.

/* global __ENGINE_DIRS__ */
/** An engine's directory ("pyodide" → static/vendor/engines/pyodide-0.25.1/), relative to a worker's own URL
 * (static/vendor/runners/). The build names the directories after the packages' versions and defines
 * __ENGINE_DIRS__ (scripts/build-frontend.mjs). */
export function enginesUrl(name) {
  return new URL(`../engines/${__ENGINE_DIRS__[name]}/`, self.location.href).href;
}

export function post(message) {
  self.postMessage(message);
}

export function errorText(error) {
  return String((error && error.message) || error);
}

// What a worker's untrusted code (the learner's, and the creator's test calls that run beside it) could reach the
// network with. A worker runs on our origin: with fetch it could read a signed-in user's pages (and their CSRF
// token) and act as them. Once the engine is loaded, the worker needs none of these: lockNetwork() takes them away,
// from the global object and every prototype it inherits from, so no name reaches them.
const NETWORK = [
  "fetch", "XMLHttpRequest", "WebSocket", "WebTransport", "EventSource", "importScripts",
  "Worker", "SharedWorker", "BroadcastChannel", "caches", "indexedDB",
];  // prettier-ignore

export function lockNetwork() {
  for (let target = self; target; target = Object.getPrototypeOf(target)) {
    for (const name of NETWORK) {
      if (!Object.prototype.hasOwnProperty.call(target, name)) continue;
      try {
        delete target[name];
      } catch (error) {
        // not configurable: overwritten below
      }
      if (Object.prototype.hasOwnProperty.call(target, name)) {
        Object.defineProperty(target, name, { value: undefined, writable: false, configurable: false });
      }
    }
  }
}
