// Canonical JSON of the evidence format (docs/evidence-format.md §3), for the /verify page.
//
// parseJSON keeps every number as its token (a Num), objects as Maps (a member named
// "__proto__" is a member like any other) and the last of duplicate members, as
// Python's json.loads does. canonical(value, form) writes format 2 (RFC 8785, JCS) or
// format 1 (Python's json.dumps form: code-point key order, floats in Python's repr,
// integers exact); it throws a CanonicalError for what the form refuses.

export class Num {
  constructor(token) {
    this.token = token;
    // Python reads a token without ".", "e" or "E" as an int, the others as floats.
    this.isInt = !/[.eE]/.test(token) && /^-?\d+$/.test(token);
  }
  get value() {
    return Number(this.token);
  }
}

export class CanonicalError extends Error {}

const MAX_SAFE = 2n ** 53n - 1n;

export function parseJSON(text) {
  let i = 0;
  const fail = (what) => {
    throw new SyntaxError(`${what} at character ${i}`);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    // Python's json.loads also reads NaN and ±Infinity (which no canonical form carries).
    for (const word of ["NaN", "Infinity", "-Infinity"]) {
      if (text.startsWith(word, i)) return (i += word.length), new Num(word);
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 4096));
    if (!m || !m[0] || m[0] === "-") fail("unexpected text");
    i += m[0].length;
    return new Num(m[0]);
  };
  const object = () => {
    const out = new Map();
    i++;
    ws();
    if (text[i] === "}") return i++, out;
    for (;;) {
      ws();
      if (text[i] !== '"') fail("expected a member name");
      const key = string();
      ws();
      if (text[i] !== ":") fail("expected ':'");
      i++;
      out.delete(key); // the last duplicate wins, in its own place
      out.set(key, value());
      ws();
      if (text[i] === ",") i++;
      else if (text[i] === "}") return i++, out;
      else fail("expected ',' or '}'");
    }
  };
  const array = () => {
    const out = [];
    i++;
    ws();
    if (text[i] === "]") return i++, out;
    for (;;) {
      out.push(value());
      ws();
      if (text[i] === ",") i++;
      else if (text[i] === "]") return i++, out;
      else fail("expected ',' or ']'");
    }
  };
  const string = () => {
    let out = "";
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) fail("unterminated string");
      if (c === '"') return i++, out;
      if (c < " ") fail("control character in a string");
      if (c === "\\") {
        const e = text[i + 1];
        const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail("bad escape");
      } else {
        out += c;
        i++;
      }
    }
  };
  const result = value();
  ws();
  if (i !== text.length) fail("extra data");
  return result;
}

// Plain JavaScript values (numbers as doubles, objects as plain objects).
export function toPlain(value) {
  if (value instanceof Num) return value.value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map) {
    const out = {};
    for (const [k, v] of value) Object.defineProperty(out, k, { value: toPlain(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

function escapeString(s) {
  if (typeof s.isWellFormed === "function" ? !s.isWellFormed() : /[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) {
    throw new CanonicalError("text that is not valid Unicode (a lone surrogate)");
  }
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

// Python's repr of a double (format 1): shortest round-trip digits, positional
// notation for decimal exponents -4 <= e < 16, else d.ddde±XX.
export function pythonFloatRepr(x) {
  if (!Number.isFinite(x)) throw new CanonicalError(`non-finite number ${x}`);
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expText] = x.toExponential().split("e");
  const sign = mant.startsWith("-") ? "-" : "";
  const digits = mant.replace("-", "").replace(".", "");
  const e = Number(expText);
  if (e >= -4 && e < 16) {
    if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
    const whole = digits.slice(0, e + 1).padEnd(e + 1, "0");
    const frac = digits.slice(e + 1) || "0";
    return `${sign}${whole}.${frac}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

function jcsNumber(token, isInt) {
  if (isInt) {
    const big = BigInt(token);
    if (big > MAX_SAFE || big < -MAX_SAFE) {
      throw new CanonicalError(`integer ${token} beyond ±(2^53 − 1)`);
    }
    return big.toString();
  }
  const x = Number(token);
  if (!Number.isFinite(x)) throw new CanonicalError(`non-finite number ${token}`);
  if (Math.abs(x) > Number(MAX_SAFE) && Math.abs(x) < 1e21) {
    throw new CanonicalError(`${token} is written as an integer beyond ±(2^53 − 1)`);
  }
  return String(x); // ECMAScript Number.prototype.toString: RFC 8785's numbers; -0 is "0"
}

function numberText(value, form) {
  const isNum = value instanceof Num;
  const token = isNum ? value.token : null;
  if (form === 2) {
    if (isNum) return jcsNumber(token, value.isInt);
    return jcsNumber(String(value), Number.isInteger(value) && Math.abs(value) <= Number(MAX_SAFE) ? true : false);
  }
  if (isNum && value.isInt) return BigInt(token).toString();
  if (!isNum && Number.isInteger(value) && Math.abs(value) <= Number(MAX_SAFE)) return String(value);
  return pythonFloatRepr(isNum ? Number(token) : value);
}

const byCodeUnits = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const byCodePoints = (a, b) => {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
  return x.length - y.length;
};

// The canonical text of a value (Maps/Nums from parseJSON, or plain values).
export function canonical(value, form) {
  if (form !== 1 && form !== 2) throw new CanonicalError(`unknown record format ${form}`);
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return escapeString(value);
  if (value instanceof Num || typeof value === "number") return numberText(value, form);
  if (Array.isArray(value)) return "[" + value.map((v) => canonical(v, form)).join(",") + "]";
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  entries.sort((a, b) => (form === 2 ? byCodeUnits : byCodePoints)(a[0], b[0]));
  return "{" + entries.map(([k, v]) => escapeString(k) + ":" + canonical(v, form)).join(",") + "}";
}

// Whether two values are one JSON value (format 2's equality; format 1's beyond it).
export function sameJSON(a, b) {
  try {
    return canonical(a, 2) === canonical(b, 2);
  } catch (err) {
    if (!(err instanceof CanonicalError)) throw err;
    try {
      return canonical(a, 1) === canonical(b, 1);
    } catch {
      return false;
    }
  }
}

// The canonical text of a JSON text, or null where the form refuses it (for the vectors).
export function canonicalText(text, form) {
  try {
    return canonical(parseJSON(text), form);
  } catch (err) {
    if (err instanceof CanonicalError) return null;
    throw err;
  }
}

// The canonical text of a double read as a float (for the vectors given as IEEE bits).
export function canonicalDouble(x, form) {
  try {
    return canonical(new Num(Number.isFinite(x) ? x.toExponential() : String(x)), form);
  } catch (err) {
    if (err instanceof CanonicalError) return null;
    throw err;
  }
}
