// Test harness: the wallet's delegation code (wallet/static/js/delegation.js) under Node, on
// jobs from Python: the holder delegates and revokes; the agent reads a handover code and
// shows live codes. Python checks each output with the reference `licence` package.
import * as f from "../../../wallet/static/js/format.js";
import * as d from "../../../wallet/static/js/delegation.js";
import { licenceFromBytes } from "../../../wallet/static/js/decode.js";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const job = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const signer = (jwk) => globalThis.crypto.subtle.importKey("jwk", jwk,
  { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
const out = [];
for (const t of job.tasks) {
  const schemaFor = (code) => (code === t.schema.code ? t.schema : null);
  const result = {};
  if (t.holder_jwk) {
    const lic = licenceFromBytes(f.fromHex(t.licence), schemaFor);
    let made;
    try {
      made = await d.makeDelegation(lic.map, t.schema, t.names, await signer(t.holder_jwk),
        f.fromHex(t.holder_key), f.fromHex(t.agent_key), t.until);
    } catch (e) {
      if (!(e instanceof f.FormatError)) throw e;
      out.push({ make_error: e.reason });
      continue;
    }
    result.handover = made.handover;
    result.id = f.toHex(made.id);
    result.revocation = await d.revocationRequest(made.body, made.signature,
      await signer(t.holder_jwk));
  }
  const handover = t.handover || result.handover;
  try {
    const got = await d.readHandover(handover, f.fromHex(t.agent_key), schemaFor);
    result.read_id = f.toHex(got.id);
    result.live = await d.delegatedPresentationText(got.lic, got.compact,
      await signer(t.agent_jwk), f.fromHex(t.agent_key), t.now, f.fromHex(t.challenge || ""));
  } catch (e) {
    if (!(e instanceof f.FormatError)) throw e;
    result.error = e.reason;
  }
  result.key_text = d.keyText(f.fromHex(t.agent_key));
  result.key_back = f.toHex(d.readKeyText(result.key_text));
  out.push(result);
}
process.stdout.write(JSON.stringify(out));
