// The wallet's screens: licences (cards), claim, present (live QR), usage record, backup.
// All licence logic is in format.js; this file only wires it to the page.

import * as f from "./format.js";
import { drawQr, encodeQr } from "./qr.js";
import { language, pick, setLanguage, t, translatePage } from "./i18n.js";
import { keys, licences } from "./store.js";
import { decryptBackup, encryptBackup, MIN_PASSPHRASE } from "./backup.js";

const $ = (id) => document.getElementById(id);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const TYPE_NAMES = { 1: "driving", 2: "business", 3: "professional" };
const REFRESH_SECONDS = 30; // the live code is accepted for 60 s; renew it at half that
const VIEWS = ["licences", "claim", "present", "record", "backup"];
const schemas = {};
const state = { view: "licences", presenting: null, timer: null, ownDigest: null };

// ------------------------------------------------------------------ small helpers

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function say(id, text, kind = "") {
  const node = $(id);
  node.textContent = text;
  node.className = `status ${kind}`;
}

function isoDate(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function dayDate(days) {
  return new Date(days * 86400000).toISOString().slice(0, 10);
}

function localTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString(language() === "zh" ? "zh-CN" : "en-GB");
}

function formatValue(spec, value) {
  if (value === null || value === undefined) return "—";
  if (spec.type === "date") return dayDate(value);
  if (spec.type === "bool") return value ? (language() === "zh" ? "是" : "yes") : (language() === "zh" ? "否" : "no");
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

function apiMessage(body, fallback) {
  const e = body?.error;
  if (!e) return fallback;
  return (language() === "zh" ? e.message_zh : e.message) || e.message || fallback;
}

async function postJson(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify(body) });
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  return { ok: res.ok, status: res.status, json };
}

async function loadSchemas() {
  await Promise.all(Object.values(TYPE_NAMES).map(async (name) => {
    schemas[name] = await (await fetch(`/wallet/schemas/${name}.json`)).json();
  }));
}

async function ownKey(create = false) {
  let record = await keys.get("device");
  if (!record && create) {
    const pair = await f.generateDeviceKey();
    record = { id: "device", privateKey: pair.privateKey, publicKey: pair.publicKey,
      compressed: await f.compressedKey(pair.publicKey), created: nowSeconds() };
    await keys.put(record);
  }
  if (record && !state.ownDigest) state.ownDigest = await f.deviceDigest(record.compressed);
  return record;
}

function decodeRecord(record) {
  const lic = f.cborDecode(record.cbor);
  const schema = schemas[record.type];
  const claims = lic.get(f.K.claims);
  const byName = new Map(schema.claims.map((c) => [c.name, c]));
  const value = (name) => claims.get(byName.get(name)?.key);
  const boundHere = state.ownDigest !== null && f.equalBytes(lic.get(f.K.device), state.ownDigest);
  return { lic, schema, claims, value, boundHere };
}

function holderName(record, d) {
  if (record.type === "business") return d.value("company_name") ?? "";
  const family = d.value("family_name") ?? "";
  const given = d.value("given_name") ?? "";
  return /^[\p{Script=Han}]+$/u.test(family + given) ? family + given : `${given} ${family}`.trim();
}

// ------------------------------------------------------------------ navigation and settings

