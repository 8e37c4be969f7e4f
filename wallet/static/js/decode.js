// Untrusted bytes and QR text → an unverified licence or live presentation, as the Python
// reference decodes them (licence/qr.py, _cbor.py, licence.py, presentation.py): every
// limit is checked before parsing, and every refusal is a FormatError carrying the reason
// code the reference gives. Nothing returned here is authenticated: verify.js checks it.
//
// A decoded licence: {map, header, schema, claims (Map key → CBOR value), seed, salts
// (Map key → 16 B), multiproof (array of 16 B nodes), deviceDigest, index, proof,
// statusRef, validFrom, validUntil}. A decoded presentation: {licence, deviceKey, time,
// challenge, body, signature}. `schemaFor(code)` gives the schema JSON of a licence type.

import {
  base45Decode, cborDecode, cborEncode, concat, deviceDigest, equalBytes, FormatError, K,
  LICENCE_PREFIX, NODE_BYTES, PRESENTATION_PREFIX,
} from "./format.js";
import { suiteOfAlg } from "./suites.js";

// licence/limits.py, value for value (tests/wallet/test_vectors_js.py compares them).
export const LIMITS = Object.freeze({
  MAX_TEXT_CHARS: 4296, MAX_PAYLOAD_BYTES: 2864, MAX_CBOR_BYTES: 8192, MAX_CBOR_DEPTH: 4,
  MAX_CBOR_ITEMS: 512, MAX_CLAIMS: 32, MAX_PROOF_DEPTH: 20, MAX_CHALLENGE_BYTES: 16,
  PRESENTATION_MAX_AGE: 60, PRESENTATION_CLOCK_SKEW: 30,
});

const UINT32 = 2 ** 32 - 1;
const UINT64 = 2n ** 64n - 1n;
const MIN_DAYS = -719162; // date.min .. date.max as days since 1970, as Python allows
const MAX_DAYS = 2932896;
const ZLIB_FIRST_BYTE = 0x78;
const HEADER = { alg: 1, kid: 4, private: -65537 };
const REQUIRED = [K.protected, K.signature, K.index, K.proof, K.statusRef, K.validFrom,
  K.validUntil, K.claims];
const ALLOWED = [...REQUIRED, K.device, K.seed, K.salts, K.multiproof, K.region];
const BODY = { licence: 1, deviceKey: 2, time: 3, challenge: 4 };
const DEVICE_KEY_BYTES = 33;
const SIGNATURE_BYTES = 64;

const bad = (message, reason = "structure_invalid") => new FormatError(message, reason);

// ------------------------------------------------------------------ QR text

/** QR text → {prefix, data (CBOR bytes)}, with the text and decompression limits. */
export async function decodeText(text) {
  if (typeof text !== "string") throw bad("The QR content is not text.", "prefix_unknown");
  if (text.length > LIMITS.MAX_TEXT_CHARS && [...text].length > LIMITS.MAX_TEXT_CHARS) {
    throw bad(`The QR text is longer than ${LIMITS.MAX_TEXT_CHARS} characters; it is not an `
      + "elicence code.", "text_too_long");
  }
  const prefix = text.slice(0, 5);
  if (prefix !== LICENCE_PREFIX && prefix !== PRESENTATION_PREFIX) {
    throw bad("This QR code is not an electronic licence (it should start with ELC1: or "
      + "ELP1:).", "prefix_unknown");
  }
  const payload = base45Decode(text.slice(5));
  if (payload.length > LIMITS.MAX_PAYLOAD_BYTES) {
    throw bad("The QR payload is too large.", "text_too_long");
  }
  if (!payload.length) throw bad("The QR code carries no data; scan it again.", "cbor_invalid");
  const data = payload[0] === ZLIB_FIRST_BYTE ? await inflate(payload) : payload;
  return { prefix, data };
}

/** zlib (RFC 1950) inflation that stops as soon as the output passes MAX_CBOR_BYTES. */
async function inflate(payload) {
  const corrupted = () => bad("The QR data is corrupted (bad compression); scan again.",
    "zlib_invalid");
  const reader = new Blob([payload]).stream()
    .pipeThrough(new DecompressionStream("deflate")).getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    let step;
    try {
      step = await reader.read();
    } catch (e) {
      // The stream's own error for corrupt or truncated data: a TypeError in browsers,
      // an Error with a zlib code (Z_DATA_ERROR, Z_BUF_ERROR) under Node.
      if (e instanceof TypeError || String(e?.code).startsWith("Z_")) throw corrupted();
      throw e;
    }
    if (step.done) break;
    size += step.value.length;
    if (size > LIMITS.MAX_CBOR_BYTES) {
      reader.cancel();
      throw bad(`The QR data expands beyond ${LIMITS.MAX_CBOR_BYTES} bytes; it is not a `
        + "licence.", "decompressed_too_large");
    }
    parts.push(step.value);
  }
  const data = concat(...parts);
  // A zlib stream ends with the Adler-32 of its output; bytes after it are trailing data,
  // which not every DecompressionStream refuses.
  if (!equalBytes(payload.slice(-4), adler32(data))) throw corrupted();
  return data;
}

