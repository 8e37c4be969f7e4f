// 添加证照 / Add licence: claim code + device key + proof of possession → a licence bound
// to this wallet (issuer/claims/exchange.py), stored only after every check on this phone passed,
// the authority's signature included. A claim whose signature cannot be checked now is
// not stored: claiming again later with the same code returns the same bound copy.

import * as f from "../format.js";
import { explain, expecting, getJson, postJson } from "../api.js";
import { licenceFromBytes } from "../decode.js";
import { ownKey } from "../device.js";
import { nowSeconds } from "../display.js";
import { $, reporting, say } from "../dom.js";
import { pick, t } from "../i18n.js";
import { schemaFor } from "../schemas.js";
import { licences } from "../store.js";
import { authorityKeyFor, verifyBoundLicence } from "../verify.js";
import { deviceLabel } from "./devices.js";
import { renderCards } from "./licences.js";

export function initClaim() {
  $("claim-form").addEventListener("submit", (e) => {
    e.preventDefault();
    claimLicence($("claim-code").value);
  });
}

export async function claimLicence(code) {
  const normal = f.normaliseCode(code);
  if (!normal) return say("claim-status", t("claim_bad_code"), "bad");
  if (!navigator.onLine) return say("claim-status", t("claim_offline"), "bad");
  $("claim-submit").disabled = true;
  say("claim-status", t("claim_working"));
  try {
    const [text, kind] = await reporting("claim-status", () => claim(normal));
    say("claim-status", text, kind);
  } finally {
    $("claim-submit").disabled = false;
  }
}

const refused = (text) => [text, "bad"];
const failedCheck = (e) => refused(t("claim_failed", { reason: e.reason }));
const hasChallenge = (b) => f.isB64url(b.challenge);
const hasLicence = (b) => f.isB64url(b.licence) && typeof b.authority === "string";

/** The claim itself: returns [text, kind] for the status line. */
async function claim(code) {
  const key = await ownKey(true);
  const ch = expecting(await postJson("/api/v1/claims/challenge", {}), hasChallenge);
  if (ch.kind !== "ok") return refused(explain(ch, "claim_offline"));
  const message = f.claimMessage(f.unb64url(ch.body.challenge), code, key.compressed);
  const signature = await f.es256Sign(key.privateKey, message);
  const answer = expecting(await postJson("/api/v1/claims", { code,
    device_key: f.b64url(key.compressed), challenge: ch.body.challenge,
    signature: f.b64url(signature), device_label: deviceLabel() }), hasLicence);
  if (answer.kind !== "ok") return refused(explain(answer, "claim_offline"));
  const cbor = f.unb64url(answer.body.licence);
  let lic;
  try {
    lic = licenceFromBytes(cbor, schemaFor);
  } catch (e) {
    if (e instanceof f.FormatError) return failedCheck(e);
    throw e;
  }
  const authorityKey = await readAuthorityKey(lic.header);
  if (authorityKey.kind !== "ok") {
    return refused(t("claim_unchecked", { reason: explain(authorityKey, "claim_offline") }));
  }
  try {
    await verifyBoundLicence(lic, key.compressed,
      await authorityKeyFor(lic, f.fromHex(authorityKey.body.public_key)));
  } catch (e) {
    if (e instanceof f.FormatError) return failedCheck(e);
    throw e;
  }
  const statusRef = f.toHex(lic.statusRef);
  await licences.put({ id: `${lic.header.authority}:${statusRef}`, cbor, type: lic.schema.name,
    authorityId: answer.body.authority, authorityNumber: lic.header.authority, statusRef,
    claimedAt: nowSeconds(),
    status: { status: answer.body.status || "active", checkedAt: nowSeconds() } });
  $("claim-code").value = "";
  await renderCards();
  return [t("claim_done", { what: `${pick(lic.schema.title)} · ${answer.body.authority}` }), "good"];
}

// SEC1 P-256: 33 bytes compressed (as the registry holds them) or 65 uncompressed.
const isKey = (b) => /^(0[23][0-9a-f]{64}|04[0-9a-f]{128})$/.test(b.public_key);

/** The authority's registered public key, read from the chain by the server, as an
 * outcome whose body.public_key is its hex; which suite it belongs to, and whether it is
 * the licence's, is verify.js's check (authorityKeyFor). */
export async function readAuthorityKey(header) {
  return expecting(
    await getJson(`/wallet/api/key?authority=${header.authority}&key=${header.keyId}`), isKey);
}