function show(view, focus = true) {
  if (state.view === "present" && view !== "present") stopPresenting();
  state.view = view;
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  for (const b of document.querySelectorAll(".tabs button")) {
    if (b.dataset.view === view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  if (focus) $(`h-${view}`).focus?.();
  if (view === "record") loadReceipts();
}

function applyPrefs() {
  const prefs = JSON.parse(localStorage.getItem("wallet-prefs") || "{}");
  setLanguage(prefs.lang || (navigator.language?.startsWith("zh") ? "zh" : "en"));
  document.documentElement.classList.toggle("large", !!prefs.large);
  document.documentElement.classList.toggle("contrast", !!prefs.contrast);
  $("large").setAttribute("aria-pressed", String(!!prefs.large));
  $("contrast").setAttribute("aria-pressed", String(!!prefs.contrast));
  const other = language() === "zh" ? "en" : "zh";
  $("lang").textContent = other === "en" ? "English" : "中文";
  $("lang").lang = other === "en" ? "en" : "zh-CN";
  translatePage();
  updateNetwork();
}

function togglePref(name) {
  const prefs = JSON.parse(localStorage.getItem("wallet-prefs") || "{}");
  prefs[name] = name === "lang" ? (language() === "zh" ? "en" : "zh") : !prefs[name];
  localStorage.setItem("wallet-prefs", JSON.stringify(prefs));
  applyPrefs();
  renderCards();
  if (state.presenting) renderPresentChoices(false);
}

function updateNetwork() {
  const offline = !navigator.onLine;
  $("network").hidden = !offline;
  $("network").textContent = offline ? t("offline") : "";
}

// ------------------------------------------------------------------ cards

async function renderCards() {
  await ownKey();
  const list = (await licences.all()).sort((a, b) => a.claimedAt - b.claimedAt);
  const ul = $("cards");
  ul.replaceChildren();
  $("no-licences").hidden = list.length > 0;
  for (const record of list) {
    const d = decodeRecord(record);
    const status = record.status?.status || "unknown";
    const checked = record.status?.checkedAt
      ? t("status_checked", { time: localTime(record.status.checkedAt) }) : t("status_never");
    const until = d.lic.get(f.K.validUntil);
    const headingId = `card-${record.id.replace(/[^a-zA-Z0-9]/g, "")}`;
    let alert = null;
    if (status === "revoked") alert = t("alert_revoked");
    if (status === "superseded") alert = t("alert_superseded");
    if (status === "suspended") {
      alert = t("alert_suspended", { until: record.status.until ? isoDate(record.status.until) : "—" });
    }
    const reason = record.status?.reason ? pick(record.status.reason) : "";
    ul.append(el("li", { class: "card", "data-id": record.id, "data-status": status },
      el("article", { "aria-labelledby": headingId },
        el("h3", { id: headingId, text: pick(d.schema.title) }),
        el("dl", {},
          el("dt", { text: t("holder") }), el("dd", { text: holderName(record, d) }),
          el("dt", { text: t("authority") }), el("dd", { text: record.authorityId }),
          el("dt", { text: t("valid") }),
          el("dd", { text: `${isoDate(d.lic.get(f.K.validFrom))} – ${until >= 32503680000 ? t("until_long") : isoDate(until)}` }),
          el("dt", { text: t("status") }),
          el("dd", {}, el("span", { class: `badge ${status}`, text: t(`st_${status}`) }), checked)),
        alert ? el("p", { class: "alert", role: "alert", text: reason ? `${alert} ${reason}` : alert }) : null,
        d.boundHere ? null : el("p", { class: "muted", text: t("not_bound_here") }),
        el("div", { class: "actions" },
          el("button", { type: "button", class: "primary present",
            "aria-label": `${t("present")}: ${pick(d.schema.title)}`,
            ...(d.boundHere && status !== "revoked" ? {} : { disabled: "" }),
            onclick: () => startPresent(record.id), text: t("present") }),
          el("button", { type: "button", class: "danger",
            "aria-label": `${t("remove")}: ${pick(d.schema.title)}`,
            onclick: () => removeLicence(record.id), text: t("remove") })))));
  }
}

async function removeLicence(id) {
  if (!window.confirm(t("remove_confirm"))) return;
  await licences.remove(id);
  renderCards();
}

async function refreshStatuses() {
  if (!navigator.onLine) return;
  for (const record of await licences.all()) {
    try {
      const res = await fetch(`/api/v1/status?authority=${record.authorityNumber}&ref=${record.statusRef}`);
      if (!res.ok) continue;
      const s = await res.json();
      record.status = { status: s.status, until: s.until ?? null, reason: s.reason ?? null,
        successor: s.successor ?? null, asOf: s.status_as_of ?? null, checkedAt: nowSeconds() };
      await licences.put(record);
    } catch {
      // Offline or no status service: keep the status as last seen.
    }
  }
  await renderCards();
}

// ------------------------------------------------------------------ claim

async function claimLicence(code) {
  const normal = f.normaliseCode(code);
  if (!normal) return say("claim-status", t("claim_bad_code"), "bad");
  if (!navigator.onLine) return say("claim-status", t("claim_offline"), "bad");
  $("claim-submit").disabled = true;
  say("claim-status", t("claim_working"));
  try {
    const key = await ownKey(true);
    const ch = await postJson("/api/v1/claims/challenge", {});
    if (!ch.ok) return say("claim-status", apiMessage(ch.json, t("claim_offline")), "bad");
    const challenge = f.unb64url(ch.json.challenge);
    const signature = await f.es256Sign(key.privateKey, f.claimMessage(challenge, normal, key.compressed));
    const res = await postJson("/api/v1/claims", { code: normal, device_key: f.b64url(key.compressed),
      challenge: ch.json.challenge, signature: f.b64url(signature) });
    if (!res.ok) return say("claim-status", apiMessage(res.json, t("error", { message: res.status })), "bad");
    const cbor = f.unb64url(res.json.licence);
    const lic = f.cborDecode(cbor);
    const header = f.rootHeader(lic.get(f.K.protected));
    const type = TYPE_NAMES[header.licenceType];
    const authorityKey = await fetchAuthorityKey(header);
    try {
      await f.verifyBoundLicence(lic, schemas[type], key.compressed, authorityKey);
    } catch (e) {
      return say("claim-status", t("claim_failed", { reason: e.reason || e.message }), "bad");
    }
    const record = { id: `${header.authority}:${f.toHex(lic.get(f.K.statusRef))}`, cbor, type,
      authorityId: res.json.authority, authorityNumber: header.authority,
      statusRef: f.toHex(lic.get(f.K.statusRef)), claimedAt: nowSeconds(),
      signatureChecked: authorityKey !== null,
      status: { status: res.json.status || "active", checkedAt: nowSeconds() } };
    await licences.put(record);
    $("claim-code").value = "";
    const what = `${pick(schemas[type].title)} · ${res.json.authority}`;
    say("claim-status", t(authorityKey ? "claim_done" : "claim_done_unsigned", { what }), "good");
    await renderCards();
  } catch (e) {
    say("claim-status", t("error", { message: e.message }), "bad");
  } finally {
    $("claim-submit").disabled = false;
  }
}

async function fetchAuthorityKey(header) {
  try {
    const res = await fetch(`/wallet/api/key?authority=${header.authority}&key=${header.keyId}`);
    if (!res.ok) return null;
    return await f.importPublicKey(f.fromHex((await res.json()).public_key));
  } catch {
    return null; // the counter checks the signature against the chain in any case
  }
}

// ------------------------------------------------------------------ present

function presetsFor(type) {
  const out = [["full", null]];
  if (type === "driving") {
    out.push(["age18", ["age_over_18"]], ["driving", ["vehicle_classes", "expiry_date"]]);
  }
  out.push(["custom", []]);
  return out;
}

async function startPresent(id) {
  const record = await licences.get(id);
  const d = decodeRecord(record);
  if (!d.boundHere) return;
  state.presenting = { record, ...d, preset: "full" };
  $("qr-box").hidden = true;
  say("present-status", "");
  show("present");
  renderPresentChoices(true);
}

function presentedNames() {
  const p = state.presenting;
  if (p.preset === "full") return null;
  if (p.preset === "custom") {
    return [...$("custom-claims").querySelectorAll("input:checked")].map((i) => i.value);
  }
  return presetsFor(p.record.type).find(([name]) => name === p.preset)[1];
}

function renderPresentChoices(reset) {
  const p = state.presenting;
  $("present-licence").textContent = `${pick(p.schema.title)} · ${holderName(p.record, p)} · ${p.record.authorityId}`;
  const presets = $("presets");
  const checkedCustom = new Set(reset ? [] : presentedNamesSafe());
  presets.replaceChildren();
  for (const [name] of presetsFor(p.record.type)) {
    const input = el("input", { type: "radio", name: "preset", value: name, id: `preset-${name}` });
    input.checked = p.preset === name;
    input.addEventListener("change", () => {
      p.preset = name;
      $("custom").hidden = name !== "custom";
      updateSummary();
    });
    presets.append(el("label", { for: `preset-${name}` }, input, t(`preset_${name}`)));
  }
  const custom = $("custom-claims");
  custom.replaceChildren();
  for (const spec of p.schema.claims) {
    if (!p.claims.has(spec.key)) continue;
    const input = el("input", { type: "checkbox", value: spec.name, id: `claim-${spec.name}` });
    input.checked = checkedCustom.has(spec.name);
    input.addEventListener("change", updateSummary);
    custom.append(el("label", { for: `claim-${spec.name}` }, input, pick(spec.title)));
  }
  $("custom").hidden = p.preset !== "custom";
  updateSummary();
}

function presentedNamesSafe() {
  try {
    return presentedNames() || [];
  } catch {
    return [];
  }
}

function shownTitles() {
  const p = state.presenting;
  const names = presentedNames();
  return p.schema.claims.filter((c) => p.claims.has(c.key) && (names === null || names.includes(c.name)))
    .map((c) => `${pick(c.title)}${names && names.length <= 3 ? `（${formatValue(c, p.claims.get(c.key))}）` : ""}`);
}

function updateSummary() {
  const titles = shownTitles();
  const sep = language() === "zh" ? "、" : ", ";
  $("present-summary").textContent = titles.length
    ? t("sees", { items: titles.join(sep), authority: state.presenting.record.authorityId })
    : t("sees_nothing");
  $("present-button").disabled = titles.length === 0;
  stopPresenting();
}

async function renderCode() {
  const p = state.presenting;
  const started = performance.now();
  const key = await ownKey();
  const text = await f.presentationText(p.lic, p.schema, presentedNames(), key.privateKey,
    key.compressed, nowSeconds());
  const qr = encodeQr(text);
  const canvas = $("qr");
  drawQr(canvas, qr, 4);
  canvas.dataset.qr = text;
  canvas.dataset.version = String(qr.version);
  canvas.dataset.ms = (performance.now() - started).toFixed(1);
  canvas.setAttribute("aria-label", t("qr_label", { items: shownTitles().join(", ") }));
  p.generatedAt = Date.now();
  const first = $("qr-box").hidden;
  $("qr-box").hidden = false;
  if (first) $("qr-box").scrollIntoView({ block: "center" });
  tick();
}

function tick() {
  const p = state.presenting;
  const left = Math.max(0, REFRESH_SECONDS - Math.floor((Date.now() - p.generatedAt) / 1000));
  $("countdown").textContent = t("countdown", { s: left });
  if (left === 0) renderCode();
}

async function startCode() {
  stopPresenting();
  try {
    await renderCode();
    state.timer = setInterval(tick, 1000);
  } catch (e) {
    say("present-status", t("error", { message: e.reason || e.message }), "bad");
  }
}

function stopPresenting() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
  $("qr-box").hidden = true;
  delete $("qr").dataset.qr;
}

// ------------------------------------------------------------------ usage record

async function receiptsCall(word, extra = {}) {
  const key = await ownKey();
  const body = { ...(await f.receiptsRequest(word, key.privateKey, key.compressed, nowSeconds())), ...extra };
  return postJson(`/api/v1/receipts/${word === "list" ? "query" : "delete"}`, body);
}

function typeTitle(code) {
  const s = schemas[TYPE_NAMES[code]] || schemas[code];
  return s ? pick(s.title) : String(code);
}

function claimTitle(code, name) {
  const s = schemas[TYPE_NAMES[code]] || schemas[code];
  return pick(s?.claims.find((c) => c.name === name)?.title) || name;
}

async function loadReceipts() {
  const ul = $("receipts");
  ul.replaceChildren();
  $("record-delete-all").hidden = true;
  if (!(await keys.get("device"))) return say("record-status", t("record_no_key"));
  if (!navigator.onLine) return say("record-status", t("record_offline"), "bad");
  say("record-status", "");
  try {
    const res = await receiptsCall("list");
    if (res.status === 404 && !res.json?.receipts) return say("record-status", t("record_unavailable"));
    if (!res.ok) return say("record-status", apiMessage(res.json, t("error", { message: res.status })), "bad");
    const receipts = res.json.receipts || [];
    if (!receipts.length) return say("record-status", t("record_empty"));
    $("record-delete-all").hidden = false;
    const sep = language() === "zh" ? "、" : ", ";
    for (const r of receipts) {
      const counter = language() === "zh" ? r.counter_name_zh || r.counter_name_en : r.counter_name_en || r.counter_name_zh;
      const verdict = r.verdict === "valid" || r.verdict === "VALID" ? t("v_valid") : `${t("v_invalid")} (${r.verdict})`;
      ul.append(el("li", { class: "receipt", "data-id": String(r.id) },
        el("p", {}, el("strong", { text: counter || r.counter_id || "" }), ` · ${localTime(r.time)}`),
        el("p", { text: `${typeTitle(r.licence_type)} · ${r.authority ?? ""}` }),
        el("p", { text: `${t("disclosed")}: ${(r.disclosed || []).map((n) => claimTitle(r.licence_type, n)).join(sep)}` }),
        el("p", { text: `${t("verdict")}: ${verdict}` }),
        el("button", { type: "button", class: "danger", "aria-label": `${t("delete")}: ${counter} ${localTime(r.time)}`,
          onclick: () => deleteReceipts([r.id]), text: t("delete") })));
    }
  } catch (e) {
    say("record-status", t("record_offline"), "bad");
  }
}

async function deleteReceipts(ids) {
  const res = await receiptsCall("delete", { ids });
  await loadReceipts();
  if (res.ok) say("record-status", t("record_deleted", { n: res.json.deleted }), "good");
  else say("record-status", apiMessage(res.json, t("error", { message: res.status })), "bad");
}

// ------------------------------------------------------------------ backup

async function exportBackup(event) {
  event.preventDefault();
  const pass = $("export-pass").value;
  if (pass.length < MIN_PASSPHRASE) return say("backup-status", t("pass_short"), "bad");
  if (pass !== $("export-pass2").value) return say("backup-status", t("pass_mismatch"), "bad");
  const list = await licences.all();
  if (!list.length) return say("backup-status", t("export_empty"), "bad");
  const records = list.map((r) => ({ ...r, cbor: f.b64url(r.cbor) }));
  const text = await encryptBackup(records, pass, nowSeconds());
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = el("a", { href: url, download: `elicence-wallet-backup-${isoDate(nowSeconds())}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  $("export-pass").value = "";
  $("export-pass2").value = "";
  say("backup-status", t("export_done", { n: list.length }), "good");
}

async function importBackup(event) {
  event.preventDefault();
  const file = $("import-file").files[0];
  if (!file) return say("backup-status", t("import_no_file"), "bad");
  let records;
  try {
    records = await decryptBackup(await file.text(), $("import-pass").value);
  } catch {
    return say("backup-status", t("import_bad"), "bad");
  }
  for (const r of records) await licences.put({ ...r, cbor: f.unb64url(r.cbor) });
  $("import-pass").value = "";
  say("backup-status", t("import_done", { n: records.length }), "good");
  await renderCards();
}

// ------------------------------------------------------------------ start

async function main() {
  applyPrefs();
  $("lang").addEventListener("click", () => togglePref("lang"));
  $("large").addEventListener("click", () => togglePref("large"));
  $("contrast").addEventListener("click", () => togglePref("contrast"));
  for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => show(b.dataset.view));
  $("claim-form").addEventListener("submit", (e) => {
    e.preventDefault();
    claimLicence($("claim-code").value);
  });
  $("present-form").addEventListener("submit", (e) => {
    e.preventDefault();
    startCode();
  });
  $("present-stop").addEventListener("click", stopPresenting);
  $("record-refresh").addEventListener("click", loadReceipts);
  $("record-delete-all").addEventListener("click", () => deleteReceipts([]));
  $("export-form").addEventListener("submit", exportBackup);
  $("import-form").addEventListener("submit", importBackup);
  window.addEventListener("online", () => {
    updateNetwork();
    refreshStatuses();
  });
  window.addEventListener("offline", updateNetwork);
  for (const v of VIEWS) $(`h-${v}`).tabIndex = -1;
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/wallet/sw.js", { scope: "/wallet/" }).catch(() => {});
  }
  await loadSchemas();
  const claimLink = /^#claim=([0-9A-Za-z-]+)$/.exec(location.hash);
  if (claimLink) {
    history.replaceState(null, "", location.pathname); // keep the code out of history
    $("claim-code").value = claimLink[1];
    show("claim", false);
    $("claim-submit").focus();
  } else {
    show("licences", false);
  }
  await renderCards();
  document.body.dataset.ready = "true";
  refreshStatuses();
}

main();
