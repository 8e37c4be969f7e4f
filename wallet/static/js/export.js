// 导出为标准格式 / Exports in standard formats: the wallet asks the issuer for its copy as an
// SD-JWT VC, a W3C VC (vc+jwt) or an ISO mdoc, signed by the authority and bound to this
// phone's device key (issuer/claims/export.py, docs/decisions/0260). The request is signed
// by the device key with the time and the format, like a refresh. The wallet checks the
// export names its own key, keeps it in a database of its own, and presents it: SD-JWT VC
// with a key-binding JWT, mdoc as a DeviceResponse with deviceAuth, both signed here by the
// device key, which never leaves the phone.

import * as f from "./format.js";
import { Raw, Tagged, decode, embedded, encode } from "./export_cbor.js";
import { expecting, postJson } from "./api.js";
import { ownKey } from "./device.js";
import { nowSeconds } from "./display.js";
import { database } from "./store.js";
import { readAuthorityKey } from "./views/claim.js";

export const FORMATS = ["sd-jwt-vc", "mdoc", "vc-jwt"];
const LABEL = new TextEncoder().encode("elicence/export/v1\0");
const ascii = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

const { tx } = database("elicence-wallet-exports", 1, ["exports"]);

/** The exports this wallet holds, keyed "<licence id>|<format>". */
export const exportsStore = {
  all: () => tx("exports", "readonly", (s) => s.getAll()),
  get: (id) => tx("exports", "readonly", (s) => s.get(id)),
  put: (record) => tx("exports", "readwrite", (s) => s.put(record)),
  remove: (id) => tx("exports", "readwrite", (s) => s.delete(id)),
};

/** Drops a licence's exports with the licence: they carry the same personal data. */
export async function forgetExports(licenceId) {
  for (const fmt of FORMATS) await exportsStore.remove(exportId(licenceId, fmt));
}

export const exportId = (licenceId, format) => `${licenceId}|${format}`;

/** "elicence/export/v1" 0x00 ‖ format ‖ 0x00 ‖ time (8 bytes) ‖ status ref ‖ device key. */
export function exportMessage(format, time, statusRef, deviceKey) {
  const when = new Uint8Array(8);
  new DataView(when.buffer).setBigUint64(0, BigInt(time));
  return f.concat(LABEL, ascii.encode(format), Uint8Array.of(0), when, statusRef, deviceKey);
}

const isExport = (b) => FORMATS.includes(b.format) && typeof b.export === "string"
  && typeof b.media_type === "string" && Number.isInteger(b.key_id);

/** Asks the issuer for `record`'s copy in `format`; the API outcome (api.js) — an "ok" body
 * checked to be signed by the authority's registered key and to bind this device's key, and
 * stored — or {kind: "not_genuine" | "not_bound" | "no_key"}. */
export async function requestExport(record, format) {
  const key = await ownKey();
  if (!key) return { kind: "no_key" };
  const ref = f.fromHex(record.statusRef);
  const ask = async (time) => expecting(await postJson("/api/v1/claims/export", {
    format, device_key: f.b64url(key.compressed), status_ref: f.b64url(ref), time,
    signature: f.b64url(await f.es256Sign(key.privateKey, exportMessage(format, time, ref, key.compressed))),
  }), isExport);
  const time = nowSeconds();
  let answer = await ask(time);
  // A refresh or export of this copy was accepted within this same second: the issuer wants
  // a later time (one clock per copy), so this new request says the next second.
  if (answer.kind === "refused" && answer.reason === "request_replayed") answer = await ask(time + 1);
  if (answer.kind !== "ok") return answer;
  const registered = await readAuthorityKey({ authority: record.authorityNumber, keyId: answer.body.key_id });
  if (registered.kind !== "ok") return registered;
  if (!(await signedBy(answer.body.format, answer.body.export, answer.body.key_id,
    f.fromHex(registered.body.public_key)))) return { kind: "not_genuine" };
  const own = await crypto.subtle.exportKey("jwk", key.publicKey);
  const bound = holderKeyOf(answer.body.format, answer.body.export);
  if (!bound || bound.x !== own.x || bound.y !== own.y) {
    return { kind: "not_bound" }; // not this phone's key: not stored, never presented
  }
  const stored = { id: exportId(record.id, format), licenceId: record.id, format,
    text: answer.body.export, mediaType: answer.body.media_type, keyId: answer.body.key_id,
    madeAt: time };
  await exportsStore.put(stored);
  return { ...answer, stored };
}

/** Whether the export carries a valid ES256 signature by the registered key `publicKey`
 * (key number `keyId`): the JWS for the JWT formats, issuerAuth's COSE_Sign1 for mdoc. */
export async function signedBy(format, text, keyId, publicKey) {
  try {
    const verifier = await f.importPublicKey(publicKey);
    if (format === "mdoc") {
      const [protectedHeader, , payload, signature] = mdocDocument(text).get("issuerSigned").get("issuerAuth");
      const toSign = encode(["Signature1", protectedHeader, new Uint8Array(0), payload]);
      return await f.es256Verify(verifier, signature, toSign);
    }
    const jwt = format === "sd-jwt-vc" ? text.split("~")[0] : text;
    const [header, payload, signature] = jwt.split(".");
    if (JSON.parse(utf8.decode(f.unb64url(header))).kid !== String(keyId)) return false;
    return await f.es256Verify(verifier, f.unb64url(signature), ascii.encode(`${header}.${payload}`));
  } catch (e) {
    // A key that is not a P-256 point, bytes that are not the format: not genuine.
    if (e instanceof DOMException || e instanceof f.FormatError || e instanceof SyntaxError
      || e instanceof TypeError) return false;
    throw e;
  }
}

