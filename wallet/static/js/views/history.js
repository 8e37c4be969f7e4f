// 证照历史 / History, in each card of a licence bound to this phone: the verifier's
// /api/v1/history answers for a live code made for the purpose (disclosing no claim, signed
// by the device key), with what the chain records: when this phone's copy was added, each
// status change with its public reason, and the licences it replaced or that replaced it.

import * as f from "../format.js";
import { explain, expecting, postJson } from "../api.js";
import { ownKey } from "../device.js";
import { localTime, nowSeconds } from "../display.js";
import { el } from "../dom.js";
import { language, t } from "../i18n.js";
import { readRecord } from "../stored.js";

const isHistory = (b) => typeof b.status_ref === "string" && Array.isArray(b.changes)
  && Array.isArray(b.replaced) && Array.isArray(b.superseded_by);

function reasonOf(change) {
  return language() === "zh" ? change.reason_zh : change.reason_en;
}

function changeLine(change, prefix = "") {
  let words = prefix + t(`history_${change.event}`);
  if (change.until) words += ` ${t("history_until", { date: localTime(change.until) })}`;
  if (change.by === "council") words += ` (${t("history_council")})`;
  return el("li", { "data-event": change.event },
    el("strong", { text: localTime(change.time) }), ` · ${words} — ${reasonOf(change)}`);
}

/** The history's lines, oldest first. */
export function historyLines(doc) {
  const lines = [];
  for (const link of [...doc.replaced].reverse()) {
    for (const c of link.changes) lines.push(changeLine(c, `${t("history_earlier")}: `));
  }
  if (doc.copy?.added) {
    lines.push(el("li", { "data-event": "copy_added" }, el("strong", { text: localTime(doc.copy.added.time) }),
      ` · ${t("history_copy_added")}`));
  } else if (doc.anchored) {
    lines.push(el("li", { "data-event": "anchored" }, el("strong", { text: localTime(doc.anchored.time) }),
      ` · ${t("history_anchored")}`));
  }
  for (const c of doc.changes) lines.push(changeLine(c));
  for (const c of doc.copy?.changes || []) lines.push(changeLine(c, `${t("history_copy")}: `));
  for (const link of doc.superseded_by) {
    lines.push(el("li", { "data-event": "replaced_by", text: t("history_replaced_by") }));
    for (const c of link.changes) lines.push(changeLine(c, `${t("history_newer")}: `));
  }
  return lines;
}

/** Fills `box` (inside a licence's card) with the licence's history. */
export async function showHistory(record, box) {
  box.hidden = false;
  box.replaceChildren(el("p", { class: "status", role: "status", text: t("history_working") }));
  const key = await ownKey();
  const d = readRecord(record);
  const text = key ? await f.presentationText(d.lic, d.schema, [], key.privateKey, key.compressed,
    nowSeconds(), null) : null;
  const answer = text ? expecting(await postJson("/api/v1/history", { qr: text }), isHistory)
    : { kind: "refused", message: t("devices_no_key") };
  if (answer.kind !== "ok") {
    box.replaceChildren(el("p", { class: "status bad", role: "status",
      text: explain(answer, "history_offline") }));
    return;
  }
  const doc = answer.body;
  const lines = historyLines(doc);
  const quiet = !doc.changes.length && !doc.replaced.length && !doc.superseded_by.length;
  box.replaceChildren(el("h4", { text: t("history_title") }),
    el("ol", { class: "history" }, ...lines),
    ...(quiet ? [el("p", { class: "muted", text: t("history_none") })] : []));
}
