// The elicence credential format in the browser (docs/format.md): deterministic CBOR,
// base45, the claims tree and its multiproofs, leaf and batch hashing, and ELP1 live
// presentations signed with the WebCrypto device key. Mirrors the Python `licence`
// package byte for byte; tests/wallet/test_format_js.py cross-checks the two. Decoding
// untrusted bytes with the format's limits is decode.js; the local checks are verify.js.

import { cborReader, head } from "./cbor.js";
import { ES256, suiteOfAlg } from "./suites.js";

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();

export const NODE_BYTES = 16;
export const LICENCE_PREFIX = "ELC1:";
export const PRESENTATION_PREFIX = "ELP1:";
const PRESENTATION_CONTEXT = utf8.encode("elicence/presentation/v1");
const LICENCE_CONTEXT = utf8.encode("elicence/licence-root/v1");

// Wire keys of a licence map (section 7) and of a presentation body (section 8).
export const K = { protected: 1, signature: 2, index: 3, proof: 4, statusRef: 5,
  validFrom: 6, validUntil: 7, device: 8, claims: 9, seed: 10, salts: 11, multiproof: 12,
  region: 13 };
const B = { licence: 1, deviceKey: 2, time: 3, challenge: 4 };

export class FormatError extends Error {
  constructor(message, reason) {
    super(message);
    this.reason = reason;
  }
}

// ------------------------------------------------------------------ bytes

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text) {
  return new Uint8Array(text.match(/../g).map((h) => parseInt(h, 16)));
}

export function b64url(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Whether `text` is base64url without padding, as the API sends bytes. */
export function isB64url(text) {
  return typeof text === "string" && /^[A-Za-z0-9_-]*$/.test(text) && text.length % 4 !== 1;
}

export function unb64url(text) {
  const s = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

// ------------------------------------------------------------------ CBOR (RFC 8949 §4.2.1)
// Data model: integers as numbers (BigInt beyond 2^53, so every 64-bit value survives a
// round trip), bstr as Uint8Array, tstr as string, arrays, Map for maps (integer keys),
// booleans and null. Nothing else occurs in the format.

function compareKeys(a, b) {
  // Length first, then bytewise: equal to bytewise order for the format's keys.
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function cborEncode(value) {
  if (value === null) return Uint8Array.of(0xf6);
  if (value === false) return Uint8Array.of(0xf4);
  if (value === true) return Uint8Array.of(0xf5);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new FormatError("CBOR: integers only", "cbor_invalid");
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === "bigint") {
    const n = value >= 0n ? value : -1n - value;
    if (n >= 1n << 64n) throw new FormatError("CBOR: integers of 64 bits only", "cbor_invalid");
    return head(value >= 0n ? 0 : 1, n);
  }
  if (typeof value === "string") {
    const b = utf8.encode(value);
    return concat(head(3, b.length), b);
  }
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  if (Array.isArray(value)) return concat(head(4, value.length), ...value.map(cborEncode));
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) => [cborEncode(k), cborEncode(v)]);
    entries.sort((x, y) => compareKeys(x[0], y[0]));
    return concat(head(5, entries.length), ...entries.flat());
  }
  throw new FormatError("CBOR: unsupported value", "cbor_invalid");
}

/** How the licence format reads CBOR (cbor.js): its data model only, every 64-bit integer
 * kept, eight levels deep at most. A doubled map key keeps its last value here; untrusted
 * input goes through loadsLimited (decode.js), which refuses it as not deterministic. */
export const LICENCE_CBOR_RULES = Object.freeze({
  bigIntegers: "bigint", floats: "refuse", tags: "refuse", duplicateKeys: "last", maxDepth: 8,
});

/** One licence CBOR item filling `bytes`; FormatError cbor_invalid otherwise. */
export const cborDecode = cborReader({ ...LICENCE_CBOR_RULES,
  refuse: () => new FormatError("The licence data is not valid CBOR.", "cbor_invalid") });

// ------------------------------------------------------------------ base45 (RFC 9285)

const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

