// The wallet's device key: one ECDSA P-256 pair made on the first claim, kept
// non-extractable in IndexedDB (docs/decisions/0061-device-key.md).

import * as f from "./format.js";
import { nowSeconds } from "./display.js";
import { keys } from "./store.js";
import { ES256, SuiteError, SUITES } from "./suites.js";

// H(0x04 ‖ compressed key) per suite name: what a licence bound to this wallet carries (an
// SM2 authority's licence hashes the same P-256 device key with SM3).
let digests = null;

/** The device key record, made now when `create` is set and there is none yet. */
export async function ownKey(create = false) {
  let record = await keys.get("device");
  if (!record && create) {
    const pair = await f.generateDeviceKey();
    record = { id: "device", privateKey: pair.privateKey, publicKey: pair.publicKey,
      compressed: await f.compressedKey(pair.publicKey), created: nowSeconds() };
    await keys.put(record);
  }
  if (record && !digests) {
    digests = new Map();
    for (const suite of SUITES) {
      try {
        digests.set(suite, await f.deviceDigest(record.compressed, suite));
      } catch (e) {
        // Without the SM2 bundle, ES256 licences still work; SM2 cards show as not bound.
        if (!(e instanceof SuiteError)) throw e;
      }
    }
  }
  return record;
}

/** Whether a licence's device digest, in its suite's hash, is this wallet's (call ownKey()
 * first). */
export function boundHere(deviceDigest, suite = ES256) {
  const own = digests?.get(suite);
  return own !== undefined && deviceDigest instanceof Uint8Array && f.equalBytes(deviceDigest, own);
}
