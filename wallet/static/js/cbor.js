// The wallet's one CBOR reader (RFC 8949) and the item head both encoders write. The
// licence format (format.js) and mdoc exports (export_cbor.js) read the same bytes under
// different rules, so every rule is an explicit option of `cborReader` rather than a second
// copy of the parser (decision 0294). No I/O, no DOM: it runs the same under Node.
//
// Data model: unsigned and negative integers as numbers (BigInt past 2^53 when allowed),
// byte strings as Uint8Array, text as string, arrays, maps as Map (keys in received order),
// false/true/null, floats as numbers when allowed, tags as Tagged when allowed.
// Indefinite lengths, reserved head values and simple values other than false/true/null
// are always refused: neither the format nor mdoc uses them.

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // keeps a U+FEFF

/** A tagged item (major type 6): tag number and content. */
export class Tagged {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

/** What a reader refused, as the `problem` it hands to its caller's `refuse`. */
export const PROBLEMS = Object.freeze([
  "truncated", // the input ends inside an item, or declares more than it holds
  "indefinite_length", // head value 31: indefinite length, or a break out of place
  "reserved_value", // head values 28–30
  "big_integer", // an integer or length past 2^53, with bigIntegers "refuse"
  "float", // with floats "refuse"
  "simple_value", // a simple value other than false, true, null
  "tag", // with tags "refuse"
  "bad_utf8", // a text string that is not UTF-8
  "duplicate_key", // with duplicateKeys "refuse"
  "too_deep", // an item nested in more than maxDepth arrays, maps or tags
  "trailing_bytes", // bytes after the one top-level item
]);

// Each policy's choices; the first names the permissive one.
const POLICIES = Object.freeze({
  bigIntegers: ["bigint", "refuse"], // integers past 2^53: BigInt, or refused
  floats: ["number", "refuse"], // half, single and double floats: JS numbers, or refused
  tags: ["keep", "refuse"], // tags: Tagged, or refused
  duplicateKeys: ["last", "refuse"], // a key twice in one map: the last value wins, or refused
});

/** The CBOR head (major type and argument, RFC 8949 §3) in its shortest form; `n` is a
 * number or a BigInt below 2^64. */
export function head(major, n) {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | Number(n));
  if (n < 0x100) return Uint8Array.of(m | 24, Number(n));
  if (n < 0x10000) return Uint8Array.of(m | 25, Number(n) >> 8, Number(n) & 0xff);
  if (n < 0x100000000) {
    const v = Number(n);
    return Uint8Array.of(m | 26, (v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  const out = new Uint8Array(9);
  out[0] = m | 27;
  new DataView(out.buffer).setBigUint64(1, BigInt(n));
  return out;
}

/**
 * A function reading one CBOR item that fills `bytes` exactly, under these rules, all
 * required: `bigIntegers`, `floats`, `tags`, `duplicateKeys` (see POLICIES), `maxDepth`
 * (how many arrays, maps or tags may enclose an item; the top item has depth 0) and
 * `refuse(problem)`, which returns the error to throw for a PROBLEMS code. A TypeError
 * here means the caller's options are wrong, never the input.
 */
export function cborReader(options) {
  for (const [name, choices] of Object.entries(POLICIES)) {
    if (!choices.includes(options[name])) {
      throw new TypeError(`cborReader: ${name} must be one of ${choices.join(", ")}.`);
    }
  }
  if (!Number.isSafeInteger(options.maxDepth) || options.maxDepth < 0) {
    throw new TypeError("cborReader: maxDepth must be a whole number, 0 or more.");
  }
  if (typeof options.refuse !== "function") {
    throw new TypeError("cborReader: refuse must be a function returning the error to throw.");
  }
  const rules = { ...options };
  return (bytes) => read(bytes, rules);
}

function read(bytes, rules) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const fail = (problem) => {
    throw rules.refuse(problem);
  };
  const need = (size) => {
    if (pos + size > bytes.length) fail("truncated");
  };

  // The argument of a head of major type 0–6: a number, or a BigInt past 2^53.
  function argument(info) {
    if (info < 24) return info;
    const size = 1 << (info - 24);
    need(size);
    const at = pos;
    pos += size;
    if (info === 24) return bytes[at];
    if (info === 25) return view.getUint16(at);
    if (info === 26) return view.getUint32(at);
    const big = view.getBigUint64(at);
    if (big <= MAX_SAFE) return Number(big);
    if (rules.bigIntegers === "refuse") fail("big_integer");
    return big;
  }

  // A count of bytes or items still to come: no more than the input has left.
  function count(n, perItem) {
    if (typeof n === "bigint" || perItem * n > bytes.length - pos) fail("truncated");
    return n;
  }

  function simple(info) {
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info < 25) return fail("simple_value");
    const size = 1 << (info - 24);
    need(size);
    if (rules.floats === "refuse") fail("float");
    const at = pos;
    pos += size;
    if (info === 25) return half(view.getUint16(at));
    return info === 26 ? view.getFloat32(at) : view.getFloat64(at);
  }

  function text(b) {
    try {
      return utf8.decode(b);
    } catch (e) {
      if (e instanceof TypeError) return fail("bad_utf8"); // the decoder's one input error
      throw e;
    }
  }

  function map(n, depth) {
    const m = new Map();
    const seen = rules.duplicateKeys === "refuse" ? new Set() : null;
    for (let i = 0; i < n; i++) {
      const start = pos;
      const key = item(depth);
      if (seen) {
        const id = keyIdentity(key, bytes.subarray(start, pos));
        if (seen.has(id)) fail("duplicate_key");
        seen.add(id);
      }
      m.set(key, item(depth));
    }
    return m;
  }

  function item(depth) {
    if (pos >= bytes.length) fail("truncated");
    if (depth > rules.maxDepth) fail("too_deep");
    const first = bytes[pos++];
    const major = first >> 5;
    const info = first & 31;
    if (info === 31) fail("indefinite_length");
    if (info >= 28) fail("reserved_value");
    if (major === 7) return simple(info);
    const n = argument(info);
    switch (major) {
      case 0: return n;
      case 1: return typeof n === "bigint" ? -1n - n : -1 - n;
      case 2:
      case 3: {
        const b = bytes.slice(pos, pos + count(n, 1));
        pos += n;
        return major === 2 ? b : text(b);
      }
      case 4: return Array.from({ length: count(n, 1) }, () => item(depth + 1));
      case 5: return map(count(n, 2), depth + 1);
      default: // 6
        if (rules.tags === "refuse") fail("tag");
        return new Tagged(n, item(depth + 1));
    }
  }

  const value = item(0);
  if (pos !== bytes.length) fail("trailing_bytes");
  return value;
}

/** IEEE 754 half precision (RFC 8949 Appendix D). */
function half(bits) {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  let magnitude;
  if (exponent === 0) magnitude = fraction * 2 ** -24;
  else if (exponent === 31) magnitude = fraction ? NaN : Infinity;
  else magnitude = (fraction + 1024) * 2 ** (exponent - 25);
  return bits & 0x8000 ? -magnitude : magnitude;
}

/** Two keys are duplicates when the decoded Map would merge them (same number, text,
 * false/true/null) or when they are the same bytes; an array, map or tagged key is
 * compared by its encoded bytes. */
function keyIdentity(key, encoded) {
  if (typeof key === "number" || typeof key === "bigint") return `i${key}`;
  if (typeof key === "string") return `s${key}`;
  if (typeof key === "boolean" || key === null) return `l${key}`;
  return key instanceof Uint8Array ? `b${hex(key)}` : `r${hex(encoded)}`;
}

function hex(bytes) {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("");
}