export function base45(bytes) {
  let out = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const n = bytes[i] * 256 + bytes[i + 1];
    out += B45[n % 45] + B45[Math.floor(n / 45) % 45] + B45[Math.floor(n / 2025)];
  }
  if (bytes.length % 2) {
    const n = bytes[bytes.length - 1];
    out += B45[n % 45] + B45[Math.floor(n / 45)];
  }
  return out;
}

/** Base45 text to bytes; FormatError base45_invalid for a broken length, a character
 * outside the alphabet or a group over its range (licence/_base45.py). */
export function base45Decode(text) {
  const outside = () => new FormatError("The QR text contains a character or group outside "
    + "base45; scan the code again.", "base45_invalid");
  if (text.length % 3 === 1) {
    throw new FormatError("The QR text has a broken length; scan the code again.",
      "base45_invalid");
  }
  const digit = (i) => {
    const d = B45.indexOf(text[i]);
    if (d < 0) throw outside();
    return d;
  };
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 ? 1 : 0));
  let at = 0;
  for (let i = 0; i < text.length; i += 3) {
    if (i + 2 < text.length) {
      const n = digit(i) + 45 * digit(i + 1) + 2025 * digit(i + 2);
      if (n > 0xffff) throw outside();
      out[at++] = n >> 8;
      out[at++] = n & 0xff;
    } else {
      const n = digit(i) + 45 * digit(i + 1);
      if (n > 0xff) throw outside();
      out[at++] = n;
    }
  }
  return out;
}

// ------------------------------------------------------------------ hashing

export async function sha256(bytes) {
  return new Uint8Array(await subtle.digest("SHA-256", bytes));
}

/** H(x) = SHA-256(x)[0:16] (ES256 licences). */
export function h(...parts) {
  return hs(ES256, ...parts);
}

/** H(x) = the suite's hash (SHA-256 or SM3) of x, first 16 bytes. */
export async function hs(suite, ...parts) {
  return (await suite.digest(concat(...parts))).slice(0, NODE_BYTES);
}

/** The suite a licence map's signed header names (ES256 when it names none we know: the
 * decoder has already refused such a header). */
export function suiteOfLicence(lic) {
  const header = cborDecode(lic.get(K.protected));
  return (header instanceof Map && suiteOfAlg(header.get(1))) || ES256;
}

const DOMAIN = { leaf: 0, batch: 1, claim: 2, claimNode: 3, device: 4 };
const dom = (d) => Uint8Array.of(d);

export function deviceDigest(compressedKey, suite = ES256) {
  return hs(suite, dom(DOMAIN.device), compressedKey);
}

/** salt(k) = HMAC-H(seed, cbor(k))[0:16] for every key, H the suite's hash. */
export async function deriveSalts(seed, keys, suite = ES256) {
  const hmac = await suite.hmacWith(seed);
  const out = [];
  for (const k of keys) out.push((await hmac(cborEncode(k))).slice(0, NODE_BYTES));
  return out;
}

export function claimDigest(key, value, salt, suite = ES256) {
  return hs(suite, dom(DOMAIN.claim), salt, cborEncode([key, value === undefined ? null : value]));
}

// ------------------------------------------------------------------ claims tree (section 3)

function hasDisclosed(node, disclosed) {
  if (typeof node === "string") return disclosed.has(node);
  return hasDisclosed(node[0], disclosed) || hasDisclosed(node[1], disclosed);
}

async function treeHash(node, digests, suite) {
  if (typeof node === "string") return digests.get(node);
  return hs(suite, dom(DOMAIN.claimNode), await treeHash(node[0], digests, suite),
    await treeHash(node[1], digests, suite));
}

/** Digest of every claim slot by name (absent optional claims digest null). */
export async function leafDigests(schema, claims, seed, suite = ES256) {
  const keys = schema.claims.map((c) => c.key);
  const salts = await deriveSalts(seed, keys, suite);
  const out = new Map();
  for (const [i, c] of schema.claims.entries()) {
    out.set(c.name, await claimDigest(c.key, claims.get(c.key) ?? null, salts[i], suite));
  }
  return out;
}

