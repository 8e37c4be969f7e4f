// Test harness: the wallet's SM2-with-SM3 suite (wallet/static/js/suites.js, with the
// sm-crypto-v2 browser bundle the wallet page loads) on the cases tests/wallet/test_sm2_js.py
// sends on stdin: {sm3: [{name, message_hex}], sm2: [{name, public_key_hex, user_id,
// message_hex, signature_hex}], licences: [{name, qr, authority_public_key}]}. Prints
// {sm3: {name: digest_hex}, sm2: {name: bool}, licences: {name: {outcome, fields}}}; a
// licence's outcome is "valid" or "error:<reason>", as tests/wallet/js/vectors.mjs gives it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInThisContext } from "node:vm";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
// The very file the wallet serves (scripts/bootstrap copies it from node_modules).
runInThisContext(readFileSync(join(ROOT, "wallet/static/vendor/sm-crypto-v2.js"), "utf8"));

const { FormatError, fromHex, K, toHex } = await import("../../../wallet/static/js/format.js");
const { decodeUnverified } = await import("../../../wallet/static/js/decode.js");
const { authorityKeyFor, claimsRoot, subtreeRoot, verifySignature } =
  await import("../../../wallet/static/js/verify.js");
const { SM2_SM3 } = await import("../../../wallet/static/js/suites.js");
const { leafHash } = await import("../../../wallet/static/js/format.js");

const SCHEMAS = join(ROOT, "licence", "schemas");
const schemas = readdirSync(SCHEMAS).filter((n) => n.endsWith(".json"))
  .map((n) => JSON.parse(readFileSync(join(SCHEMAS, n), "utf8")));
const schemaFor = (code) => schemas.find((s) => s.code === code);

async function checkLicence(c) {
  const decoded = await decodeUnverified(c.qr, schemaFor);
  const lic = decoded.licence;
  const key = await authorityKeyFor(lic, fromHex(c.authority_public_key));
  const root = await verifySignature(lic, key);
  const h = lic.header;
  const claims = [...lic.claims.keys()]
    .map((k) => lic.schema.claims.find((s) => s.key === k).name).sort();
  const claimsRootBytes = await claimsRoot(lic);
  return { alg: h.suite.alg, authority: h.authority, key_id: h.keyId,
    licence_type: h.licenceType, issued_at: Number(h.issuedAt), subtree_size: h.subtreeSize,
    claims_root: toHex(claimsRootBytes),
    leaf_hash: toHex(await leafHash(lic.map, claimsRootBytes, lic.deviceDigest, h.suite)),
    subtree_root: toHex(root), status_ref: toHex(lic.map.get(K.statusRef)),
    recomputed_root: toHex(await subtreeRoot(lic)), claims };
}

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const cases = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const out = { sm3: {}, sm2: {}, licences: {} };
for (const c of cases.sm3) out.sm3[c.name] = toHex(await SM2_SM3.digest(fromHex(c.message_hex)));
for (const c of cases.sm2) {
  const key = await SM2_SM3.importKey(fromHex(c.public_key_hex));
  out.sm2[c.name] = await SM2_SM3.verify(key, fromHex(c.signature_hex), fromHex(c.message_hex),
    c.user_id);
}
for (const c of cases.licences) {
  try {
    out.licences[c.name] = { outcome: "valid", fields: await checkLicence(c) };
  } catch (e) {
    if (!(e instanceof FormatError)) throw e; // a crash is a failure, never an outcome
    out.licences[c.name] = { outcome: `error:${e.reason}`, fields: null };
  }
}
process.stdout.write(JSON.stringify(out));
