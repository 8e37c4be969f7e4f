// 哪些设备持有此证照 / Devices holding this licence: the issuer answers, for a request
// signed by this phone's device key (issuer/claims/copies.py), how many devices hold the
// licence and when each was added, so a holder notices a copy they did not make.

import * as f from "../format.js";
import { explain, expecting, postJson } from "../api.js";
import { ownKey } from "../device.js";
import { isoDate, nowSeconds } from "../display.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";

const LABEL = new TextEncoder().encode("elicence/copies/v1\0");

/** "elicence/copies/v1" 0x00 ‖ time (8 bytes, big-endian) ‖ status ref ‖ device key. */
export function copiesMessage(time, statusRef, deviceKey) {
  const when = new Uint8Array(8);
  new DataView(when.buffer).setBigUint64(0, BigInt(time));
  return f.concat(LABEL, when, statusRef, deviceKey);
}

/** A plain name for this device, sent when claiming and shown back in the list. */
export function deviceLabel() {
  const ua = navigator.userAgent;
  if (/iPad/.test(ua)) return "iPad";
  if (/iPhone/.test(ua)) return "iPhone";
  if (/Android/.test(ua)) return /Mobile/.test(ua) ? "Android phone" : "Android tablet";
  return "Computer";
}

const isCopies = (b) => Number.isInteger(b.count) && Array.isArray(b.copies)
  && b.copies.every((c) => Number.isInteger(c.added_at) && typeof c.state === "string");

/** Fills `box` (inside a licence's card) with the devices holding the licence. */
export async function showDevices(record, box) {
  box.hidden = false;
  box.replaceChildren(el("p", { class: "status", role: "status", text: t("devices_working") }));
  const key = await ownKey();
  const ref = f.fromHex(record.statusRef);
  const time = nowSeconds();
  const signature = key
    ? await f.es256Sign(key.privateKey, copiesMessage(time, ref, key.compressed)) : null;
  const answer = key ? expecting(await postJson("/api/v1/claims/copies", {
    device_key: f.b64url(key.compressed), status_ref: f.b64url(ref), time,
    signature: f.b64url(signature) }), isCopies) : { kind: "refused", message: t("devices_no_key") };
  if (answer.kind !== "ok") {
    box.replaceChildren(el("p", { class: "status bad", role: "status",
      text: explain(answer, "devices_offline") }));
    return;
  }
  const { count, copies } = answer.body;
  box.replaceChildren(
    el("p", { class: "devices-count", role: "status",
      text: t(count === 1 ? "devices_one" : "devices_many", { n: count }) }),
    el("ul", { class: "devices" }, ...copies.map((c) => el("li", { "data-state": c.state },
      el("strong", { text: c.this_device ? t("devices_this") : (c.device_label || t("devices_other")) }),
      ` · ${t("devices_added", { date: isoDate(c.added_at) })}`,
      c.state === "revoked" ? el("span", { class: "badge revoked", text: t("devices_stopped") }) : null))),
    el("p", { class: "muted", text: t("devices_help") }));
}
