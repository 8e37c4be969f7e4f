// 委托出示 / Presenting on someone's behalf (docs/wallet.md, docs/decisions/0220).
//
// As the holder: choose a licence, what the agent may show and until when, then scan the
// code the agent's wallet shows (its device key); this wallet signs a delegation and shows
// a handover code for the agent's wallet to scan. Delegations given are listed, each with
// "revoke" (posted to the installation: decision 0221).
// As the agent: show this wallet's code, scan the holder's handover code, then show live
// codes carrying the delegation, signed with this wallet's own device key.

import { parseChallenge } from "../challenge.js";
import * as d from "../delegation.js";
import { given, received } from "../delegation_store.js";
import { explain, expecting, postJson } from "../api.js";
import { ownKey } from "../device.js";
import { formatValue, isoDate, listSeparator, nowSeconds } from "../display.js";
import { $, el, reporting, say } from "../dom.js";
import { language, pick } from "../i18n.js";
import { onEnter, onLeave } from "../nav.js";
import { drawQr, encodeQr } from "../qr.js";
import { CameraUnavailable, scanQr } from "../scan.js";
import { presetsFor, presetTitle, schemaFor } from "../schemas.js";
import { licences } from "../store.js";
import { holderName, readRecord } from "../stored.js";
import * as f from "../format.js";

const WORDS = {
  zh: {
    tab: "委托", title: "委托他人出示",
    help: "代理人（如公司经办人、亲属）可以用自己的手机出示您的证照：只出示您选定的内容，到您选定的日期为止，您可以随时撤销。代理人不能再转委托他人。",
    give_title: "委托他人出示我的证照", licence: "证照", what: "代理人可以出示的内容",
    until: "委托截止日期", scan_agent: "扫描代理人钱包上的二维码",
    scan_stop: "停止扫描", scanning: "请将代理人手机上“我的钱包码”对准摄像头……",
    no_camera: "无法使用摄像头：请允许钱包使用摄像头后重试。",
    no_licence: "钱包里没有绑定本机的证照，无法委托。",
    until_bad: "请选择今天之后的日期。",
    too_large: "加上委托信息后，完整证照超出一个二维码的容量。请为代理人选择较少的内容。",
    handover: "请让代理人的钱包扫描此二维码，完成委托。",
    handover_label: "委托交接二维码",
    given_title: "我给出的委托", given_none: "还没有委托他人。",
    agent: "代理人钱包 {kid}", revoke: "撤销", revoked: "已撤销",
    revoke_confirm: "撤销此委托？代理人将无法再出示此证照。",
    revoke_done: "已撤销：此后柜台将拒绝该代理人出示的二维码。",
    revoke_offline: "没有网络连接：撤销需要联网，请联网后重试。",
    receive_title: "替他人出示证照（我是代理人）",
    show_key: "显示我的钱包码", key_help: "请持证人用钱包扫描此二维码。",
    key_label: "我的钱包码（设备公钥）",
    scan_handover: "扫描持证人的委托交接码", handover_scanning: "请将持证人手机上的委托交接二维码对准摄像头……",
    received_done: "已收到委托：{what}，代 {name} 出示，至 {until}。",
    received_title: "我收到的委托", received_none: "还没有收到委托。",
    on_behalf: "代 {name} 出示", holder_unnamed: "持证人", until_short: "至 {date}",
    show: "出示", stop: "停止出示", ended: "已到期", remove: "删除",
    remove_confirm: "从本手机删除此委托？如需再次代为出示，须由持证人重新委托。",
    qr_note: "代理出示：柜台将看到“由授权代理人代 {name} 出示，至 {until}”。二维码每30秒更新。",
    live_label: "代理出示二维码", countdown: "{s} 秒后刷新",
    challenge: "柜台验证码（如柜台要求，输入柜台屏幕上的6个字符）",
    challenge_bad: "柜台验证码为6个字符，请核对柜台屏幕。",
    error: "出错了：{message}",
  },
  en: {
    tab: "Delegate", title: "Presenting on someone's behalf",
    help: "An agent (a company's clerk, a relative) can show your licence from their own phone: only what you choose, until the date you choose, and you can revoke it at any time. An agent cannot pass it on.",
    give_title: "Let someone show my licence", licence: "Licence", what: "What the agent may show",
    until: "Until (last day)", scan_agent: "Scan the code on the agent's wallet",
    scan_stop: "Stop scanning", scanning: "Hold the agent's \"my wallet code\" up to the camera…",
    no_camera: "The camera is not available: allow the wallet to use it and try again.",
    no_licence: "No licence in this wallet is bound to this phone, so none can be delegated.",
    until_bad: "Choose a date after today.",
    too_large: "With a delegation, the whole licence is too long for one QR code; choose fewer items for the agent.",
    handover: "Let the agent's wallet scan this code to finish.",
    handover_label: "Delegation handover code",
    given_title: "Delegations I gave", given_none: "You have not delegated any licence.",
    agent: "Agent's wallet {kid}", revoke: "Revoke", revoked: "Revoked",
    revoke_confirm: "Revoke this delegation? The agent will no longer be able to show the licence.",
    revoke_done: "Revoked: counters will refuse this agent's codes from now on.",
    revoke_offline: "No network connection: revoking needs the network; try again online.",
    receive_title: "Show a licence for someone else (I am the agent)",
    show_key: "Show my wallet code", key_help: "Let the holder scan this code with their wallet.",
    key_label: "My wallet code (device public key)",
    scan_handover: "Scan the holder's handover code", handover_scanning: "Hold the holder's handover code up to the camera…",
    received_done: "Delegation received: {what}, on behalf of {name}, until {until}.",
    received_title: "Delegations I received", received_none: "You have not received any delegation.",
    on_behalf: "on behalf of {name}", holder_unnamed: "the holder", until_short: "until {date}",
    show: "Show", stop: "Stop showing", ended: "Ended", remove: "Remove",
    remove_confirm: "Remove this delegation from this phone? To show the licence again, the holder must delegate again.",
    qr_note: "Shown as an agent: the counter sees \"presented by an authorised agent on behalf of {name}, until {until}\". The code renews every 30 seconds.",
    live_label: "Agent's live code", countdown: "Renews in {s} s",
    challenge: "Counter code (if the counter asks: the 6 characters on its screen)",
    challenge_bad: "A counter code has 6 characters; check the counter's screen.",
    error: "Something went wrong: {message}",
  },
};
const REFRESH_SECONDS = 30;
const DAY = 86_400;
const DEFAULT_DAYS = 30;