export async function claimsRoot(schema, claims, seed, suite = ES256) {
  return treeHash(schema.tree, await leafDigests(schema, claims, seed, suite), suite);
}

/**
 * The claims root from disclosed digests (Map name → digest) and the multiproof's nodes
 * (licence/claims_tree.py root_from_multiproof): claims_proof_invalid unless the proof has
 * exactly the nodes the tree's shape calls for.
 */
export async function rootFromMultiproof(schema, disclosed, nodes, suite = ES256) {
  let used = 0;
  async function walk(node) {
    if (!hasDisclosed(node, disclosed)) {
      if (used >= nodes.length) {
        throw new FormatError("The claims proof is missing nodes.", "claims_proof_invalid");
      }
      return nodes[used++];
    }
    if (typeof node === "string") return disclosed.get(node);
    const left = await walk(node[0]);
    return hs(suite, dom(DOMAIN.claimNode), left, await walk(node[1]));
  }
  const root = await walk(schema.tree);
  if (used !== nodes.length) {
    throw new FormatError("The claims proof has extra nodes.", "claims_proof_invalid");
  }
  return root;
}

/** Hashes of the maximal subtrees without a disclosed leaf, depth first, left to right. */
export async function multiproof(schema, digests, disclosed, suite = ES256) {
  const out = [];
  async function walk(node) {
    if (!hasDisclosed(node, disclosed)) out.push(await treeHash(node, digests, suite));
    else if (typeof node !== "string") {
      await walk(node[0]);
      await walk(node[1]);
    }
  }
  await walk(schema.tree);
  return out;
}

// ------------------------------------------------------------------ leaf and batch proof

export function leafHash(lic, claimsRootBytes, device, suite = ES256) {
  const leaf = new Map([[1, lic.get(K.statusRef)], [2, lic.get(K.validFrom)],
    [3, lic.get(K.validUntil)], [4, claimsRootBytes]]);
  if (device) leaf.set(5, device);
  // A licence narrower than its batch's scope region carries its own (docs/format.md §4).
  if (lic.has(K.region)) leaf.set(6, lic.get(K.region));
  return hs(suite, dom(DOMAIN.leaf), cborEncode(leaf));
}

export async function rootFromProof(leaf, index, size, packed, suite = ES256) {
  let need = 0;
  for (let i = index, n = size; n > 1; i >>= 1, n = Math.ceil(n / 2)) if ((i ^ 1) < n) need++;
  if (!(index >= 0 && index < size)) {
    throw new FormatError("The licence's position is outside its batch.", "leaf_index_out_of_range");
  }
  if (packed.length !== need * NODE_BYTES) {
    throw new FormatError("The batch proof has the wrong length.", "proof_invalid");
  }
  let node = leaf;
  let pos = 0;
  for (let i = index, n = size; n > 1; i >>= 1, n = Math.ceil(n / 2)) {
    if ((i ^ 1) < n) {
      const sib = packed.slice(pos, pos + NODE_BYTES);
      pos += NODE_BYTES;
      node = await (i % 2 === 0 ? hs(suite, dom(DOMAIN.batch), node, sib)
        : hs(suite, dom(DOMAIN.batch), sib, node));
    }
  }
  return node;
}

// ------------------------------------------------------------------ keys and signatures

/** 33-byte compressed SEC1 form of a WebCrypto P-256 public key. */
export async function compressedKey(publicKey) {
  const raw = new Uint8Array(await subtle.exportKey("raw", publicKey));
  return concat(Uint8Array.of(2 | (raw[64] & 1)), raw.slice(1, 33));
}

export function generateDeviceKey() {
  // Non-extractable: the private key can sign but never leave this browser profile.
  return subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
}

export async function es256Sign(privateKey, message) {
  return new Uint8Array(await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, message));
}

export async function es256Verify(publicKey, signature, message) {
  return subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, message);
}

