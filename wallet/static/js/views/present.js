// 出示 / Present: choose what the counter may see, optionally take the counter's challenge
// (scanned from its screen or typed), then a live QR code signed by the device key over
// both, redrawn every REFRESH_SECONDS with a countdown.

import { challengeText, parseChallenge } from "../challenge.js";
import * as f from "../format.js";
import { ownKey } from "../device.js";
import { formatValue, listSeparator, nowSeconds } from "../display.js";
import { $, el, say } from "../dom.js";
import { pick, t } from "../i18n.js";
import { onLeave, show } from "../nav.js";
import { drawQr, encodeQr, QrError } from "../qr.js";
import { presetsFor, presetTitle } from "../schemas.js";
import { licences } from "../store.js";
import { CameraUnavailable, scanQr } from "../scan.js";
import { holderName, readRecord } from "../stored.js";

const REFRESH_SECONDS = 30; // the live code is accepted for 60 s; renew it at half that
const CHALLENGE_SECONDS = 60; // a counter accepts its challenge for 30 to 60 s
let presenting = null; // {record, lic, schema, claims, value, boundHere, preset, generatedAt}
let timer = null;
let challenge = null; // {bytes, text, at (ms)}: the counter's challenge, when given
let stopScan = null;

export function initPresent() {
  $("present-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (readTypedChallenge()) startCode();
  });
  $("present-stop").addEventListener("click", stopPresenting);
  $("challenge-input").addEventListener("input", () => {
    const typed = $("challenge-input").value;
    if (parseChallenge(typed)) readTypedChallenge();
  });
  $("challenge-scan").addEventListener("click", startScan);
  $("challenge-scan-stop").addEventListener("click", endScan);
  onLeave("present", () => {
    endScan();
    stopPresenting();
  });
}

/** Takes the typed challenge (empty: none); false, with a sentence, if it is malformed. */
function readTypedChallenge() {
  const typed = $("challenge-input").value.trim();
  if (!typed) {
    challenge = null;
    say("challenge-status", "");
    return true;
  }
  const bytes = parseChallenge(typed);
  if (!bytes) {
    say("challenge-status", t("challenge_bad"), "bad");
    return false;
  }
  useChallenge(bytes);
  return true;
}

function useChallenge(bytes) {
  const text = challengeText(bytes);
  const changed = !challenge || challenge.text !== text;
  challenge = { bytes, text, at: Date.now() };
  $("challenge-input").value = text;
  say("challenge-status", t("challenge_set", { code: text }), "good");
  if (changed && timer) drawCode(); // a code on screen answers the new challenge at once
}

async function startScan() {
  endScan();
  $("challenge-camera").hidden = false;
  say("challenge-status", t("challenge_scanning"));
  try {
    stopScan = await scanQr($("challenge-video"), $("challenge-frame"), (text) => {
      const bytes = text.toUpperCase().startsWith("ELCH:") ? parseChallenge(text) : null;
      if (!bytes) return false;
      stopScan = null;
      $("challenge-camera").hidden = true;
      useChallenge(bytes);
      return true;
    });
  } catch (e) {
    if (!(e instanceof CameraUnavailable)) throw e;
    $("challenge-camera").hidden = true;
    say("challenge-status", t("challenge_no_camera"), "bad");
    $("challenge-input").focus();
  }
}

function endScan() {
  if (stopScan) stopScan();
  stopScan = null;
  $("challenge-camera").hidden = true;
}

export async function startPresent(id) {
  const record = await licences.get(id);
  const d = readRecord(record);
  if (!d.boundHere) return;
  presenting = { record, ...d, preset: "full" };
  challenge = null; // a challenge belongs to one counter visit
  $("challenge-input").value = "";
  say("challenge-status", "");
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
  if (challenge && Date.now() - challenge.at > CHALLENGE_SECONDS * 1000) {
    challenge = null;
    $("challenge-input").value = "";
    say("challenge-status", t("challenge_expired"), "bad");
  }
  const text = await f.presentationText(p.lic, p.schema, presentedNames(), key.privateKey,
    key.compressed, nowSeconds(), challenge ? challenge.bytes : null);
  const qr = encodeQr(text);
  const canvas = $("qr");
  drawQr(canvas, qr, 4);
  canvas.dataset.qr = text;
  if (challenge) canvas.dataset.challenge = challenge.text;
  else delete canvas.dataset.challenge;
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
  $("countdown").dataset.left = String(left); // said aloud on request (views/elder.js)
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
