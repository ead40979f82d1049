// Python tests on Pyodide, with the server judge's conventions (judges/runtimes/python.py and harness.py,
// python mode). Runs unchanged in a browser Web Worker (python-worker.js) and in Node.js (node-run.mjs).
//
//   const results = await runPythonTests(pyodide, source, tests, {limits, onResult});
//
// 1. The source is compiled once as "solution.py": a SyntaxError (or ValueError, e.g. a null byte) makes every test
//    CE with the server's message, "Compilation failed: <first line of the compiler's output>".
// 2. Each test runs in a fresh module named "__main__" (a new dict of globals, sys.modules["__main__"] replaced):
//    exec(source) then exec(test_call), the call compiled as "<test N>". Nothing defined by one test reaches the next.
//    stdin is empty (input() raises EOFError), sys.argv is ["solution.py"]. stdout and stderr are captured per test,
//    each capped at limits.output_bytes: past it the program is stopped and the test is OLE.
// 3. SystemExit(0 or None) is a clean exit; another status is RE ("The program exited with status N: ...").
//    An uncaught exception prints its traceback to stderr like the server (the runner's own frames left out) and
//    the test is RE; MemoryError is MLE. Files a test adds to the working directory or /tmp are removed after it.
// 4. The output is compared with compare.js (a port of judges/runtimes/compare.py): AC or WA.
//
// Not covered here (the caller, which owns the clock, does it): the wall-clock limit. A test that does not end is
// stopped from outside (the worker is terminated): TLE, and the tests after it are NR, as on the server.
import { CappedOutput, NOT_RUN_AFTER_LIMIT, hitLimit, limitsOf, testResult, unrunResult } from "./verdicts.js";

// Runs inside Pyodide, once per interpreter. Its own frames are left out of tracebacks (by file name).
const RUNNER = String.raw`
import builtins, io, linecache, os, shutil, sys, traceback, types

_RUNNER_FILE = (lambda: None).__code__.co_filename
_MEMORY_EXIT = 202
_state = {}


class _OutputLimit(BaseException):
    """Raised into the program once a stream passed its cap (the server kills the process there)."""


class _Sink(io.RawIOBase):
    """Bytes written to a stream, counted against the cap; sys.stdout.buffer writes here too."""

    def __init__(self, cap):
        self.cap, self.size, self.parts, self.truncated = cap, 0, [], False

    def writable(self):
        return True

    def write(self, data):
        data = bytes(data)
        if self.truncated:
            raise _OutputLimit()
        room = self.cap - self.size
        if len(data) > room:
            self.parts.append(data[:room])
            self.size, self.truncated = self.cap, True
            raise _OutputLimit()
        self.parts.append(data)
        self.size += len(data)
        return len(data)

    def text(self):
        return b"".join(self.parts).decode("utf-8", "replace")


class _Stream(io.TextIOBase):
    """A text stream over a _Sink, written through at once (the server's streams are files: utf-8, backslashreplace)."""

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, sink, name):
        self.buffer, self._name = sink, name

    @property
    def name(self):
        return self._name

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.buffer.write(text.encode("utf-8", "backslashreplace"))
        return len(text)

    def flush(self):
        pass


def compile_source(source):
    """None if the source compiles, else the compiler's message (traceback.format_exception_only)."""
    _state.clear()
    try:
        _state["code"] = compile(source, "solution.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return "".join(traceback.format_exception_only(type(exc), exc))
    _state["source"] = source
    return None


def _exit_code(exc, stderr):
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    try:
        stderr.write(f"{exc.code}\n")
    except BaseException:
        pass
    return 1


def _entries(directory):
    try:
        return set(os.listdir(directory))
    except OSError:
        return set()


def _remove_new(directory, before):
    for name in _entries(directory) - before:
        path = os.path.join(directory, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


def run_test(index, call, cap):
    """Run the compiled source, then this test's call, in a fresh __main__; what happened, as a dict."""
    out, err = _Sink(cap), _Sink(cap)
    stdout, stderr = _Stream(out, "<stdout>"), _Stream(err, "<stderr>")
    result = {"exit_code": 0, "memory_error": False}
    try:
        test = compile(call, f"<test {index + 1}>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        err.parts.append("".join(traceback.format_exception_only(type(exc), exc)).encode())
        result["exit_code"] = 1
        test = None
    if test is not None:
        program, source = _state["code"], _state["source"]
        cwd = os.getcwd()
        before = {cwd: _entries(cwd), "/tmp": _entries("/tmp")}
        saved = (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__, sys.__stderr__, sys.argv, sys.modules.get("__main__"))
        sys.stdin = sys.__stdin__ = io.StringIO("")
        sys.stdout = sys.__stdout__ = stdout
        sys.stderr = sys.__stderr__ = stderr
        sys.argv = [program.co_filename]
        module = types.ModuleType("__main__")
        module.__builtins__ = builtins
        sys.modules["__main__"] = module
        try:
            try:
                exec(program, module.__dict__)
                exec(test, module.__dict__)
            except SystemExit as exc:
                result["exit_code"] = _exit_code(exc, stderr)
            except _OutputLimit:
                result["exit_code"] = 1
            except MemoryError:
                err.truncated or err.parts.append(b"MemoryError: the program ran out of memory\n")
                result["exit_code"], result["memory_error"] = _MEMORY_EXIT, True
            except BaseException as exc:
                linecache.cache[program.co_filename] = (len(source), None, source.splitlines(True), program.co_filename)
                tb = exc.__traceback__
                while tb is not None and tb.tb_frame.f_code.co_filename == _RUNNER_FILE:
                    tb = tb.tb_next
                try:
                    traceback.print_exception(type(exc), exc, tb, file=stderr)
                except _OutputLimit:
                    pass
                except MemoryError:
                    result["memory_error"] = True
                except BaseException:
                    try:
                        stderr.write(f"{type(exc).__name__}: (the error could not be printed)\n")
                    except BaseException:
                        pass
                result["exit_code"] = _MEMORY_EXIT if result["memory_error"] else 1
        finally:
            (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__, sys.__stderr__, sys.argv, main) = saved
            if main is not None:
                sys.modules["__main__"] = main
            del module
            for directory, names in before.items():
                _remove_new(directory, names)
            os.chdir(cwd)
    result.update(stdout=out.text(), stderr=err.text(), stdout_truncated=out.truncated, stderr_truncated=err.truncated)
    return result
`;

