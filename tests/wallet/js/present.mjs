// Test harness: builds ELP1 texts with the wallet's JS format code (wallet/static/js/format.js)
// from a JSON job on stdin, so Python can check them with the reference `licence` package.
// Each bound licence is decoded (decode.js) and checked (verify.js) as the claim screen does.
import * as f from "../../../wallet/static/js/format.js";
import { licenceFromBytes } from "../../../wallet/static/js/decode.js";
import { checkBoundHere, subtreeRoot, verifyBoundLicence } from "../../../wallet/static/js/verify.js";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const job = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const out = [];
for (const t of job.tasks) {
  const lic = licenceFromBytes(f.fromHex(t.licence), (code) => (code === t.schema.code ? t.schema : null));
  const key = await globalThis.crypto.subtle.importKey("jwk", t.device_jwk,
    { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const own = f.fromHex(t.device_key);
  const authority = t.authority_key ? await f.importPublicKey(f.fromHex(t.authority_key)) : null;
  let verified = null;
  try {
    if (authority) {
      verified = f.toHex(await verifyBoundLicence(lic, own, authority));
    } else {
      await checkBoundHere(lic, own);
      verified = f.toHex(await subtreeRoot(lic));
    }
  } catch (e) {
    if (!(e instanceof f.FormatError)) throw e;
    verified = "error:" + e.reason;
  }
  const challenge = t.challenge ? f.fromHex(t.challenge) : null;
  const qr = await f.presentationText(lic.map, t.schema, t.disclose, key, own, t.now, challenge);
  const receipts = await f.receiptsRequest("list", key, own, t.now);
  out.push({ qr, verified, receipts, reencoded: f.toHex(f.cborEncode(lic.map)) });
}
process.stdout.write(JSON.stringify(out));
