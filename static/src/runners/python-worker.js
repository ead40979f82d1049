// The Python engine's Web Worker (protocol: worker-protocol.js). Pyodide is loaded on the first job and kept warm for
// the next ones; each job: {source, tests, limits}. Built into static/vendor/runners/python-worker.js.
import { runPythonTests, pythonVersion } from "./python-core.js";
import { enginesUrl, errorText, lockNetwork, post } from "./worker-protocol.js";

let loading = null;
let version = null;

function load() {
  if (!loading) {
    loading = (async () => {
      const indexURL = enginesUrl("pyodide");
      post({ type: "progress", phase: "loading", fraction: 0.05, text: "Loading Python…" });
      self.importScripts(indexURL + "pyodide.js");
      post({ type: "progress", phase: "loading", fraction: 0.2, text: "Starting Python…" });
      const pyodide = await self.loadPyodide({ indexURL, stdout: () => {}, stderr: () => {} });
      version = pythonVersion(pyodide);
      lockNetwork(); // before any code of the learner's or the creator's runs
      post({ type: "progress", phase: "loading", fraction: 1, text: "Python is ready." });
      return pyodide;
    })();
    loading.catch(() => {
      loading = null; // a later job may try again
    });
  }
  return loading;
}

self.onmessage = async (event) => {
  const { type, job } = event.data || {};
  if (type !== "run") return;
  let pyodide;
  try {
    pyodide = await load();
  } catch (error) {
    post({ type: "error", message: `Python could not be loaded: ${errorText(error)}`, engineUnavailable: true });
    return;
  }
  post({ type: "progress", phase: "ready", version });
  try {
    const tests = await runPythonTests(pyodide, String(job.source ?? ""), job.tests || [], {
      limits: job.limits,
      onStart: (index) => post({ type: "progress", phase: "start", index }),
      onResult: (result) => post({ type: "progress", phase: "test", result }),
    });
    post({ type: "result", tests, engine_version: version });
  } catch (error) {
    // Pyodide itself failed (a fatal error leaves the interpreter unusable): the caller starts a new worker.
    post({ type: "error", message: `Python failed: ${errorText(error)}`, fatal: true });
  }
};
