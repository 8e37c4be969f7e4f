// 我的证照 / My licences: a card per stored licence, its status as last seen, refreshed
// from the status API when online.

import * as f from "../format.js";
import { expecting, getJson } from "../api.js";
import { ownKey } from "../device.js";
import { isoDate, localTime, nowSeconds } from "../display.js";
import { $, el } from "../dom.js";
import { language, pick, t } from "../i18n.js";
import { licences } from "../store.js";
import { predicateRows } from "../predicates.js";
import { holderName, readRecord } from "../stored.js";
import { readingEveryResult, readLicences } from "../readout.js";
import { showDevices } from "./devices.js";
import { showExport } from "./export.js";
import { forgetExports } from "../export.js";
import { renderElder } from "./elder.js";
import { showHistory } from "./history.js";
import { startPresent } from "./present.js";

const LONG_TERM = 32503680000; // 3000-01-01: a validity end this late reads "long-term"

export async function renderCards() {
  await ownKey();
  const list = (await licences.all()).sort((a, b) => a.claimedAt - b.claimedAt);
  $("cards").replaceChildren(...list.map(card));
  // The cards are drawn only after the store is read: this says which language they are in.
  $("cards").dataset.lang = language();
  $("no-licences").hidden = list.length > 0;
  renderElder(list);
}

function card(record) {
  const d = readRecord(record);
  const status = record.status?.status || "unknown";
  const checked = record.status?.checkedAt
    ? t("status_checked", { time: localTime(record.status.checkedAt) }) : t("status_never");
  const until = d.lic.get(f.K.validUntil);
  const headingId = `card-${record.id.replace(/[^a-zA-Z0-9]/g, "")}`;
  const title = pick(d.schema.title);
  let alert = null;
  if (status === "revoked") alert = t("alert_revoked");
  if (status === "superseded") alert = t("alert_superseded");
  if (status === "suspended") {
    alert = t("alert_suspended", { until: record.status.until ? isoDate(record.status.until) : "—" });
  }
  const reason = record.status?.reason ? pick(record.status.reason) : "";
  return el("li", { class: "card", "data-id": record.id, "data-status": status },
    el("article", { "aria-labelledby": headingId },
      el("h3", { id: headingId, text: title }),
      el("dl", {},
        el("dt", { text: t("holder") }), el("dd", { text: holderName(d) }),
        el("dt", { text: t("authority") }), el("dd", { text: record.authorityId }),
        el("dt", { text: t("valid") }),
        el("dd", { text: `${isoDate(d.lic.get(f.K.validFrom))} – ${until >= LONG_TERM ? t("until_long") : isoDate(until)}` }),
        el("dt", { text: t("status") }),
        el("dd", {}, el("span", { class: `badge ${status}`, text: t(`st_${status}`) }), checked),
        ...predicateRows(d)),
      alert ? el("p", { class: "alert", role: "alert", text: reason ? `${alert} ${reason}` : alert }) : null,
      d.boundHere ? null : el("p", { class: "muted", text: t("not_bound_here") }),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "primary present", "aria-label": `${t("present")}: ${title}`,
          ...(d.boundHere && status !== "revoked" ? {} : { disabled: "" }),
          onclick: () => startPresent(record.id), text: t("present") }),
        d.boundHere ? el("button", { type: "button", class: "devices-button",
          "aria-label": `${t("devices")}: ${title}`, "aria-controls": `${headingId}-devices`,
          onclick: () => showDevices(record, document.getElementById(`${headingId}-devices`)),
          text: t("devices") }) : null,
        d.boundHere ? el("button", { type: "button", class: "history-button",
          "aria-label": `${t("history")}: ${title}`, "aria-controls": `${headingId}-history`,
          onclick: () => showHistory(record, document.getElementById(`${headingId}-history`)),
          text: t("history") }) : null,
        d.boundHere && status !== "revoked" ? el("button", { type: "button", class: "export-button",
          "aria-label": `${t("sx_open")}: ${title}`, "aria-controls": `${headingId}-export`,
          onclick: () => showExport(record, document.getElementById(`${headingId}-export`)),
          text: t("sx_open") }) : null,
        el("button", { type: "button", class: "read-button", "aria-label": `${t("read_aloud")}: ${title}`,
          onclick: () => readLicences([record]), text: t("read_aloud") }),
        el("button", { type: "button", class: "danger", "aria-label": `${t("remove")}: ${title}`,
          onclick: () => removeLicence(record.id), text: t("remove") })),
      el("div", { id: `${headingId}-devices`, class: "devices-box", "aria-live": "polite", hidden: "" }),
      el("div", { id: `${headingId}-history`, class: "history-box", "aria-live": "polite", hidden: "" }),
      el("div", { id: `${headingId}-export`, class: "export-box", hidden: "" })));
}

async function removeLicence(id) {
  if (!window.confirm(t("remove_confirm"))) return;
  await licences.remove(id);
  await forgetExports(id);
  await renderCards();
}

const isStatus = (b) => typeof b.status === "string";

/** Asks the status API about each licence; a licence whose status cannot be read now
 * (offline, an error answer) keeps the status as last seen, with its time. */
export async function refreshStatuses() {
  if (!navigator.onLine) return;
  const checked = [];
  for (const record of await licences.all()) {
    const answer = expecting(await getJson(
      `/api/v1/status?authority=${record.authorityNumber}&ref=${record.statusRef}`), isStatus);
    if (answer.kind !== "ok") continue;
    const s = answer.body;
    record.status = { status: s.status, until: s.until ?? null, reason: s.reason ?? null,
      successor: s.successor ?? null, asOf: s.status_as_of ?? null, checkedAt: nowSeconds() };
    await licences.put(record);
    checked.push(record);
  }
  await renderCards();
  if (readingEveryResult()) readLicences(checked);
}
