// The checks a licence or live presentation passes without the chain, on what decode.js
// returns, in the Python reference's order (licence.py verify_signature, presentation.py
// verify_device): claims root, batch proof, the authority's signature; then the device's
// signature, the challenge and freshness. Whether the root is anchored, the key valid at
// issue time and the licence not revoked are the counter's checks against the chain.
// Each check throws a FormatError with its reason code.

import {
  claimDigest, claimsRoot as rootFromSeed, deviceDigest, equalBytes, es256Verify, FormatError,
  importPublicKey, K, leafHash, licenceSigStructure, presentationSigStructure,
  rootFromMultiproof, rootFromProof,
} from "./format.js";
import { LIMITS } from "./decode.js";
import { SuiteError } from "./suites.js";

/** The claims root: from the seed (full licence) or from the disclosed claims, their
 * salts and the multiproof (a partial disclosure). */
export async function claimsRoot(lic) {
  const { suite } = lic.header;
  if (lic.seed) return rootFromSeed(lic.schema, lic.claims, lic.seed, suite);
  const disclosed = new Map();
  for (const [key, value] of lic.claims) {
    const spec = lic.schema.claims.find((c) => c.key === key);
    disclosed.set(spec.name, await claimDigest(key, value, lic.salts.get(key), suite));
  }
  return rootFromMultiproof(lic.schema, disclosed, lic.multiproof, suite);
}

/** The signed subtree root this licence proves membership of. */
export async function subtreeRoot(lic) {
  const { suite } = lic.header;
  const leaf = await leafHash(lic.map, await claimsRoot(lic), lic.deviceDigest, suite);
  return rootFromProof(leaf, lic.index, lic.header.subtreeSize, lic.proof, suite);
}

/** The authority's key as registered (33 bytes) → the verifying key of the licence's suite;
 * a key of the other suite is refused (algorithm_mismatch), never tried. */
export async function authorityKeyFor(lic, registered) {
  try {
    return await lic.header.suite.importKey(registered);
  } catch (e) {
    if (e instanceof SuiteError) throw new FormatError(e.message, e.reason);
    throw e;
  }
}

/** The authority's signature over the subtree root (`authorityKey` from authorityKeyFor);
 * returns that root. */
export async function verifySignature(lic, authorityKey) {
  const root = await subtreeRoot(lic);
  const tbs = licenceSigStructure(lic.map.get(K.protected), root);
  let ok;
  try {
    ok = await lic.header.suite.verify(authorityKey, lic.map.get(K.signature), tbs);
  } catch (e) {
    if (e instanceof SuiteError) throw new FormatError(e.message, e.reason);
    throw e;
  }
  if (!ok) {
    throw new FormatError("The authority's signature does not match: the licence was altered "
      + "or signed by another key.", "signature_invalid");
  }
  return root;
}

/** A wallet-bound copy is bound to this wallet's device key. */
export async function checkBoundHere(lic, ownCompressedKey) {
  if (lic.deviceDigest === null || !equalBytes(lic.deviceDigest,
    await deviceDigest(ownCompressedKey, lic.header.suite))) {
    throw new FormatError("The licence is bound to another device key.", "device_key_mismatch");
  }
}

/** A live presentation: the device's signature over its body, the counter's challenge
 * (when one is expected) and freshness at `now` (unix seconds). */
export async function verifyDevice(pres, now, challenge = null) {
  let key;
  try {
    key = await importPublicKey(pres.deviceKey);
  } catch (e) {
    if (e instanceof DOMException) {
      throw new FormatError("The device key is not a valid P-256 point.", "key_invalid");
    }
    throw e;
  }
  if (!(await es256Verify(key, pres.signature, presentationSigStructure(pres.body)))) {
    throw new FormatError("The live code's signature does not match its device key.",
      "device_signature_invalid");
  }
  if (challenge !== null && !equalBytes(challenge, pres.challenge)) {
    throw new FormatError("The code answers a different challenge.", "challenge_mismatch");
  }
  checkTime(pres, now);
}

/** Not older than PRESENTATION_MAX_AGE, not dated more than the clock skew ahead. */
export function checkTime(pres, now) {
  const time = Number(pres.time);
  if (time < now - LIMITS.PRESENTATION_MAX_AGE) {
    throw new FormatError(`The live code is more than ${LIMITS.PRESENTATION_MAX_AGE} seconds `
      + "old.", "presentation_stale");
  }
  if (time > now + LIMITS.PRESENTATION_CLOCK_SKEW) {
    throw new FormatError("The live code is dated in the future.", "presentation_from_future");
  }
}

/**
 * A bound full licence as the claim answer brings it (decoded by licenceFromBytes): bound
 * to this wallet's key, claims root from the seed, batch proof, and the authority's
 * signature. Returns the subtree root.
 */
export async function verifyBoundLicence(lic, ownCompressedKey, authorityKey) {
  if (!lic.seed) {
    throw new FormatError("The licence is not a full licence.", "structure_invalid");
  }
  await checkBoundHere(lic, ownCompressedKey);
  return verifySignature(lic, authorityKey);
}
