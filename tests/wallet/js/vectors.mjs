// Test harness: runs every QR vector of tests/vectors through the wallet's decoding
// (wallet/static/js/decode.js) and local checks (verify.js) in the order a verifier applies
// them before consulting the chain, as tests/licence/test_licence_vectors.py does with the
// Python reference. Stdin may add more vectors ({"extra": {name: vector}}, same fields).
// Prints {limits, results: [{file, outcome, fields}]} as JSON; outcome is "valid" or
// "error:<reason>". tests/wallet/test_vectors_js.py compares them with the expectations.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError, fromHex, K, toHex } from "../../../wallet/static/js/format.js";
import { decodeUnverified, LIMITS } from "../../../wallet/static/js/decode.js";
import { authorityKeyFor, verifyDevice, verifySignature } from "../../../wallet/static/js/verify.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const VECTORS = join(ROOT, "tests", "vectors");
const SCHEMAS = join(ROOT, "licence", "schemas");

const schemas = readdirSync(SCHEMAS).filter((n) => n.endsWith(".json"))
  .map((n) => JSON.parse(readFileSync(join(SCHEMAS, n), "utf8")));
const schemaFor = (code) => schemas.find((s) => s.code === code);

const isoDay = (days) => new Date(days * 86400000).toISOString().slice(0, 10);

/** The licence's facts in the vectors' "expected" form (claims by name, dates ISO). */
function fieldsOf(lic, root) {
  const claims = {};
  for (const [key, value] of lic.claims) {
    const spec = lic.schema.claims.find((c) => c.key === key);
    claims[spec.name] = spec.type === "date" ? isoDay(value) : value;
  }
  const h = lic.header;
  return { authority: h.authority, key_id: h.keyId, licence_type: h.licenceType,
    issued_at: h.issuedAt, subtree_root: toHex(root), status_ref: toHex(lic.map.get(K.statusRef)),
    valid_from: lic.validFrom, valid_until: lic.validUntil, claims };
}

async function verifyOffline(vector) {
  const decoded = await decodeUnverified(vector.qr, schemaFor);
  const pres = decoded.presentation ?? null;
  const lic = pres ? pres.licence : decoded.licence;
  const root = await verifySignature(lic, await authorityKeyFor(lic, fromHex(vector.authority_public_key)));
  if (pres) await verifyDevice(pres, vector.now, vector.challenge ? fromHex(vector.challenge) : null);
  return fieldsOf(lic, root);
}

async function run(file, vector) {
  try {
    return { file, outcome: "valid", fields: await verifyOffline(vector) };
  } catch (e) {
    if (!(e instanceof FormatError)) throw e; // a crash is a failure, never an outcome
    return { file, outcome: `error:${e.reason}`, fields: null };
  }
}

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const stdin = Buffer.concat(chunks).toString("utf8").trim();
const extra = stdin ? JSON.parse(stdin).extra : {};

const results = [];
for (const kind of readdirSync(VECTORS, { withFileTypes: true }).filter((d) => d.isDirectory())) {
  for (const name of readdirSync(join(VECTORS, kind.name)).filter((n) => n.endsWith(".json")).sort()) {
    const vector = JSON.parse(readFileSync(join(VECTORS, kind.name, name), "utf8"));
    results.push(await run(`${kind.name}/${name.replace(/\.json$/, "")}`, vector));
  }
}
for (const [name, vector] of Object.entries(extra)) results.push(await run(`extra/${name}`, vector));
const bigints = (_, v) => (typeof v === "bigint" ? Number(v) : v);
process.stdout.write(JSON.stringify({ limits: LIMITS, results }, bigints));
