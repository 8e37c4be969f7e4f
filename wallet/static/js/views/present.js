// 出示 / Present: choose what the counter may see, then a live QR code signed by the device
// key, redrawn every REFRESH_SECONDS with a countdown.

import * as f from "../format.js";
import { ownKey } from "../device.js";
import { formatValue, listSeparator, nowSeconds } from "../display.js";
import { $, el, say } from "../dom.js";
import { pick, t } from "../i18n.js";
import { onLeave, show } from "../nav.js";
import { drawQr, encodeQr, QrError } from "../qr.js";
import { presetsFor, presetTitle } from "../schemas.js";
import { licences } from "../store.js";
import { holderName, readRecord } from "../stored.js";

const REFRESH_SECONDS = 30; // the live code is accepted for 60 s; renew it at half that
let presenting = null; // {record, lic, schema, claims, value, boundHere, preset, generatedAt}
let timer = null;

export function initPresent() {
  $("present-form").addEventListener("submit", (e) => {
    e.preventDefault();
    startCode();
  });
  $("present-stop").addEventListener("click", stopPresenting);
  onLeave("present", stopPresenting);
}

export async function startPresent(id) {
  const record = await licences.get(id);
  const d = readRecord(record);
  if (!d.boundHere) return;
  presenting = { record, ...d, preset: "full" };
  $("qr-box").hidden = true;
  say("present-status", "");
  show("present");
  renderChoices(true);
}

/** Redraws the choices in the current language, keeping what was chosen. */
export function refreshPresentChoices() {
  if (presenting) renderChoices(false);
}

function customChoice() {
  return [...$("custom-claims").querySelectorAll("input:checked")].map((i) => i.value);
}

/** Claim names to disclose; null for the whole licence. */
function presentedNames() {
  const p = presenting;
  if (p.preset === "custom") return customChoice();
  return presetsFor(p.schema).find((preset) => preset.name === p.preset).claims;
}

function renderChoices(reset) {
  const p = presenting;
  $("present-licence").textContent = `${pick(p.schema.title)} · ${holderName(p)} · ${p.record.authorityId}`;
  const kept = new Set(reset ? [] : customChoice());
  $("presets").replaceChildren(...presetsFor(p.schema).map((preset) => {
    const input = el("input", { type: "radio", name: "preset", value: preset.name,
      id: `preset-${preset.name}` });
    input.checked = p.preset === preset.name;
    input.addEventListener("change", () => {
      p.preset = preset.name;
      $("custom").hidden = preset.name !== "custom";
      updateSummary();
    });
    return el("label", { for: `preset-${preset.name}` }, input, presetTitle(preset));
  }));
  $("custom-claims").replaceChildren(...p.schema.claims.filter((spec) => p.claims.has(spec.key))
    .map((spec) => {
      const input = el("input", { type: "checkbox", value: spec.name, id: `claim-${spec.name}` });
      input.checked = kept.has(spec.name);
      input.addEventListener("change", updateSummary);
      return el("label", { for: `claim-${spec.name}` }, input, pick(spec.title));
    }));
  $("custom").hidden = p.preset !== "custom";
  updateSummary();
}

function shownTitles() {
  const p = presenting;
  const names = presentedNames();
  return p.schema.claims.filter((c) => p.claims.has(c.key) && (names === null || names.includes(c.name)))
    .map((c) => `${pick(c.title)}${names && names.length <= 3 ? `（${formatValue(c, p.claims.get(c.key))}）` : ""}`);
}

function updateSummary() {
  const titles = shownTitles();
  $("present-summary").textContent = titles.length
    ? t("sees", { items: titles.join(listSeparator()), authority: presenting.record.authorityId })
    : t("sees_nothing");
  $("present-button").disabled = titles.length === 0;
  stopPresenting();
}

async function renderCode() {
  const p = presenting;
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

/** Draws the code; a choice the format or the QR code cannot carry is said plainly. */
async function drawCode() {
  try {
    await renderCode();
    return true;
  } catch (e) {
    if (!(e instanceof f.FormatError || e instanceof QrError)) throw e;
    stopPresenting();
    say("present-status", t("error", { message: e.reason || e.message }), "bad");
    return false;
  }
}

function tick() {
  const left = Math.max(0, REFRESH_SECONDS - Math.floor((Date.now() - presenting.generatedAt) / 1000));
  $("countdown").textContent = t("countdown", { s: left });
  if (left === 0) drawCode();
}

async function startCode() {
  stopPresenting();
  if (await drawCode()) timer = setInterval(tick, 1000);
}

function stopPresenting() {
  if (timer) clearInterval(timer);
  timer = null;
  $("qr-box").hidden = true;
  delete $("qr").dataset.qr;
}
