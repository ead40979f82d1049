// The server judge's verdict rules for one test (judges/runtimes/base.py, `classify` and `test_result`), for the
// engines that run in the browser or in node-run.mjs. Same order, same messages; what a browser cannot measure
// (CPU time, file sizes, a memory cgroup) is left out.
import { compareOutput, formatG } from "./compare.js";

export const STDERR_EXCERPT_CHARS = 4000;
export const DEFAULT_LIMITS = { wall_seconds: 5, output_bytes: 64 * 1024, max_rows: 1000 };
export const NOT_RUN_AFTER_LIMIT = "Not run: an earlier test ran out of time or memory, so the rest were not run.";

export function limitsOf(limits) {
  return { ...DEFAULT_LIMITS, ...(limits || {}) };
}

/** base.excerpt: head and tail when longer than `limit` characters (code points, as Python counts). */
export function excerpt(text, limit = STDERR_EXCERPT_CHARS) {
  if (text.length <= limit) return text;
  const points = Array.from(text);
  if (points.length <= limit) return text;
  const half = Math.floor(limit / 2);
  return `${points.slice(0, half).join("")}\n… [${points.length - limit} characters cut] …\n${points.slice(-half).join("")}`;
}

export function lastLine(text) {
  const lines = text
    .trim()
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.length ? Array.from(lines[lines.length - 1]).slice(0, 300).join("") : "";
}

export function memoryMessage(limits) {
  if (limits.address_space_mb != null && limits.heap_mb != null) {
    return (
      `The program ran out of memory (limit ${limits.address_space_mb} MB of address space, ` +
      `${limits.heap_mb} MB of heap where the runtime has one).`
    );
  }
  return "The program ran out of memory.";
}

export function timeoutMessage(limits) {
  return `The program did not finish within ${formatG(Number(limits.wall_seconds))} s (wall clock) and was stopped.`;
}

/**
 * One test's result from what its run did.
 * run: {exitCode, stdout, stderr, stdoutTruncated, stderrTruncated, timedOut, memoryError, wallMs}
 * spec: {expected_output, compare, tolerance}
 */
export function testResult(index, run, spec, limits) {
  let verdict = null;
  let message = "";
  if (run.stdoutTruncated || run.stderrTruncated) {
    const which = run.stdoutTruncated ? "standard output" : "standard error";
    verdict = "OLE";
    message = `The program wrote more than ${limits.output_bytes} bytes to ${which} and was stopped.`;
  } else if (run.timedOut) {
    verdict = "TLE";
    message = timeoutMessage(limits);
  } else if (run.memoryError) {
    verdict = "MLE";
    message = memoryMessage(limits);
  } else if (run.exitCode !== 0) {
    const last = lastLine(run.stderr);
    verdict = "RE";
    message = `The program exited with status ${run.exitCode}` + (last ? `: ${last}` : ".");
  } else {
    verdict = "AC";
    if (spec && spec.expected_output != null) {
      const comparison = compareOutput(run.stdout, spec.expected_output, spec.compare, spec.tolerance);
      if (!comparison.equal) {
        verdict = "WA";
        message = `Wrong output: ${comparison.message}.`;
      }
    }
  }
  return {
    index,
    verdict,
    exit_code: run.exitCode,
    stdout: run.stdout,
    stderr: excerpt(run.stderr),
    stdout_truncated: !!run.stdoutTruncated,
    stderr_truncated: !!run.stderrTruncated,
    message,
    wall_ms: Math.round(run.wallMs || 0),
  };
}

/** A test that never ran: CE (its program did not compile), NR (the run stopped first), ... */
export function unrunResult(index, verdict, message) {
  return {
    index,
    verdict,
    exit_code: null,
    stdout: "",
    stderr: "",
    stdout_truncated: false,
    stderr_truncated: false,
    message,
    wall_ms: 0,
  };
}

/** TLE and MLE stop a Run on the server (Budget.stop_on_limit): the tests after it are NR. */
export function hitLimit(result) {
  return result.verdict === "TLE" || result.verdict === "MLE";
}

/** A capped output stream: at most `cap` bytes of UTF-8 are kept; `truncated` once more was written. */
export class CappedOutput {
  constructor(cap) {
    this.cap = cap;
    this.size = 0;
    this.parts = [];
    this.truncated = false;
    this.encoder = new TextEncoder();
  }

  /** Returns false once the cap is passed (the caller stops the program). */
  write(text) {
    if (this.truncated) return false;
    const bytes = this.encoder.encode(String(text));
    const room = this.cap - this.size;
    if (bytes.length > room) {
      this.parts.push(bytes.subarray(0, room));
      this.size = this.cap;
      this.truncated = true;
      return false;
    }
    this.parts.push(bytes);
    this.size += bytes.length;
    return true;
  }

  text() {
    const all = new Uint8Array(this.size);
    let offset = 0;
    for (const part of this.parts) {
      all.set(part, offset);
      offset += part.length;
    }
    return new TextDecoder("utf-8").decode(all); // invalid bytes (a cut character) become U+FFFD, as on the server
  }
}
