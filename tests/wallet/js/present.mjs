// Test harness: builds ELP1 texts with the wallet's JS format code (wallet/static/js/format.js)
// from a JSON job on stdin, so Python can check them with the reference `licence` package.
import * as f from "../../../wallet/static/js/format.js";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const job = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const out = [];
for (const t of job.tasks) {
  const lic = f.cborDecode(f.fromHex(t.licence));
  const key = await globalThis.crypto.subtle.importKey("jwk", t.device_jwk,
    { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const own = f.fromHex(t.device_key);
  const authority = t.authority_key ? await f.importPublicKey(f.fromHex(t.authority_key)) : null;
  let verified = null;
  try {
    verified = f.toHex((await f.verifyBoundLicence(lic, t.schema, own, authority)).subtreeRoot);
  } catch (e) {
    verified = "error:" + e.reason;
  }
  const challenge = t.challenge ? f.fromHex(t.challenge) : null;
  const qr = await f.presentationText(lic, t.schema, t.disclose, key, own, t.now, challenge);
  const receipts = await f.receiptsRequest("list", key, own, t.now);
  out.push({ qr, verified, receipts, reencoded: f.toHex(f.cborEncode(lic)) });
}
process.stdout.write(JSON.stringify(out));
