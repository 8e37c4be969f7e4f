// The wallet's device key: one ECDSA P-256 pair made on the first claim, kept
// non-extractable in IndexedDB (docs/decisions/0061-device-key.md).

import * as f from "./format.js";
import { nowSeconds } from "./display.js";
import { keys } from "./store.js";

let digest = null; // H(0x04 ‖ compressed key): what a licence bound to this wallet carries

/** The device key record, made now when `create` is set and there is none yet. */
export async function ownKey(create = false) {
  let record = await keys.get("device");
  if (!record && create) {
    const pair = await f.generateDeviceKey();
    record = { id: "device", privateKey: pair.privateKey, publicKey: pair.publicKey,
      compressed: await f.compressedKey(pair.publicKey), created: nowSeconds() };
    await keys.put(record);
  }
  if (record && !digest) digest = await f.deviceDigest(record.compressed);
  return record;
}

/** Whether a licence's device digest is this wallet's (call ownKey() first). */
export function boundHere(deviceDigest) {
  return digest !== null && deviceDigest instanceof Uint8Array && f.equalBytes(deviceDigest, digest);
}
