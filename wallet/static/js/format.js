// The elicence credential format in the browser (docs/format.md): deterministic CBOR,
// base45, the claims tree and its multiproofs, leaf and batch hashing, and ELP1 live
// presentations signed with the WebCrypto device key. Mirrors the Python `licence`
// package byte for byte; tests/wallet/test_format_js.py cross-checks the two.

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();

export const NODE_BYTES = 16;
export const PRESENTATION_PREFIX = "ELP1:";
const PRESENTATION_CONTEXT = utf8.encode("elicence/presentation/v1");
const LICENCE_CONTEXT = utf8.encode("elicence/licence-root/v1");

// Wire keys of a licence map (section 7) and of a presentation body (section 8).
export const K = { protected: 1, signature: 2, index: 3, proof: 4, statusRef: 5,
  validFrom: 6, validUntil: 7, device: 8, claims: 9, seed: 10, salts: 11, multiproof: 12 };
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

export function unb64url(text) {
  const s = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

// ------------------------------------------------------------------ CBOR (RFC 8949 §4.2.1)
// Data model: integers as numbers, bstr as Uint8Array, tstr as string, arrays, Map for maps
// (integer keys), booleans and null. Nothing else occurs in the format.

function head(major, n) {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  if (n < 0x100000000) {
    return Uint8Array.of(m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  }
  const out = new Uint8Array(9);
  out[0] = m | 27;
  new DataView(out.buffer).setBigUint64(1, BigInt(n));
  return out;
}

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

export function cborDecode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8d = new TextDecoder("utf-8", { fatal: true });
  let pos = 0;
  const fail = () => {
    throw new FormatError("The licence data is not valid CBOR.", "cbor_invalid");
  };
  function item(depth) {
    if (pos >= bytes.length || depth > 8) fail();
    const first = bytes[pos++];
    const major = first >> 5;
    const info = first & 31;
    let n;
    if (info < 24) n = info;
    else if (info === 24) n = bytes[pos];
    else if (info === 25) n = view.getUint16(pos);
    else if (info === 26) n = view.getUint32(pos);
    else if (info === 27) n = Number(view.getBigUint64(pos));
    else fail();
    if (info >= 24) pos += 1 << (info - 24);
    if (pos > bytes.length) fail();
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2:
      case 3: {
        if (pos + n > bytes.length) fail();
        const b = bytes.slice(pos, pos + n);
        pos += n;
        return major === 2 ? b : utf8d.decode(b);
      }
      case 4: return Array.from({ length: n }, () => item(depth + 1));
      case 5: {
        const m = new Map();
        for (let i = 0; i < n; i++) m.set(item(depth + 1), item(depth + 1));
        return m;
      }
      case 7:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        return fail();
      default: return fail();
    }
  }
  const value = item(0);
  if (pos !== bytes.length) fail();
  return value;
}

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

// ------------------------------------------------------------------ hashing

export async function sha256(bytes) {
  return new Uint8Array(await subtle.digest("SHA-256", bytes));
}

/** H(x) = SHA-256(x)[0:16] */
export async function h(...parts) {
  return (await sha256(concat(...parts))).slice(0, NODE_BYTES);
}

const DOMAIN = { leaf: 0, batch: 1, claim: 2, claimNode: 3, device: 4 };
const dom = (d) => Uint8Array.of(d);

export function deviceDigest(compressedKey) {
  return h(dom(DOMAIN.device), compressedKey);
}

/** salt(k) = HMAC-SHA256(seed, cbor(k))[0:16] for every key, one imported HMAC key. */
export async function deriveSalts(seed, keys) {
  const hmac = await subtle.importKey("raw", seed, { name: "HMAC", hash: "SHA-256" }, false,
    ["sign"]);
  const out = [];
  for (const k of keys) {
    out.push(new Uint8Array(await subtle.sign("HMAC", hmac, cborEncode(k))).slice(0, NODE_BYTES));
  }
  return out;
}

export function claimDigest(key, value, salt) {
  return h(dom(DOMAIN.claim), salt, cborEncode([key, value === undefined ? null : value]));
}

// ------------------------------------------------------------------ claims tree (section 3)

function hasDisclosed(node, disclosed) {
  if (typeof node === "string") return disclosed.has(node);
  return hasDisclosed(node[0], disclosed) || hasDisclosed(node[1], disclosed);
}

async function treeHash(node, digests) {
  if (typeof node === "string") return digests.get(node);
  return h(dom(DOMAIN.claimNode), await treeHash(node[0], digests),
    await treeHash(node[1], digests));
}

/** Digest of every claim slot by name (absent optional claims digest null). */
export async function leafDigests(schema, claims, seed) {
  const keys = schema.claims.map((c) => c.key);
  const salts = await deriveSalts(seed, keys);
  const out = new Map();
  for (const [i, c] of schema.claims.entries()) {
    out.set(c.name, await claimDigest(c.key, claims.get(c.key) ?? null, salts[i]));
  }
  return out;
}

