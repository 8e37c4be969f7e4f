// Delegations in the browser, byte for byte as licence/delegation.py makes them
// (docs/decisions/0220): the holder's device signs an agent's key, the licence, the claims
// the agent may show and an end date; the agent's wallet reads the holder's handover code
// (ELD1) and shows live codes carrying the delegation, signed with its own device key.
// tests/wallet/test_delegation_js.py cross-checks this module with the Python reference.

import { licenceFromMap, loadsLimited } from "./decode.js";
import * as f from "./format.js";

const utf8 = new TextEncoder();
const DELEGATION_CONTEXT = utf8.encode("elicence/delegation/v1");
const REVOCATION_CONTEXT = utf8.encode("elicence/delegation-revocation/v1");
export const KEY_PREFIX = "ELDK:"; // the agent's wallet shows its device key as "ELDK:" + base45
export const HANDOVER_PREFIX = "ELD1:";
const D = { holder: 1, delegate: 2, licence: 3, claims: 4, until: 5, kid: 6 };
const B_DELEGATION = 5;
const KEY_BYTES = 33;
const LIVE_CODE_MAX_CHARS = 970; // a version-20 QR code at level M (licence/delegation.py)
const AGENT_CHALLENGE_BYTES = 4;
const MAX_CLAIM_KEY = 52; // bits above 2^53 would need BigInt; the schemas stay far below

const bad = (message, reason = "delegation_malformed") => new f.FormatError(message, reason);

/** The bit set of the claim keys an agent may show (bit k: claim key k). */
export function claimBits(keys) {
  let bits = 0;
  for (const key of keys) {
    if (!(Number.isInteger(key) && key >= 0 && key <= MAX_CLAIM_KEY)) {
      throw bad("A claim key is outside the delegation's bit set.", "claim_unknown");
    }
    bits += 2 ** key;
  }
  return bits;
}

const allows = (bits, key) => Math.floor(bits / 2 ** key) % 2 === 1;

/** The signed map {1: holder, 2: delegate, 3: status ref, 4: claims, 5: until}. */
export function delegationBody(holderKey, delegateKey, licenceRef, claims, until) {
  return f.cborEncode(new Map([[D.holder, holderKey], [D.delegate, delegateKey],
    [D.licence, licenceRef], [D.claims, claims], [D.until, until]]));
}

function sigStructure(context, payload) {
  return f.cborEncode(["Signature1", new Uint8Array(0), context, payload]);
}

/** 16 bytes of SHA-256 of the signed map: what a revocation names. */
export async function delegationId(body) {
  return (await f.sha256(body)).slice(0, f.NODE_BYTES);
}

async function kid(delegateKey) {
  return (await f.sha256(delegateKey)).slice(0, 4);
}

function compactOf(holderKey, claims, until, kidBytes, signature) {
  return [new Map([[D.holder, holderKey], [D.claims, claims], [D.until, until],
    [D.kid, kidBytes]]), signature];
}

/** The agent's device key as the QR text its wallet shows the holder. */
export function keyText(ownCompressedKey) {
  return KEY_PREFIX + f.base45(ownCompressedKey);
}

/** The agent's key from scanned text; null if it is not an agent's wallet code. */
export function readKeyText(text) {
  if (typeof text !== "string" || !text.startsWith(KEY_PREFIX)) return null;
  try {
    const key = f.base45Decode(text.slice(KEY_PREFIX.length));
    return key.length === KEY_BYTES && (key[0] === 2 || key[0] === 3) ? key : null;
  } catch (e) {
    if (e instanceof f.FormatError) return null;
    throw e;
  }
}

/**
 * The holder's wallet delegates its bound licence map `lic` to `delegateKey` for `names`
 * (null: every claim, handed over with the seed) until `until` (unix s). Returns
 * {handover (ELD1 text), id, body, signature, claims} — body and signature are what a
 * revocation sends.
 */
