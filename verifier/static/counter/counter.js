// The counter page: scan a licence QR code (camera, USB scanner paste, or photo), verify it
// through /api/v1/verify and fill the screen with the verdict. Plain JS, no framework; all
// text in Chinese and English; the camera keeps scanning so the next licence needs no click.
"use strict";

(function () {
  const WORDS = {
    zh: {
      title: "证照核验", skip: "跳至核验结果", large: "大字模式", waiting: "请出示证照二维码",
      scan_title: "扫描", camera_starting: "正在打开摄像头…",
      camera_on: "将二维码对准摄像头", camera_off: "无法使用摄像头：请粘贴或上传照片。",
      paste_label: "或粘贴扫码枪读取的文本", verify: "核验", photo_label: "或上传二维码照片",
      video: "摄像头画面", checking: "核验中…", network: "无法连接核验服务，请重试。",
      printed: "纸质/打印件 — 请核对持证人带照片的身份证件",
      live: "手机实时出示，已绑定设备",
      as_of: (b, t, age) => `状态截至区块 ${b}（${t}），索引更新于 ${age}前`,
      yes: "是", no: "否",
      valid: "有效", revoked: "已吊销", suspended: "已暂扣", expired: "已过期",
      invalid: "无效", unknown: "无法确认", unreadable: "无法识别", not_accepted: "本柜台不受理",
      reason: "原因", until: "至",
      challenge_title: "柜台验证码",
      challenge_help: "请持证人用电子钱包扫描此码或输入这6个字符",
      challenge_label: (text) => `柜台验证码 ${text.split("").join(" ")}`,
      token: "柜台令牌", region: "地区",
    },
    en: {
      title: "Licence verification", skip: "Skip to the result", large: "Large text",
      waiting: "Show the licence QR code", scan_title: "Scan",
      camera_starting: "Starting the camera…", camera_on: "Hold the QR code up to the camera",
      camera_off: "The camera is not available: paste the text or upload a photo.",
      paste_label: "Or paste the text from a USB scanner", verify: "Verify",
      photo_label: "Or upload a photo of the QR code", video: "Camera view",
      checking: "Checking…", network: "The verification service cannot be reached; try again.",
      printed: "Printed copy — check the holder's photo ID", live: "Live, device-bound",
      as_of: (b, t, age) => `Status as of block ${b} (${t}), index updated ${age} ago`,
      yes: "yes", no: "no",
      valid: "VALID", revoked: "REVOKED", suspended: "SUSPENDED", expired: "EXPIRED",
      invalid: "NOT VALID", unknown: "CANNOT CONFIRM", unreadable: "UNREADABLE",
      not_accepted: "NOT ACCEPTED HERE",
      reason: "Reason", until: "until",
      challenge_title: "Counter code",
      challenge_help: "Holder: scan this code or type these 6 characters in the wallet",
      challenge_label: (text) => `Counter code ${text.split("").join(" ")}`,
      token: "Counter token", region: "region",
    },
  };
  // not_accepted: genuine, but outside this counter's policy — its own colour, never red.
  const ICONS = { valid: "✔", unknown: "?", unreadable: "⚠", waiting: "⌁", checking: "…",
                  not_accepted: "⊘" };
  const KIND = { valid: "good", unknown: "warn", unreadable: "neutral", waiting: "neutral",
                 checking: "neutral", not_accepted: "other" };
  const SCAN_EVERY_MS = 150;

  const $ = (id) => document.getElementById(id);
  let lang = localStorage.getItem("elicence.lang") === "en" ? "en" : "zh";
  let schemas = {};
  let shown = null; // the last result, re-rendered when the language changes
  let shownAt = null; // the server's time of that result (unix seconds)
  let lastScanned = null; // the camera's last code: a code left in view is verified once
  let latest = 0; // only the newest request's answer is shown
  let busy = false;
  let challenge = null; // the counter's current challenge (/api/v1/challenge)
  let shownText = null; // the scanned text of the result on screen (null: a photo)

  const t = (key) => WORDS[lang][key];
  const auth = (headers) => window.elicenceCounterToken.headers(headers); // token.js

  function applyLanguage() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => {
      el.textContent = t(el.dataset.i18n);
    });
    document.querySelectorAll("[data-i18n-label]").forEach((el) => {
      el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    });
    showCounter();
    const other = $("lang");
    other.textContent = lang === "zh" ? "English" : "中文";
    other.lang = lang === "zh" ? "en" : "zh-CN";
    document.title = `${t("title")} · ${lang === "zh" ? "Licence verification" : "证照核验"}`;
    if (shown) render(shown);
  }

  // The heading's counter: the installation's as served, or the desk desk.js learned.
  function showCounter() {
    const counter = $("counter");
    counter.textContent = lang === "zh" ? counter.dataset.counterZh : counter.dataset.counterEn;
    const region = counter.dataset.region;
    $("counter-place").hidden = !region;
    $("counter-place").textContent = region ? `${t("region")} ${region}` : "";
    const counterToken = window.elicenceCounterToken.counter;
    const line = $("counter-token");
    const refused = lang === "zh" ? line.dataset.refusedZh : line.dataset.refusedEn;
    line.hidden = !counterToken;
    line.textContent = counterToken ? refused || `${t("token")} ${counterToken}` : "";
  }

  function setLarge(on) {
    document.body.classList.toggle("large", on);
    $("large").setAttribute("aria-pressed", String(on));
    localStorage.setItem("elicence.large", on ? "1" : "0");
  }

  // ---------------------------------------------------------------- showing a result
  function setVerdict(verdict, word, why) {
    const section = $("result");
    section.dataset.verdict = verdict;
    section.dataset.kind = KIND[verdict] || "bad";
    $("verdict-icon").textContent = ICONS[verdict] || "✘";
    $("verdict-word").textContent = word;
    $("verdict-word").removeAttribute("data-i18n");
    $("verdict-why").textContent = why || "";
  }

  function decidingMessage(result) {
    // A valid licence the counter must still read a warning for (e.g. its authority was
    // suspended and a grace period runs): the warning takes the "why" line.
    const warnings = result.warnings || [];
    if (warnings.length) return warnings.map((w) => (lang === "zh" ? w.message_zh : w.message)).join(" ");
    // A valid live code that answered no challenge says so (it could be a fresh copy).
    const check = (result.checks || []).find(
      (c) => (c.reason === result.reason && (c.result === "fail" || c.result === "unknown"))
        || (result.verdict === "valid" && c.reason === "no_challenge"));
    if (!check) return "";
    return lang === "zh" ? check.message_zh : check.message;
  }

  function formatValue(value) {
    if (value === true) return t("yes");
    if (value === false) return t("no");
    if (Array.isArray(value)) return value.join(", ");
    return String(value);
  }

  function formatTime(seconds) {
    return new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function formatAge(seconds) {
    if (seconds < 60) return lang === "zh" ? `${seconds} 秒` : `${seconds} s`;
    const minutes = Math.round(seconds / 60);
    return lang === "zh" ? `${minutes} 分钟` : `${minutes} min`;
  }

  function render(result) {
    shown = result;
    setVerdict(result.verdict, t(result.verdict) || result.verdict, decidingMessage(result));
    // history.js offers the licence's history for the code behind this result.
    document.dispatchEvent(new CustomEvent("elicence:result",
                                           { detail: { text: shownText, result } }));
    const details = $("details");
    if (!result.licence_type) {
      details.hidden = true;
      return;
    }
    const type = result.licence_type;
    $("licence-type").textContent = lang === "zh" ? type.title_zh : type.title_en;
    const a = result.authority;
    $("authority").textContent = a
      ? `${lang === "zh" ? a.name_zh : a.name_en} (${a.id}, ${a.jurisdiction})` : "—";
    $("presentation").textContent = t(result.presentation === "live" ? "live" : "printed");
    const claims = $("claims");
    claims.replaceChildren();
    const given = result.claims || {};
    const known = (schemas[type.name] || {}).claims || [];
    // The schema's order first (names before dates), then anything the schema lacks.
    const order = known.filter((c) => c.name in given);
    for (const name of Object.keys(given)) {
      if (!order.some((c) => c.name === name)) order.push({ name });
    }
    for (const claim of order) {
      const dt = document.createElement("dt");
      dt.textContent = claim[lang] || claim.name;
      const dd = document.createElement("dd");
      dd.textContent = formatValue(given[claim.name]);
      claims.append(dt, dd);
    }
    const asOf = result.status_as_of;
    // Age by the server's clock (its Date header), not the counter PC's, which may be off.
    const now = shownAt || Math.round(Date.now() / 1000);
    const age = asOf ? Math.max(0, now - asOf.synced_at) : 0;
    $("as-of").textContent = asOf ? t("as_of")(asOf.block, formatTime(asOf.time),
                                                formatAge(age)) : "";
    details.hidden = false;
  }

  // ---------------------------------------------------------------- the counter challenge
  function showChallenge() {
    if (!challenge) return;
    $("challenge").hidden = challenge.policy === "off";
    $("challenge-qr").src = challenge.qr;
    $("challenge-qr").alt = t("challenge_label")(challenge.text);
    $("challenge-text").textContent = challenge.text;
    $("challenge").dataset.text = challenge.text;
  }

  async function loadChallenge() {
    let wait = 5000; // try again soon after a network failure
    try {
      const response = await fetch("/api/v1/challenge", { cache: "no-store", headers: auth() });
      const body = await response.json();
      if (body.text) {
        challenge = body;
        showChallenge();
        // The next window, by the server's clock (its Date header), a second early.
        const date = Date.parse(response.headers.get("Date") || "");
        const serverNow = Number.isNaN(date) ? Date.now() / 1000 : date / 1000;
        wait = Math.max(1000, (body.refresh_at - serverNow) * 1000 - 1000);
      }
    } catch {
      // keep the last one on screen: it stays accepted until its expiry
    }
    setTimeout(loadChallenge, wait);
  }

  // ---------------------------------------------------------------- asking the server
  async function submit(body, text = null) {
    const mine = ++latest;
    busy = true;
    setVerdict("checking", t("checking"), "");
    $("details").hidden = true;
    let answer = null;
    let at = null;
    try {
      const response = await fetch("/api/v1/verify", { ...body, headers: auth(body.headers) });
      answer = await response.json();
      const date = Date.parse(response.headers.get("Date") || "");
      at = Number.isNaN(date) ? null : Math.round(date / 1000);
    } catch {
      answer = null;
    }
    if (mine !== latest) return; // a newer scan or paste has taken over
    busy = false;
    shownAt = at;
    shownText = text;
    if (answer === null) {
      shown = null;
      setVerdict("unknown", t("unknown"), t("network"));
    } else if (answer.error) {
      shown = null;
      setVerdict("unreadable", t("unreadable"),
                 lang === "zh" ? answer.error.message_zh : answer.error.message);
    } else {
      render(answer);
    }
    // speech.js reads each new verdict (not a re-render for another language).
    document.dispatchEvent(new CustomEvent("elicence:shown", { detail: {
      verdict: $("result").dataset.verdict, presentation: answer && answer.presentation } }));
  }

  function verifyText(text) {
    text = text.trim();
    if (!text) return;
    submit({ method: "POST", headers: { "Content-Type": "application/json" },
             body: JSON.stringify({ qr: text }) }, text);
  }

  function scanned(text) {
    // Paste and upload do not reset this: the code still in front of the camera is not
    // "new" just because another one was pasted meanwhile.
    if (text === lastScanned || text.startsWith("ELCH:")) return; // not the counter's own
    lastScanned = text;
    verifyText(text);
  }

  // ---------------------------------------------------------------- the camera
  async function startCamera() {
    const video = $("video");
    const status = $("camera-status");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.dataset.i18n = "camera_off";
      status.textContent = t("camera_off");
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia(
        { video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      await video.play();
      status.dataset.i18n = "camera_on";
      status.textContent = t("camera_on");
      setInterval(scanFrame, SCAN_EVERY_MS);
    } catch {
      status.dataset.i18n = "camera_off";
      status.textContent = t("camera_off");
    }
  }

  function scanFrame() {
    const video = $("video");
    if (busy || video.readyState < 2 || !window.jsQR) return;
    const canvas = $("frame");
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h) return;
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, w, h);
    const code = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h,
                             { inversionAttempts: "dontInvert" });
    if (code && code.data) scanned(code.data);
  }

  // ---------------------------------------------------------------- wiring
  function init() {
    $("lang").addEventListener("click", () => {
      lang = lang === "zh" ? "en" : "zh";
      localStorage.setItem("elicence.lang", lang);
      applyLanguage();
    });
    $("large").addEventListener("click", () => {
      setLarge(!document.body.classList.contains("large"));
    });
    $("paste-form").addEventListener("submit", (event) => {
      event.preventDefault();
      verifyText($("paste").value); // explicit: verified even if the same as before
      $("paste").value = "";
    });
    $("photo").addEventListener("change", () => {
      const file = $("photo").files[0];
      if (!file) return;
      const form = new FormData();
      form.append("image", file);
      submit({ method: "POST", body: form });
      $("photo").value = "";
    });
    document.addEventListener("elicence:desk", showCounter); // desk.js
    setLarge(localStorage.getItem("elicence.large") === "1");
    applyLanguage();
    fetch("/api/v1/schemas", { headers: auth() }).then((r) => r.json()).then((body) => {
      schemas = body.schemas || {};
      if (shown) render(shown);
    }).catch(() => {});
    loadChallenge();
    startCamera();
  }

  init();
})();