export async function claimsRoot(schema, claims, seed) {
  return treeHash(schema.tree, await leafDigests(schema, claims, seed));
}

/** Hashes of the maximal subtrees without a disclosed leaf, depth first, left to right. */
export async function multiproof(schema, digests, disclosed) {
  const out = [];
  async function walk(node) {
    if (!hasDisclosed(node, disclosed)) out.push(await treeHash(node, digests));
    else if (typeof node !== "string") {
      await walk(node[0]);
      await walk(node[1]);
    }
  }
  await walk(schema.tree);
  return out;
}

// ------------------------------------------------------------------ leaf and batch proof

export function leafHash(lic, claimsRootBytes, device) {
  const leaf = new Map([[1, lic.get(K.statusRef)], [2, lic.get(K.validFrom)],
    [3, lic.get(K.validUntil)], [4, claimsRootBytes]]);
  if (device) leaf.set(5, device);
  return h(dom(DOMAIN.leaf), cborEncode(leaf));
}

export async function rootFromProof(leaf, index, size, packed) {
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
      node = await (i % 2 === 0 ? h(dom(DOMAIN.batch), node, sib) : h(dom(DOMAIN.batch), sib, node));
    }
  }
  return node;
}

/** The protected header's fields: {authority, keyId, licenceType, issuedAt, subtreeSize}. */
export function rootHeader(protectedBytes) {
  const m = cborDecode(protectedBytes);
  const p = m.get(-65537);
  if (m.get(1) !== -7 || !(p instanceof Map)) {
    throw new FormatError("The licence's signed header is malformed.", "header_invalid");
  }
  const kid = m.get(4);
  return { authority: p.get(1), keyId: kid.reduce((n, b) => n * 256 + b, 0),
    licenceType: p.get(2), issuedAt: p.get(3), subtreeSize: p.get(4) };
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

async function es256Verify(publicKey, signature, message) {
  return subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, message);
}

/** Imports a 33- or 65-byte SEC1 P-256 public key (authority keys come compressed). */
export function importPublicKey(sec1) {
  return subtle.importKey("raw", sec1, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
}

// ------------------------------------------------------------------ licences

/**
 * Verifies a bound full licence (the claim answer) as far as the wallet can alone: claims
 * root from the seed, leaf with our device digest, batch proof to the signed subtree root,
 * and, when `authorityKey` is given, the authority's signature over that root.
 * Returns {header, subtreeRoot}; throws FormatError with a reason code.
 */
export async function verifyBoundLicence(lic, schema, ownCompressedKey, authorityKey = null) {
  for (const k of [K.protected, K.signature, K.index, K.proof, K.statusRef, K.validFrom,
    K.validUntil, K.claims, K.seed, K.device]) {
    if (!lic.has(k)) throw new FormatError("The licence lacks required fields.", "structure_invalid");
  }
  const header = rootHeader(lic.get(K.protected));
  if (header.licenceType !== schema.code) {
    throw new FormatError("The licence type does not match its schema.", "structure_invalid");
  }
  const device = await deviceDigest(ownCompressedKey);
  if (!equalBytes(device, lic.get(K.device))) {
    throw new FormatError("The licence is bound to another device key.", "device_key_mismatch");
  }
  const root = await claimsRoot(schema, lic.get(K.claims), lic.get(K.seed));
  const leaf = await leafHash(lic, root, device);
  const subtreeRoot = await rootFromProof(leaf, lic.get(K.index), header.subtreeSize,
    lic.get(K.proof));
  if (authorityKey) {
    const tbs = cborEncode(["Signature1", lic.get(K.protected), LICENCE_CONTEXT, subtreeRoot]);
    if (!(await es256Verify(authorityKey, lic.get(K.signature), tbs))) {
      throw new FormatError("The authority's signature does not match.", "signature_invalid");
    }
  }
  return { header, subtreeRoot };
}

/**
 * A licence map disclosing only `names` (null: everything, sent with the seed), without
 * the device digest, as section 8 puts it in a presentation body.
 */
export async function disclosureMap(lic, schema, names) {
  const out = new Map();
  for (const k of [K.protected, K.signature, K.index, K.proof, K.statusRef, K.validFrom,
    K.validUntil]) out.set(k, lic.get(k));
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
  const digests = await leafDigests(schema, claims, lic.get(K.seed));
  const salts = await deriveSalts(lic.get(K.seed), specs.map((c) => c.key));
  out.set(K.claims, new Map(specs.map((c) => [c.key, claims.get(c.key)])));
  out.set(K.salts, concat(...salts));
  const proof = await multiproof(schema, digests, wanted);
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
  const tbs = cborEncode(["Signature1", new Uint8Array(0), PRESENTATION_CONTEXT, bodyBytes]);
  const signature = await es256Sign(privateKey, tbs);
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