function adler32(data) {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return Uint8Array.of(b >> 8, b & 0xff, a >> 8, a & 0xff);
}

// ------------------------------------------------------------------ deterministic CBOR

/** Walks the item structure without building values: depth, item count, lengths, and
 * nothing the format does not use (tags, floats, indefinite lengths). */
function scan(data, maxDepth, maxItems) {
  const short = () => bad("The licence data ends early; scan the code again.", "cbor_invalid");
  let pos = 0;
  let items = 0;
  const remaining = [1]; // items still expected at each open nesting level
  while (remaining.length) {
    if (remaining[remaining.length - 1] === 0) {
      remaining.pop();
      continue;
    }
    remaining[remaining.length - 1] -= 1;
    if (pos >= data.length) throw short();
    items += 1;
    if (items > maxItems) {
      throw bad(`The licence data has more than ${maxItems} items; it is not a licence.`,
        "cbor_too_many_items");
    }
    const major = data[pos] >> 5;
    const info = data[pos] & 31;
    pos += 1;
    let arg = info;
    if (info >= 24 && info <= 27) {
      const size = 1 << (info - 24);
      if (pos + size > data.length) throw short();
      arg = 0;
      for (let i = 0; i < size; i++) arg = arg * 256 + data[pos + i];
      pos += size;
    } else if (info > 27) {
      throw bad("The licence data uses an unsupported CBOR encoding (indefinite length or "
        + "reserved value).", "cbor_invalid");
    }
    if (major === 2 || major === 3) {
      if (arg > data.length - pos) throw short();
      pos += arg;
    } else if (major === 4 || major === 5) {
      const count = major === 5 ? arg * 2 : arg;
      if (count > data.length - pos) {
        throw bad("The licence data declares more items than it holds.", "cbor_invalid");
      }
      if (count) {
        if (remaining.length > maxDepth) {
          throw bad(`The licence data nests deeper than ${maxDepth} levels.`, "cbor_too_deep");
        }
        remaining.push(count);
      }
    } else if (major === 6) {
      throw bad("The licence data contains a CBOR tag, which the format does not use.",
        "cbor_invalid");
    } else if (major === 7 && ![20, 21, 22].includes(info)) {
      throw bad("The licence data contains a float or unknown simple value.", "cbor_invalid");
    }
  }
  if (pos !== data.length) {
    throw bad("The licence data has trailing bytes after its end.", "cbor_invalid");
  }
}

/** One deterministic CBOR document, after its depth and item limits are checked. */
export function loadsLimited(data, maxDepth = LIMITS.MAX_CBOR_DEPTH,
  maxItems = LIMITS.MAX_CBOR_ITEMS) {
  scan(data, maxDepth, maxItems);
  const value = cborDecode(data);
  if (!equalBytes(cborEncode(value), data)) {
    throw bad("The licence data is not in deterministic CBOR encoding.", "cbor_not_canonical");
  }
  return value;
}

// ------------------------------------------------------------------ field checks

const isInt = (v) => typeof v === "number" || typeof v === "bigint";
const intKeyedMap = (v) => v instanceof Map && [...v.keys()].every(isInt);
const keysAre = (m, keys) => m.size === keys.length && keys.every((k) => m.has(k));

function uint(value, limit, what) {
  if (!isInt(value) || value < 0 || value > limit) {
    throw bad(`The licence's ${what} is not a valid number.`);
  }
  return value;
}

function bstr(value, size, what) {
  if (!(value instanceof Uint8Array) || (size !== null && value.length !== size)) {
    throw bad(`The licence's ${what} has the wrong form.`);
  }
  return value;
}

/** 2, 4 or 6 ASCII digits: a GB/T 2260 division code prefix. */
function isRegion(value) {
  return typeof value === "string" && [2, 4, 6].includes(value.length) && /^[0-9]+$/.test(value);
}

function split(packed) {
  const out = [];
  for (let i = 0; i < packed.length; i += NODE_BYTES) out.push(packed.slice(i, i + NODE_BYTES));
  return out;
}