export async function makeDelegation(lic, schema, names, privateKey, holderKey, delegateKey,
  until) {
  const shared = await f.disclosureMap(lic, schema, names);
  const claims = claimBits([...shared.get(f.K.claims).keys()]);
  const body = delegationBody(holderKey, delegateKey, lic.get(f.K.statusRef), claims, until);
  const signature = await f.es256Sign(privateKey, sigStructure(DELEGATION_CONTEXT, body));
  const compact = compactOf(holderKey, claims, until, await kid(delegateKey), signature);
  // The agent's code must fit a version-20 QR code (with a counter code): measured on a code
  // of the same size signed by this wallet's key in place of the agent's, before handing over.
  const standIn = compactOf(holderKey, claims, until, await kid(holderKey), signature);
  const measured = await delegatedPresentationText(shared, standIn, privateKey, holderKey,
    0xffffffff, new Uint8Array(AGENT_CHALLENGE_BYTES));
  if (measured.length > LIVE_CODE_MAX_CHARS) {
    throw new f.FormatError("With a delegation, the whole of this licence is too long for "
      + "one QR code; choose fewer items for the agent.", "delegation_too_large");
  }
  // Stored, like the wallet's live codes (decoders accept both).
  const handover = HANDOVER_PREFIX + f.base45(f.cborEncode([shared, compact]));
  return { handover, id: await delegationId(body), body, signature, claims };
}

/**
 * The agent's wallet reads the holder's handover code: the holder's signature over this
 * wallet's key and the licence, and a copy showing nothing beyond it. Returns {lic (the
 * licence map), compact, holderKey, until, claims, id, header}; FormatError otherwise.
 */
export async function readHandover(text, ownCompressedKey, schemaFor) {
  if (typeof text !== "string" || !text.startsWith(HANDOVER_PREFIX)) {
    throw bad("This is not a delegation handover code.", "prefix_unknown");
  }
  const data = f.base45Decode(text.slice(HANDOVER_PREFIX.length));
  const outer = loadsLimited(data);
  if (!Array.isArray(outer) || outer.length !== 2 || !(outer[0] instanceof Map)
    || outer[0].has(f.K.device)) {
    throw bad("The handover code is not [licence, delegation].");
  }
  const lic = licenceFromMap(outer[0], schemaFor);
  const compact = outer[1];
  const fields = Array.isArray(compact) && compact.length === 2 ? compact[0] : null;
  const signature = fields ? compact[1] : null;
  if (!(fields instanceof Map) || fields.size !== 4
    || ![D.holder, D.claims, D.until, D.kid].every((k) => fields.has(k))
    || !(signature instanceof Uint8Array) || signature.length !== 64) {
    throw bad("The delegation lacks its fields.");
  }
  const holderKey = fields.get(D.holder);
  const claims = fields.get(D.claims);
  const until = fields.get(D.until);
  if (!(holderKey instanceof Uint8Array) || holderKey.length !== KEY_BYTES
    || !Number.isSafeInteger(claims) || claims <= 0 || !Number.isSafeInteger(until)) {
    throw bad("The delegation's holder key, claims or end is malformed.");
  }
  if (!f.equalBytes(fields.get(D.kid), await kid(ownCompressedKey))) {
    throw bad("This delegation was given to another wallet.", "delegate_key_mismatch");
  }
  const body = delegationBody(holderKey, ownCompressedKey, lic.statusRef, claims, until);
  const holder = await f.importPublicKey(holderKey);
  if (!(await f.es256Verify(holder, signature, sigStructure(DELEGATION_CONTEXT, body)))) {
    throw bad("The delegation is not signed by the licence's holder.",
      "delegation_signature_invalid");
  }
  if (![...lic.claims.keys()].every((key) => allows(claims, key))) {
    throw bad("The copy shows more than the delegation allows.", "delegation_claims_exceeded");
  }
  return { lic: outer[0], compact, holderKey, until, claims, id: await delegationId(body),
    header: lic.header };
}

/** The agent's live code: the handed-over licence map and delegation, signed by this
 * wallet's own device key (licence.present_delegated). */
export async function delegatedPresentationText(licMap, compact, privateKey,
  ownCompressedKey, now, challenge = null) {
  const body = new Map([[1, licMap], [2, ownCompressedKey], [3, now],
    [B_DELEGATION, [compact]]]);
  if (challenge && challenge.length) body.set(4, challenge);
  const bodyBytes = f.cborEncode(body);
  const signature = await f.es256Sign(privateKey, f.presentationSigStructure(bodyBytes));
  return f.PRESENTATION_PREFIX + f.base45(f.cborEncode([bodyBytes, signature]));
}

/** POST /api/v1/delegations/revoke's body: the delegation and the holder's signature
 * over its id. */
export async function revocationRequest(body, signature, privateKey) {
  const id = await delegationId(body);
  return { delegation: f.b64url(f.cborEncode([body, signature])),
    signature: f.b64url(await f.es256Sign(privateKey, sigStructure(REVOCATION_CONTEXT, id))) };
}
