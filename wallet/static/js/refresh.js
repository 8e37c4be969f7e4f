// 更新证照 / Refreshing a copy: when a predicate would read differently today (a birthday
// passed, a term of operation ended) or the copy is older than the holder's setting (else
// the installation's: refresh_age.js), the wallet asks the issuer to sign its copy again
// (issuer/claims/refresh.py). The request is signed by this phone's device key with the
// time, so no claim code is needed and a recorded request cannot be replayed. The new copy
// is checked here exactly as a claimed one is, and only then replaces the old one.

import * as f from "./format.js";
import { explain, expecting, postJson } from "./api.js";
import { licenceFromBytes } from "./decode.js";
import { ownKey } from "./device.js";
import { nowSeconds } from "./display.js";
import { $ } from "./dom.js";
import { pick, t } from "./i18n.js";
import { changedPredicates, chinaDay } from "./predicates.js";
import { schemaFor } from "./schemas.js";
import { readRecord } from "./stored.js";
import { licences } from "./store.js";
import { refreshAfterDays } from "./refresh_age.js";
import { authorityKeyFor, verifyBoundLicence } from "./verify.js";
import { readAuthorityKey } from "./views/claim.js";
import { renderCards } from "./views/licences.js";

const LABEL = new TextEncoder().encode("elicence/refresh/v1\0");

/** "elicence/refresh/v1" 0x00 ‖ time (8 bytes, big-endian) ‖ status ref ‖ device key. */
export function refreshMessage(time, statusRef, deviceKey) {
  const when = new Uint8Array(8);
  new DataView(when.buffer).setBigUint64(0, BigInt(time));
  return f.concat(LABEL, when, statusRef, deviceKey);
}

/** Why the stored copy should be signed again now ("predicates", "age"), or null; `days`:
 * the age in days after which a copy is due (null: age alone never makes it due). */
export function refreshReason(record, now, days) {
  const d = readRecord(record);
  const status = record.status?.status || "active";
  if (!d.boundHere || status !== "active") return null;
  if (changedPredicates(d, chinaDay(now)).length) return "predicates";
  const signed = Number(licenceFromBytes(record.cbor, schemaFor).header.issuedAt);
  return days && now - signed > days * 86400 ? "age" : null;
}

const hasCopy = (b) => f.isB64url(b.licence) && typeof b.refreshed === "boolean"
  && Array.isArray(b.changed);

/** Asks for one licence's copy signed again; returns [text, kind] for the status line. */
async function refreshOne(record) {
  const key = await ownKey();
  const ref = f.fromHex(record.statusRef);
  const time = nowSeconds();
  const signature = await f.es256Sign(key.privateKey, refreshMessage(time, ref, key.compressed));
  const answer = expecting(await postJson("/api/v1/claims/refresh", {
    device_key: f.b64url(key.compressed), status_ref: f.b64url(ref), time,
    signature: f.b64url(signature) }), hasCopy);
  if (answer.kind !== "ok") return [explain(answer, "refresh_offline"), "bad"];
  if (!answer.body.refreshed) return null;
  const cbor = f.unb64url(answer.body.licence);
  let lic;
  try {
    lic = licenceFromBytes(cbor, schemaFor);
    const authorityKey = await readAuthorityKey(lic.header);
    if (authorityKey.kind !== "ok") return [explain(authorityKey, "refresh_offline"), "bad"];
    await verifyBoundLicence(lic, key.compressed,
      await authorityKeyFor(lic, f.fromHex(authorityKey.body.public_key)));
  } catch (e) {
    if (e instanceof f.FormatError) return [t("refresh_failed", { reason: e.reason }), "bad"];
    throw e;
  }
  if (f.toHex(lic.statusRef) !== record.statusRef) return [t("refresh_failed", { reason: "status_ref" }), "bad"];
  await licences.put({ ...record, cbor, refreshedAt: nowSeconds() });
  const titles = answer.body.changed.map((name) => lic.schema.claims.find((c) => c.name === name))
    .filter(Boolean).map((c) => pick(c.title));
  return [t("refresh_done", { what: pick(lic.schema.title),
    changed: titles.length ? titles.join(", ") : t("refresh_nothing_changed") }), "good"];
}

let running = Promise.resolve(0);

/** Refreshes every copy that is due; says what changed in the licences screen. Runs one
 * after another (start, reconnecting, a changed setting), so no copy is asked for twice. */
export function refreshCopies(now) {
  const next = () => refreshDue(now ?? nowSeconds());
  running = running.then(next, next);
  return running;
}

async function refreshDue(now) {
  if (!navigator.onLine) return 0;
  const days = await refreshAfterDays();
  let done = 0;
  for (const record of await licences.all()) {
    let reason;
    try {
      reason = refreshReason(record, now, days);
    } catch (e) {
      if (!(e instanceof f.FormatError)) throw e;
      continue; // a stored copy this wallet cannot read: its card says so, nothing to ask
    }
    if (!reason) continue;
    const said = await refreshOne(record);
    if (!said) continue;
    const [text, kind] = said;
    const line = $("refresh-status");
    line.hidden = false;
    line.textContent = text;
    line.className = `status ${kind}`;
    if (kind === "good") done += 1;
  }
  if (done) await renderCards();
  return done;
}
