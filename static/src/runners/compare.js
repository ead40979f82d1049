// Comparing a program's output with the expected output: a faithful port of judges/runtimes/compare.py, so that a
// Run in the browser says the same as the server judge. Keep the two in step.
//
// Three modes, chosen per test (`compare`):
// * "trim" (default): exact after normalizing line endings (CRLF and CR become LF), removing trailing whitespace at
//   the end of every line, and removing trailing blank lines/whitespace at the end.
// * "exact": equality of the decoded text (line endings included).
// * "numeric": the "trim" text split into whitespace-separated tokens; tokens that both parse as numbers are equal
//   when |actual - expected| <= tolerance * max(1, |expected|); any other token must match exactly, and the token
//   counts must agree.
//
// Python semantics kept here: whitespace is what str.isspace() calls whitespace, lengths count code points, float()
// accepts underscores, "inf", "nan", ...; messages quote text the way Python's repr() does and format the
// tolerance with "{:g}".

export const DEFAULT_TOLERANCE = 1e-6;
export const MODES = ["trim", "exact", "numeric"];

// str.isspace() / str.split() / str.rstrip() whitespace (Unicode White_Space plus the ASCII separators 0x1c-0x1f).
const WS = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TRAILING_WS = new RegExp(`[${WS}]+$`);
const WS_RUN = new RegExp(`[${WS}]+`);

export function rstrip(text) {
  return text.replace(TRAILING_WS, "");
}

export function pySplit(text) {
  return text.split(WS_RUN).filter((token) => token !== "");
}

/** The "trim" normal form. */
export function normalize(text) {
  text = text.replaceAll("\r\n", "\n").replaceAll("\r", "\n");
  return rstrip(
    text
      .split("\n")
      .map((line) => rstrip(line))
      .join("\n")
  );
}

/** {equal, message}: message is "" when equal, else where the first difference is, in one sentence. */
export function compareOutput(actual, expected, mode = "trim", tolerance = DEFAULT_TOLERANCE) {
  mode = mode == null || mode === "" ? "trim" : String(mode);
  if (!MODES.includes(mode)) throw new Error(`'${mode}' is not a valid CompareMode`);
  if (tolerance == null) tolerance = DEFAULT_TOLERANCE;
  if (mode === "exact") {
    if (actual === expected) return { equal: true, message: "" };
    return { equal: false, message: firstDifference(actual.split("\n"), expected.split("\n")) };
  }
  const left = normalize(actual);
  const right = normalize(expected);
  if (mode === "trim") {
    if (left === right) return { equal: true, message: "" };
    return { equal: false, message: firstDifference(left.split("\n"), right.split("\n")) };
  }
  return compareNumeric(pySplit(left), pySplit(right), Number(tolerance));
}

function firstDifference(actualLines, expectedLines) {
  const common = Math.min(actualLines.length, expectedLines.length);
  for (let i = 0; i < common; i++) {
    if (actualLines[i] !== expectedLines[i]) {
      return `line ${i + 1}: expected ${pyRepr(clip(expectedLines[i]))}, got ${pyRepr(clip(actualLines[i]))}`;
    }
  }
  if (actualLines.length < expectedLines.length) {
    const missing = expectedLines[actualLines.length];
    return `the output stops after ${actualLines.length} line(s); line ${actualLines.length + 1} should be ${pyRepr(clip(missing))}`;
  }
  if (actualLines.length > expectedLines.length) {
    return `the output has extra line(s) from line ${expectedLines.length + 1}: ${pyRepr(clip(actualLines[expectedLines.length]))}`;
  }
  return "the output differs in line endings or trailing whitespace";
}

function compareNumeric(actual, expected, tolerance) {
  const common = Math.min(actual.length, expected.length);
  for (let i = 0; i < common; i++) {
    const got = actual[i];
    const want = expected[i];
    if (got === want) continue;
    const a = pyFloat(got);
    const b = pyFloat(want);
    if (a !== null && b !== null) {
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      if (Math.abs(a - b) <= tolerance * Math.max(1.0, Math.abs(b))) continue;
      return {
        equal: false,
        message: `value ${i + 1}: expected ${want} (tolerance ${formatG(tolerance)}), got ${clip(got)}`,
      };
    }
    return { equal: false, message: `token ${i + 1}: expected ${pyRepr(clip(want))}, got ${pyRepr(clip(got))}` };
  }
  if (actual.length !== expected.length) {
    return { equal: false, message: `expected ${expected.length} value(s), got ${actual.length}` };
  }
  return { equal: true, message: "" };
}

// float(token) for a token without surrounding whitespace: decimal literals with optional underscores between
// digits, inf/infinity/nan in any case, with a sign. (Python also takes non-ASCII decimal digits: not covered.)
const DIGITS = "[0-9](?:_?[0-9])*";
const DECIMAL = new RegExp(`^[+-]?(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`);
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

export function pyFloat(token) {
  if (DECIMAL.test(token)) return Number.parseFloat(token.replaceAll("_", ""));
  const special = SPECIAL.exec(token);
  if (special) {
    if (special[2].toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  return null;
}

/** Python's format(x, "g") for a float. */
export function formatG(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa, exponentText] = x.toExponential(5).split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
    const sign = exponent < 0 ? "-" : "+";
    return `${digits}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const fixed = x.toFixed(Math.max(0, 5 - exponent));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

function clip(text, limit = 80) {
  const points = Array.from(text);
  return points.length <= limit ? text : points.slice(0, limit - 1).join("") + "…";
}

// Characters str.isprintable() rejects: categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs except the space.
const NOT_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

/** Python's repr() of a str. */
export function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    if (char === quote || char === "\\") out += "\\" + char;
    else if (char === "\t") out += "\\t";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (NOT_PRINTABLE.test(char)) {
      const code = char.codePointAt(0);
      if (code < 0x100) out += "\\x" + code.toString(16).padStart(2, "0");
      else if (code < 0x10000) out += "\\u" + code.toString(16).padStart(4, "0");
      else out += "\\U" + code.toString(16).padStart(8, "0");
    } else out += char;
  }
  return out + quote;
}