/** What the authority signs: Sig_structure over the subtree root (docs/format.md §6). */
export function licenceSigStructure(protectedBytes, subtreeRoot) {
  return cborEncode(["Signature1", protectedBytes, LICENCE_CONTEXT, subtreeRoot]);
}

/** What the device signs in a live presentation: Sig_structure over the body bytes. */
export function presentationSigStructure(bodyBytes) {
  return cborEncode(["Signature1", new Uint8Array(0), PRESENTATION_CONTEXT, bodyBytes]);
}

/** Imports a 33- or 65-byte SEC1 P-256 public key (authority keys come compressed). */
export function importPublicKey(sec1) {
  return subtle.importKey("raw", sec1, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
}

// ------------------------------------------------------------------ licences

/**
 * A licence map disclosing only `names` (null: everything, sent with the seed), without
 * the device digest, as section 8 puts it in a presentation body.
 */
export async function disclosureMap(lic, schema, names) {
  const out = new Map();
  for (const k of [K.protected, K.signature, K.index, K.proof, K.statusRef, K.validFrom,
    K.validUntil]) out.set(k, lic.get(k));
  if (lic.has(K.region)) out.set(K.region, lic.get(K.region));
  const claims = lic.get(K.claims);
  if (names === null) {
    out.set(K.claims, claims);
    out.set(K.seed, lic.get(K.seed));
    return out;
  }
  const wanted = new Set(names);
  const specs = schema.claims.filter((c) => wanted.has(c.name) && claims.has(c.key))
    .sort((a, b) => a.key - b.key);
  if (specs.length !== wanted.size) {
    throw new FormatError("A chosen claim is not in the licence.", "claim_unknown");
  }
  const suite = suiteOfLicence(lic);
  const digests = await leafDigests(schema, claims, lic.get(K.seed), suite);
  const salts = await deriveSalts(lic.get(K.seed), specs.map((c) => c.key), suite);
  out.set(K.claims, new Map(specs.map((c) => [c.key, claims.get(c.key)])));
  out.set(K.salts, concat(...salts));
  const proof = await multiproof(schema, digests, wanted, suite);
  if (proof.length) out.set(K.multiproof, concat(...proof));
  return out;
}

/**
 * Builds and signs a live presentation: returns the QR text "ELP1:" + base45(cbor([body,
 * signature])). The payload is stored uncompressed (decoders accept both).
 */
export async function presentationText(lic, schema, names, privateKey, ownCompressedKey, now,
  challenge = null) {
  const body = new Map([[B.licence, await disclosureMap(lic, schema, names)],
    [B.deviceKey, ownCompressedKey], [B.time, now]]);
  if (challenge && challenge.length) body.set(B.challenge, challenge);
  const bodyBytes = cborEncode(body);
  const signature = await es256Sign(privateKey, presentationSigStructure(bodyBytes));
  return PRESENTATION_PREFIX + base45(cborEncode([bodyBytes, signature]));
}

/** Signed request for the usage record: "elicence/receipts/v1\0" word "\0" time(8 B) key. */
export async function receiptsRequest(word, privateKey, ownCompressedKey, now) {
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigUint64(0, BigInt(now));
  const message = concat(utf8.encode("elicence/receipts/v1\0"), utf8.encode(word),
    Uint8Array.of(0), time, ownCompressedKey);
  return { device_key: b64url(ownCompressedKey), time: now,
    signature: b64url(await es256Sign(privateKey, message)) };
}

/** The claim message of issuer/claims/exchange.py: label, challenge, normalised code, device key. */
export function claimMessage(challenge, code, deviceKey) {
  return concat(utf8.encode("elicence/claim/v1\0"), challenge, Uint8Array.of(0),
    utf8.encode(normaliseCode(code)), Uint8Array.of(0), deviceKey);
}

/** 16 characters, no dashes or spaces, upper case; O→0, I/L→1. Null when malformed. */
export function normaliseCode(code) {
  const c = code.toUpperCase().replace(/[\s-]/g, "").replaceAll("O", "0").replace(/[IL]/g, "1");
  return /^[0-9A-HJKMNP-TV-Z]{16}$/.test(c) ? c : null;
}