let stopScan = null;
let showing = null; // {record, timer, generatedAt}
let handover = null; // the last handover code shown (redrawn on a language change)

function w(key, vars = {}) {
  const template = WORDS[language()][key] ?? WORDS.en[key];
  return template.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function initDelegation() {
  onEnter("delegation", () => reporting("delegate-status", render));
  onLeave("delegation", () => {
    endScan();
    stopShowing();
  });
  // The tab's word follows the wallet's language (set on <html lang> by i18n.js).
  new MutationObserver(() => {
    $("tab-delegation").textContent = w("tab");
    $("h-delegation").textContent = w("title");
    if (!$("view-delegation").hidden) reporting("delegate-status", render);
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  $("tab-delegation").textContent = w("tab");
  $("h-delegation").textContent = w("title");
}

// ------------------------------------------------------------------ the screen

async function render() {
  endScan();
  stopShowing();
  const bound = (await licences.all()).map((record) => ({ record, ...readRecord(record) }))
    .filter((x) => x.boundHere);
  $("h-delegation").textContent = w("title");
  $("delegation-root").replaceChildren(
    el("p", { class: "muted", text: w("help") }),
    giveForm(bound),
    el("div", { id: "delegation-camera", class: "challenge-camera", hidden: "" },
      el("video", { id: "delegation-video", muted: "", playsinline: "", "aria-label": w("scanning") }),
      el("canvas", { id: "delegation-frame", hidden: "" }),
      el("button", { type: "button", id: "delegation-scan-stop", onclick: endScan, text: w("scan_stop") })),
    el("div", { id: "handover-box", class: "qr-box", hidden: "" },
      el("canvas", { id: "handover-qr", role: "img", "aria-label": w("handover_label") }),
      el("p", { class: "muted", text: w("handover") })),
    el("p", { id: "delegate-status", class: "status", role: "status", "aria-live": "polite" }),
    el("h3", { text: w("given_title") }),
    el("ul", { id: "delegations-given", class: "receipts" }),
    el("h3", { text: w("receive_title") }),
    el("div", { class: "actions" },
      el("button", { type: "button", id: "agent-show-key", onclick: () => reporting("agent-status", showKey), text: w("show_key") }),
      el("button", { type: "button", id: "agent-scan", onclick: () => reporting("agent-status", scanHandover), text: w("scan_handover") })),
    el("div", { id: "agent-key-box", class: "qr-box", hidden: "" },
      el("canvas", { id: "agent-key-qr", role: "img", "aria-label": w("key_label") }),
      el("p", { class: "muted", text: w("key_help") })),
    el("p", { id: "agent-status", class: "status", role: "status", "aria-live": "polite" }),
    el("h3", { text: w("received_title") }),
    el("label", { for: "agent-challenge", text: w("challenge") }),
    el("input", { id: "agent-challenge", class: "challenge-input", autocomplete: "off",
      autocapitalize: "characters", spellcheck: "false", maxlength: "9",
      oninput: () => { if (showing) reporting("agent-status", drawLive); } }),
    el("ul", { id: "delegations-received", class: "receipts" }),
    el("div", { id: "agent-live-box", class: "qr-box", hidden: "" },
      el("canvas", { id: "agent-qr", role: "img", "aria-label": w("live_label") }),
      el("p", { id: "agent-countdown", class: "countdown", "aria-live": "off" }),
      el("p", { id: "agent-note", class: "muted" }),
      el("button", { type: "button", id: "agent-stop", onclick: stopShowing, text: w("stop") })));
  if (handover) showHandover(handover);
  await renderGiven();
  await renderReceived();
}

function giveForm(bound) {
  if (!bound.length) return el("p", { id: "delegate-none", text: w("no_licence") });
  const select = el("select", { id: "delegate-licence" }, ...bound.map((x) =>
    el("option", { value: x.record.id, text: `${pick(x.schema.title)} · ${holderName(x)}` })));
  const presets = el("div", { id: "delegate-presets", class: "choices" });
  const fillPresets = () => {
    const chosen = bound.find((x) => x.record.id === select.value);
    presets.replaceChildren(...presetsFor(chosen.schema).filter((p) => p.name !== "custom")
      .map((preset, i) => {
        const input = el("input", { type: "radio", name: "delegate-preset", value: preset.name,
          id: `delegate-preset-${preset.name}` });
        input.checked = i === 0;
        return el("label", { for: `delegate-preset-${preset.name}` }, input, presetTitle(preset));
      }));
  };
  select.addEventListener("change", fillPresets);
  fillPresets();
  const until = el("input", { type: "date", id: "delegate-until", required: "",
    value: isoDate(nowSeconds() + DEFAULT_DAYS * DAY), min: isoDate(nowSeconds() + DAY) });
  return el("form", { id: "delegate-form", novalidate: "", onsubmit: (e) => {
    e.preventDefault();
    reporting("delegate-status", () => scanAgent(bound));
  } },
  el("h3", { text: w("give_title") }),
  el("label", { for: "delegate-licence", text: w("licence") }), select,
  el("fieldset", {}, el("legend", { text: w("what") }), presets),
  el("label", { for: "delegate-until", text: w("until") }), until,
  el("button", { type: "submit", id: "delegate-scan", class: "primary", text: w("scan_agent") }));
}

// ------------------------------------------------------------------ the camera

async function scanFor(statusId, wordKey, accept) {
  endScan();
  $("delegation-camera").hidden = false;
  say(statusId, w(wordKey));
  try {
    stopScan = await scanQr($("delegation-video"), $("delegation-frame"), (text) => {
      if (!accept(text)) return false;
      stopScan = null;
      $("delegation-camera").hidden = true;
      return true;
    });
  } catch (e) {
    if (!(e instanceof CameraUnavailable)) throw e;
    $("delegation-camera").hidden = true;
    say(statusId, w("no_camera"), "bad");
  }
}

function endScan() {
  if (stopScan) stopScan();
  stopScan = null;
  if ($("delegation-camera")) $("delegation-camera").hidden = true;
}

function draw(canvasId, text) {
  const qr = encodeQr(text);
  const canvas = $(canvasId);
  drawQr(canvas, qr, 4);
  canvas.dataset.qr = text;
  canvas.dataset.version = String(qr.version);
}

// ------------------------------------------------------------------ as the holder

/** The end date as unix seconds: the end of the chosen day (UTC); null if not after today. */
function chosenUntil() {
  const value = $("delegate-until").value;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const until = Date.parse(`${value}T23:59:59Z`) / 1000;
  return until > nowSeconds() ? until : null;
}

async function scanAgent(bound) {
  const until = chosenUntil();
  if (until === null) return say("delegate-status", w("until_bad"), "bad");
  const chosen = bound.find((x) => x.record.id === $("delegate-licence").value);
  const presetName = document.querySelector("input[name=delegate-preset]:checked").value;
  const preset = presetsFor(chosen.schema).find((p) => p.name === presetName);
  await scanFor("delegate-status", "scanning", (text) => {
    const agentKey = d.readKeyText(text);
    if (!agentKey) return false;
    reporting("delegate-status", () => delegateTo(chosen, preset, agentKey, until));
    return true;
  });
}

async function delegateTo(chosen, preset, agentKey, until) {
  const key = await ownKey();
  let made;
  try {
    made = await d.makeDelegation(chosen.lic, chosen.schema, preset.claims, key.privateKey,
      key.compressed, agentKey, until);
  } catch (e) {
    if (!(e instanceof f.FormatError && e.reason === "delegation_too_large")) throw e;
    say("delegate-status", w("too_large"), "bad");
    return;
  }
  await given.put({ id: f.toHex(made.id), licenceId: chosen.record.id, type: chosen.record.type,
    holder: holderName(chosen), preset: preset.name, agentKid: f.toHex(agentKey.slice(1, 5)),
    until, body: made.body, signature: made.signature, revoked: false, made: nowSeconds() });
  handover = made.handover;
  showHandover(handover);
  say("delegate-status", "");
  await renderGiven();
}

function showHandover(text) {
  draw("handover-qr", text);
  $("handover-box").hidden = false;
  $("handover-box").scrollIntoView({ block: "center" });
}

async function renderGiven() {
  const list = (await given.all()).sort((a, b) => b.made - a.made);
  $("delegations-given").replaceChildren(...(list.length ? list.map((g) => {
    const schema = schemaFor(g.type);
    return el("li", { class: "delegation-given", "data-id": g.id },
      el("p", { text: `${schema ? pick(schema.title) : g.type} · ${g.holder}` }),
      el("p", { class: "muted", text: `${w("agent", { kid: g.agentKid.toUpperCase() })} · `
        + `${w("until_short", { date: isoDate(g.until) })}` }),
      g.revoked ? el("span", { class: "badge revoked", text: w("revoked") })
        : el("button", { type: "button", class: "danger revoke",
          onclick: () => reporting("delegate-status", () => revoke(g.id)), text: w("revoke") }));
  }) : [el("li", { class: "muted", text: w("given_none") })]));
}

const isRevoked = (b) => b.revoked === true;

async function revoke(id) {
  if (!window.confirm(w("revoke_confirm"))) return;
  const g = await given.get(id);
  const key = await ownKey();
  const answer = expecting(await postJson("/api/v1/delegations/revoke",
    await d.revocationRequest(g.body, g.signature, key.privateKey)), isRevoked);
  if (answer.kind !== "ok") {
    say("delegate-status", answer.kind === "offline" ? w("revoke_offline") : explain(answer, "offline"), "bad");
    return;
  }
  g.revoked = true;
  await given.put(g);
  handover = null;
  $("handover-box").hidden = true;
  say("delegate-status", w("revoke_done"), "good");
  await renderGiven();
}

// ------------------------------------------------------------------ as the agent

async function showKey() {
  const key = await ownKey(true);
  draw("agent-key-qr", d.keyText(key.compressed));
  $("agent-key-box").hidden = false;
  say("agent-status", "");
}

async function scanHandover() {
  const key = await ownKey(true);
  await scanFor("agent-status", "handover_scanning", (text) => {
    if (!text.startsWith(d.HANDOVER_PREFIX)) return false;
    reporting("agent-status", () => receive(text, key));
    return true;
  });
}

async function receive(text, key) {
  let got;
  try {
    got = await d.readHandover(text, key.compressed, schemaFor);
  } catch (e) {
    if (!(e instanceof f.FormatError)) throw e;
    say("agent-status", w("error", { message: e.message }), "bad");
    return;
  }
  const schema = schemaFor(got.header.licenceType);
  const record = { id: f.toHex(got.id), type: schema.name, lic: f.cborEncode(got.lic),
    compact: f.cborEncode(got.compact), until: got.until, received: nowSeconds() };
  await received.put(record);
  $("agent-key-box").hidden = true;
  say("agent-status", w("received_done", { what: pick(schema.title), name: nameOf(record),
    until: isoDate(got.until) }), "good");
  await renderReceived();
}

/** The holder's name when the delegation lets the agent show it. */
function nameOf(record) {
  const lic = f.cborDecode(record.lic);
  const schema = schemaFor(record.type);
  const claims = lic.get(f.K.claims);
  const byName = new Map(schema.claims.map((c) => [c.name, c]));
  const value = (name) => claims.get(byName.get(name)?.key);
  const shown = value("company_name") ?? value("family_name") ?? value("given_name");
  return shown === undefined ? w("holder_unnamed") : holderName({ value });
}

async function renderReceived() {
  const list = (await received.all()).sort((a, b) => b.received - a.received);
  const now = nowSeconds();
  $("delegations-received").replaceChildren(...(list.length ? list.map((r) => {
    const schema = schemaFor(r.type);
    const lic = f.cborDecode(r.lic);
    const claims = lic.get(f.K.claims);
    const items = schema.claims.filter((c) => claims.has(c.key))
      .map((c) => `${pick(c.title)}（${formatValue(c, claims.get(c.key))}）`);
    const ended = r.until < now;
    return el("li", { class: "delegation-received", "data-id": r.id },
      el("p", { text: `${pick(schema.title)} · ${w("on_behalf", { name: nameOf(r) })}` }),
      el("p", { class: "muted", text: items.join(listSeparator()) }),
      el("p", { class: "muted", text: ended ? w("ended") : w("until_short", { date: isoDate(r.until) }) }),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "primary show", ...(ended ? { disabled: "" } : {}),
          onclick: () => reporting("agent-status", () => startShowing(r.id)), text: w("show") }),
        el("button", { type: "button", class: "danger remove",
          onclick: () => reporting("agent-status", () => removeReceived(r.id)), text: w("remove") })));
  }) : [el("li", { class: "muted", text: w("received_none") })]));
}