function jwtPayload(jwt) {
  return JSON.parse(utf8.decode(f.unb64url(jwt.split(".")[1])));
}

/** The holder key an export binds, as {x, y} (base64url), or null. */
export function holderKeyOf(format, text) {
  try {
    if (format === "sd-jwt-vc") return jwtPayload(text.split("~")[0]).cnf?.jwk ?? null;
    if (format === "vc-jwt") return jwtPayload(text).credentialSubject?.holderKey ?? null;
    const mso = embedded(decode(mdocDocument(text).get("issuerSigned").get("issuerAuth")[2]));
    const device = mso.get("deviceKeyInfo").get("deviceKey");
    return { x: f.b64url(device.get(-2)), y: f.b64url(device.get(-3)) };
  } catch (e) {
    if (e instanceof f.FormatError || e instanceof SyntaxError || e instanceof TypeError) return null;
    throw e;
  }
}

/** The claim names an export can disclose: its SD-JWT disclosures or mdoc elements. */
export function disclosable(format, text) {
  if (format === "sd-jwt-vc") return sdDisclosures(text).map((d) => d.name);
  if (format === "mdoc") {
    const spaces = mdocDocument(text).get("issuerSigned").get("nameSpaces");
    return [...spaces.values()].flatMap((items) => items.map((i) => embedded(i).get("elementIdentifier")));
  }
  return [];
}

function sdDisclosures(text) {
  return text.split("~").slice(1).filter(Boolean).map((encoded) => {
    const [, name] = JSON.parse(utf8.decode(f.unb64url(encoded)));
    return { encoded, name };
  });
}

/** An SD-JWT VC presentation: the chosen disclosures and a key-binding JWT (typ kb+jwt)
 * over them for `audience` and `nonce`, signed by the device key. */
export async function presentSdJwt(text, names, { audience, nonce, now = nowSeconds() }) {
  const key = await ownKey();
  const chosen = sdDisclosures(text).filter((d) => names.includes(d.name)).map((d) => d.encoded);
  const presented = [text.split("~")[0], ...chosen, ""].join("~");
  const sdHash = f.b64url(await f.sha256(ascii.encode(presented)));
  const part = (value) => f.b64url(ascii.encode(JSON.stringify(value)));
  const input = `${part({ alg: "ES256", typ: "kb+jwt" })}.${part({ iat: now, aud: audience, nonce, sd_hash: sdHash })}`;
  // WebCrypto's ECDSA signature is r‖s, exactly JWS ES256's form.
  const signature = await f.es256Sign(key.privateKey, ascii.encode(input));
  return `${presented}${input}.${f.b64url(signature)}`;
}

function mdocDocument(text) {
  const container = decode(f.unb64url(text));
  const documents = container instanceof Map ? container.get("documents") : null;
  if (!Array.isArray(documents) || !(documents[0] instanceof Map)) {
    throw new f.FormatError("The mdoc holds no document.", "mdoc_invalid");
  }
  return documents[0];
}

/** An ISO 18013-5 DeviceResponse with the chosen elements; deviceAuth is a COSE_Sign1
 * (ES256, detached payload) by the device key over DeviceAuthenticationBytes for the
 * verifier's SessionTranscriptBytes (`transcript`, tag 24 around the transcript). */
export async function presentMdoc(text, names, transcript) {
  const key = await ownKey();
  const doc = mdocDocument(text);
  const issuerSigned = doc.get("issuerSigned");
  const chosen = new Map();
  for (const [space, items] of issuerSigned.get("nameSpaces")) {
    const kept = items.filter((i) => names.includes(embedded(i).get("elementIdentifier")));
    if (kept.length) chosen.set(space, kept);
  }
  const wrapped = decode(transcript);
  if (!(wrapped instanceof Tagged) || wrapped.tag !== 24 || !(wrapped.value instanceof Uint8Array)) {
    throw new f.FormatError("The session transcript is not a tag-24 CBOR item.", "transcript_invalid");
  }
  const docType = doc.get("docType");
  const deviceNameSpaces = new Tagged(24, encode(new Map()));
  const authentication = encode(new Tagged(24, encode(
    ["DeviceAuthentication", new Raw(wrapped.value), docType, deviceNameSpaces])));
  const protectedHeader = encode(new Map([[1, -7]])); // alg ES256
  const toSign = encode(["Signature1", protectedHeader, new Uint8Array(0), authentication]);
  const signature = await f.es256Sign(key.privateKey, toSign);
  const document = new Map([
    ["docType", docType],
    ["issuerSigned", new Map([["nameSpaces", chosen], ["issuerAuth", issuerSigned.get("issuerAuth")]])],
    ["deviceSigned", new Map([["nameSpaces", deviceNameSpaces], ["deviceAuth", new Map([
      ["deviceSignature", [protectedHeader, new Map(), null, signature]]])]])],
  ]);
  return encode(new Map([["version", "1.0"], ["documents", [document]], ["status", 0]]));
}
