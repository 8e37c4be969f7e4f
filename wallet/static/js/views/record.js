// 用证记录 / Usage record: the receipts counters left when they checked this wallet's
// licences (POST /api/v1/receipts/query and /delete, signed by the device key).

import * as f from "../format.js";
import { explain, expecting, postJson } from "../api.js";
import { ownKey } from "../device.js";
import { listSeparator, localTime, nowSeconds } from "../display.js";
import { $, el, reporting, say } from "../dom.js";
import { language, pick, t } from "../i18n.js";
import { onEnter } from "../nav.js";
import { schemaFor } from "../schemas.js";
import { keys } from "../store.js";

export function initRecord() {
  $("record-refresh").addEventListener("click", loadReceipts);
  $("record-delete-all").addEventListener("click", () => deleteReceipts([]));
  onEnter("record", loadReceipts);
}

async function receiptsCall(word, extra = {}) {
  const key = await ownKey();
  const body = { ...(await f.receiptsRequest(word, key.privateKey, key.compressed, nowSeconds())), ...extra };
  return postJson(`/api/v1/receipts/${word === "list" ? "query" : "delete"}`, body);
}

// Receipts name the licence type by name ("driving"); older ones may carry its code.
function typeTitle(type) {
  const s = schemaFor(type);
  return s ? pick(s.title) : String(type);
}

function claimTitle(type, name) {
  return pick(schemaFor(type)?.claims.find((c) => c.name === name)?.title) || name;
}

const isList = (b) => Array.isArray(b.receipts);
const isDeleted = (b) => Number.isInteger(b.deleted);
// The verifier's blueprint is not part of this app: nothing answers at the address.
const unavailable = (a) => a.kind === "refused" && a.status === 404 && a.reason === "not_found";

export function loadReceipts() {
  return reporting("record-status", showReceipts);
}

async function showReceipts() {
  const ul = $("receipts");
  ul.replaceChildren();
  $("record-delete-all").hidden = true;
  if (!(await keys.get("device"))) return say("record-status", t("record_no_key"));
  if (!navigator.onLine) return say("record-status", t("record_offline"), "bad");
  say("record-status", "");
  const answer = expecting(await receiptsCall("list"), isList);
  if (unavailable(answer)) return say("record-status", t("record_unavailable"));
  if (answer.kind !== "ok") return say("record-status", explain(answer, "record_offline"), "bad");
  const receipts = answer.body.receipts;
  if (!receipts.length) return say("record-status", t("record_empty"));
  $("record-delete-all").hidden = false;
  for (const r of receipts) {
    const counter = language() === "zh" ? r.counter_name_zh || r.counter_name_en : r.counter_name_en || r.counter_name_zh;
    const verdict = r.verdict === "valid" || r.verdict === "VALID" ? t("v_valid")
      : r.verdict === "not_accepted" ? t("v_not_accepted") : `${t("v_invalid")} (${r.verdict})`;
    ul.append(el("li", { class: "receipt", "data-id": String(r.id) },
      el("p", {}, el("strong", { text: counter || r.counter_id || "" }), ` · ${localTime(r.time)}`),
      el("p", { text: `${typeTitle(r.licence_type)} · ${r.authority ?? ""}` }),
      el("p", { text: `${t("disclosed")}: ${(r.disclosed || []).map((n) => claimTitle(r.licence_type, n)).join(listSeparator())}` }),
      el("p", { text: `${t("verdict")}: ${verdict}` }),
      el("button", { type: "button", class: "danger", "aria-label": `${t("delete")}: ${counter} ${localTime(r.time)}`,
        onclick: () => deleteReceipts([r.id]), text: t("delete") })));
  }
}

function deleteReceipts(ids) {
  return reporting("record-status", async () => {
    const answer = expecting(await receiptsCall("delete", { ids }), isDeleted);
    await showReceipts();
    if (answer.kind === "ok") say("record-status", t("record_deleted", { n: answer.body.deleted }), "good");
    else say("record-status", explain(answer, "record_offline"), "bad");
  });
}