/** The signed header's fields: {authority, keyId, licenceType, issuedAt, subtreeSize}. */
export function parseHeader(protectedBytes) {
  const m = loadsLimited(protectedBytes, 2, 16);
  if (!intKeyedMap(m) || !keysAre(m, [HEADER.alg, HEADER.kid, HEADER.private])) {
    throw bad("The licence's signed header has unexpected fields.", "header_invalid");
  }
  const suite = suiteOfAlg(m.get(HEADER.alg));
  if (!suite) {
    throw bad("The licence is signed with an unsupported algorithm (ES256 or SM2 only).",
      "algorithm_unsupported");
  }
  const kid = m.get(HEADER.kid);
  const p = m.get(HEADER.private);
  if (!(kid instanceof Uint8Array) || kid.length < 1 || kid.length > 4
    || (kid.length > 1 && kid[0] === 0)) {
    throw bad("The licence's key id is malformed.", "header_invalid");
  }
  if (!intKeyedMap(p) || !keysAre(p, [1, 2, 3, 4])) {
    throw bad("The licence's signed header has unexpected fields.", "header_invalid");
  }
  const size = uint(p.get(4), UINT64, "batch size");
  if (!(size > 0 && size <= 2 ** LIMITS.MAX_PROOF_DEPTH)) {
    throw bad("The licence's batch subtree is larger than the format allows.",
      "proof_too_deep");
  }
  const header = { suite, authority: uint(p.get(1), UINT32, "authority"),
    keyId: kid.reduce((n, b) => n * 256 + b, 0), licenceType: uint(p.get(2), 255, "licence type"),
    issuedAt: uint(p.get(3), UINT64, "issue time"), subtreeSize: Number(size) };
  if (header.keyId === 0 || header.authority === 0) {
    throw bad("The licence's authority or key number is zero.", "header_invalid");
  }
  return header;
}

/** A claim value in its CBOR form, checked against its schema entry. */
function claimValue(spec, value) {
  const kind = spec.type;
  let ok = false;
  if (kind === "text" || kind === "credit_code" || kind === "enum") {
    ok = typeof value === "string" && [...value].length <= (spec.max_length || 64)
      && (kind !== "enum" || spec.values.includes(value));
  } else if (kind === "date") {
    ok = typeof value === "number" && value >= MIN_DAYS && value <= MAX_DAYS;
  } else if (kind === "bool") {
    ok = typeof value === "boolean";
  } else if (kind === "list") {
    ok = Array.isArray(value) && value.length > 0
      && value.length <= (spec.max_items || LIMITS.MAX_CLAIMS)
      && value.every((v) => typeof v === "string" && spec.values.includes(v));
  }
  if (!ok) throw bad(`The licence's ${spec.name} value has the wrong form.`, "claim_invalid");
  return value;
}

// ------------------------------------------------------------------ licences and presentations

/** A licence map (ELC1 payload, or the licence inside a presentation body): structure
 * and types only, nothing authenticated yet. */