async function removeReceived(id) {
  if (!window.confirm(w("remove_confirm"))) return;
  if (showing?.record.id === id) stopShowing();
  await received.remove(id);
  await renderReceived();
}

async function startShowing(id) {
  stopShowing();
  const record = await received.get(id);
  showing = { record, timer: null, generatedAt: 0 };
  await drawLive();
  showing.timer = setInterval(tick, 1000);
}

async function drawLive() {
  const { record } = showing;
  const key = await ownKey();
  // The counter's challenge, typed (docs/verifying.md): signed into the code when valid.
  const typed = $("agent-challenge").value.trim();
  const challenge = typed ? parseChallenge(typed) : null;
  if (typed && !challenge) say("agent-status", w("challenge_bad"), "bad");
  else say("agent-status", "");
  const text = await d.delegatedPresentationText(f.cborDecode(record.lic),
    f.cborDecode(record.compact), key.privateKey, key.compressed, nowSeconds(), challenge);
  draw("agent-qr", text);
  $("agent-note").textContent = w("qr_note", { name: nameOf(record), until: isoDate(record.until) });
  showing.generatedAt = Date.now();
  const first = $("agent-live-box").hidden;
  $("agent-live-box").hidden = false;
  if (first) $("agent-live-box").scrollIntoView({ block: "center" });
  tick();
}

function tick() {
  if (!showing) return;
  const left = Math.max(0, REFRESH_SECONDS - Math.floor((Date.now() - showing.generatedAt) / 1000));
  $("agent-countdown").textContent = w("countdown", { s: left });
  if (left === 0) reporting("agent-status", drawLive);
}

function stopShowing() {
  if (showing?.timer) clearInterval(showing.timer);
  showing = null;
  if ($("agent-live-box")) {
    $("agent-live-box").hidden = true;
    delete $("agent-qr").dataset.qr;
  }
}