const runners = new WeakMap(); // pyodide → its runner module

function runnerFor(pyodide) {
  let runner = runners.get(pyodide);
  if (!runner) {
    runner = pyodide.runPython(
      `import types\n_m = types.ModuleType("_codecapsule_runner")\n` +
        `exec(compile(_source, "/judge/harness.py", "exec"), _m.__dict__)\n_m`,
      { globals: pyodide.toPy({ _source: RUNNER }) }
    );
    runners.set(pyodide, runner);
  }
  return runner;
}

function firstLine(text) {
  const line = text.split(/\r\n|\r|\n/).find((candidate) => candidate.trim());
  return line ? Array.from(line.trim()).slice(0, 300).join("") : "";
}

/** "Python 3.11.3" */
export function pythonVersion(pyodide) {
  return "Python " + pyodide.runPython("import platform; platform.python_version()");
}

/**
 * Runs `tests` ([{test_call, expected_output, compare, tolerance}]) against `source`.
 * options: {limits: {output_bytes, ...}, onResult(result), onStart(index), stopOnLimit (default true: after a test
 * that ran out of memory the rest are NR, as the server's Run does)}.
 * Returns one result per test: {index, verdict, exit_code, stdout, stderr, stdout_truncated, stderr_truncated,
 * message, wall_ms} (CE results also carry compile_error, the compiler's full message).
 */
export async function runPythonTests(pyodide, source, tests, options = {}) {
  const limits = limitsOf(options.limits);
  const runner = runnerFor(pyodide);
  const compileError = runner.compile_source(source);
  if (compileError != null) {
    const first = firstLine(compileError);
    const message = "Compilation failed" + (first ? `: ${first}` : ".");
    const results = tests.map((_, index) => ({ ...unrunResult(index, "CE", message), compile_error: compileError }));
    for (const result of results) options.onResult?.(result);
    return results;
  }
  const results = [];
  for (let index = 0; index < tests.length; index++) {
    options.onStart?.(index);
    const started = performance.now();
    const proxy = runner.run_test(index, String(tests[index].test_call ?? ""), limits.output_bytes);
    let raw;
    try {
      raw = proxy.toJs({ dict_converter: Object.fromEntries });
    } finally {
      proxy.destroy();
    }
    const run = {
      exitCode: raw.exit_code,
      stdout: raw.stdout,
      stderr: raw.stderr,
      stdoutTruncated: raw.stdout_truncated,
      stderrTruncated: raw.stderr_truncated,
      memoryError: raw.memory_error,
      timedOut: false,
      wallMs: performance.now() - started,
    };
    const result = testResult(index, run, tests[index], limits);
    results.push(result);
    options.onResult?.(result);
    if (hitLimit(result) && options.stopOnLimit !== false) {
      for (let later = index + 1; later < tests.length; later++) {
        const skipped = unrunResult(later, "NR", NOT_RUN_AFTER_LIMIT);
        results.push(skipped);
        options.onResult?.(skipped);
      }
      break;
    }
    // Let a worker's message loop breathe between tests (progress messages go out).
    await null;
  }
  return results;
}

export { CappedOutput };