export function licenceFromMap(m, schemaFor) {
  if (!intKeyedMap(m) || !REQUIRED.every((k) => m.has(k))
    || ![...m.keys()].every((k) => ALLOWED.includes(k))) {
    throw bad("The licence data does not have the fields of a licence.");
  }
  if (m.has(K.seed) === m.has(K.salts) || (m.has(K.seed) && m.has(K.multiproof))) {
    throw bad("The licence must carry either a salt seed or per-claim salts.");
  }
  const header = parseHeader(bstr(m.get(K.protected), null, "signed header"));
  const schema = schemaFor(header.licenceType);
  if (!schema) {
    throw bad(`Licence type ${header.licenceType} is unknown to this wallet.`,
      "licence_type_unknown");
  }
  const proof = bstr(m.get(K.proof), null, "batch proof");
  if (proof.length > NODE_BYTES * LIMITS.MAX_PROOF_DEPTH) {
    throw bad("The batch proof is deeper than the format allows.", "proof_too_deep");
  }
  if (proof.length % NODE_BYTES) throw bad("The batch proof has a broken length.", "proof_invalid");
  const raw = m.get(K.claims);
  if (!(raw instanceof Map)) throw bad("The licence's claims are not a map.");
  if (raw.size > LIMITS.MAX_CLAIMS) {
    throw bad("The licence discloses more claims than the format allows.", "too_many_claims");
  }
  const claims = new Map();
  for (const [key, value] of raw) {
    const spec = schema.claims.find((c) => c.key === key);
    if (!spec) {
      throw bad(`The licence carries claim key ${key}, unknown for a ${schema.name} licence.`,
        "claim_unknown");
    }
    claims.set(key, claimValue(spec, value));
  }
  let seed = null;
  let salts = null;
  let multiproof = [];
  if (m.has(K.seed)) {
    seed = bstr(m.get(K.seed), NODE_BYTES, "salt seed");
    const missing = schema.claims.filter((c) => c.required && !claims.has(c.key));
    if (missing.length) {
      throw bad("The full licence lacks required claims: "
        + missing.map((c) => c.name).join(", ") + ".", "claims_incomplete");
    }
  } else {
    const packed = bstr(m.get(K.salts), NODE_BYTES * claims.size, "salts");
    const keys = [...claims.keys()].sort((a, b) => a - b);
    salts = new Map(keys.map((k, i) => [k, packed.slice(i * NODE_BYTES, (i + 1) * NODE_BYTES)]));
    const proofNodes = bstr(m.get(K.multiproof) ?? new Uint8Array(0), null, "claims proof");
    if (proofNodes.length % NODE_BYTES || proofNodes.length > NODE_BYTES * LIMITS.MAX_CLAIMS
      || (m.has(K.multiproof) && !proofNodes.length)) {
      throw bad("The claims proof has a broken length.", "claims_proof_invalid");
    }
    multiproof = split(proofNodes);
  }
  bstr(m.get(K.signature), SIGNATURE_BYTES, "signature");
  if (m.has(K.region) && !isRegion(m.get(K.region))) {
    throw bad("The licence's region is not a division code prefix.", "region_invalid");
  }
  return {
    map: m, header, schema, claims, seed, salts, multiproof,
    index: uint(m.get(K.index), UINT32, "batch position"), proof,
    statusRef: bstr(m.get(K.statusRef), NODE_BYTES, "status reference"),
    validFrom: uint(m.get(K.validFrom), UINT64, "validity start"),
    validUntil: uint(m.get(K.validUntil), UINT64, "validity end"),
    deviceDigest: m.has(K.device) ? bstr(m.get(K.device), NODE_BYTES, "device key") : null,
  };
}

/** A licence's CBOR bytes (a claim answer, an ELC1 payload). */
export function licenceFromBytes(data, schemaFor) {
  return licenceFromMap(loadsLimited(data), schemaFor);
}

/** An ELP1 payload: cbor([body, signature]); the licence's device digest is H(device key). */
export async function presentationFromBytes(data, schemaFor) {
  const outer = loadsLimited(data, 1, 3);
  if (!(Array.isArray(outer) && outer.length === 2
    && outer.every((x) => x instanceof Uint8Array))) {
    throw bad("The live code is not a presentation.");
  }
  const [body, signature] = outer;
  if (signature.length !== SIGNATURE_BYTES) {
    throw bad("The live code's signature has the wrong length.");
  }
  const m = loadsLimited(body);
  const fields = Object.values(BODY);
  if (!intKeyedMap(m) || ![BODY.licence, BODY.deviceKey, BODY.time].every((k) => m.has(k))
    || ![...m.keys()].every((k) => fields.includes(k))) {
    throw bad("The live code lacks presentation fields.");
  }
  const deviceKey = m.get(BODY.deviceKey);
  const time = m.get(BODY.time);
  const challenge = m.get(BODY.challenge) ?? new Uint8Array(0);
  if (!(deviceKey instanceof Uint8Array) || deviceKey.length !== DEVICE_KEY_BYTES
    || !isInt(time) || time < 0 || time >= 2n ** 63n
    || !(challenge instanceof Uint8Array) || challenge.length > LIMITS.MAX_CHALLENGE_BYTES
    || (m.has(BODY.challenge) && !challenge.length)) {
    throw bad("The live code's device key, time or challenge is malformed.");
  }
  const inner = m.get(BODY.licence);
  if (!(inner instanceof Map) || inner.has(K.device)) {
    throw bad("The live code's licence must not carry a device digest.");
  }
  const licence = licenceFromMap(inner, schemaFor);
  licence.deviceDigest = await deviceDigest(deviceKey, licence.header.suite);
  return { licence, deviceKey, time, challenge, body, signature };
}

/** ELC1/ELP1 text → {licence} or {presentation} (whose `licence` is the disclosure).
 * A wallet-bound copy shown as ELC1 is refused: it only counts with its live signature. */
export async function decodeUnverified(text, schemaFor) {
  const { prefix, data } = await decodeText(text);
  if (prefix === PRESENTATION_PREFIX) {
    return { presentation: await presentationFromBytes(data, schemaFor) };
  }
  const licence = licenceFromBytes(data, schemaFor);
  if (licence.deviceDigest !== null) {
    throw bad("This is a phone-bound licence copy; ask the holder to show the live code from "
      + "their wallet.", "bound_licence_not_live");
  }
  return { licence };
}
