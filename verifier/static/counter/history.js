// The counter page's "history" tap: under a verdict for a readable licence, one button asks
// /api/v1/history with the code just scanned and lists the licence's life from the chain
// (anchored, status changes with their public reason, replacements both ways, a phone
// copy's addition). counter.js announces each shown result with an "elicence:result" event.
"use strict";

(function () {
  const WORDS = {
    zh: {
      button: "历史记录", title: "证照历史（链上记录）", loading: "正在读取历史…",
      network: "无法连接核验服务，请重试。", none: "无状态变更",
      anchored: "签发上链", copy_added: "本机副本添加", revoked: "吊销", suspended: "暂扣",
      reinstated: "恢复有效", superseded: "被新证取代", batch_withdrawn: "整批撤销",
      replaced: "此前的证照", replaced_by: "已由新证取代", until: "至", council: "理事会",
      copy_stopped: "本机副本被停用", block: "区块",
    },
    en: {
      button: "History", title: "Licence history (chain records)", loading: "Reading the history…",
      network: "The verification service cannot be reached; try again.", none: "No status change",
      anchored: "Issued (anchored)", copy_added: "Phone copy added", revoked: "Revoked",
      suspended: "Suspended", reinstated: "Reinstated", superseded: "Replaced by a newer licence",
      batch_withdrawn: "Whole batch withdrawn", replaced: "Earlier licence",
      replaced_by: "Replaced by", until: "until", council: "council",
      copy_stopped: "Phone copy stopped", block: "block",
    },
  };
  const $ = (id) => document.getElementById(id);
  let current = null; // {text, verdict}: the result on screen and the code behind it
  let answer = null; // the history shown for current.text
  let lang = "zh";

  const t = (key) => WORDS[lang][key] || key;

  function when(seconds) {
    return new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function item(time, words, extra) {
    const li = document.createElement("li");
    const at = document.createElement("time");
    at.dateTime = new Date(time * 1000).toISOString();
    at.textContent = when(time);
    li.append(at, ` · ${words}`);
    if (extra) li.append(` — ${extra}`);
    return li;
  }

  function changeItem(c, prefix) {
    const reason = lang === "zh" ? c.reason_zh : c.reason_en;
    let words = `${prefix || ""}${t(c.event)}`;
    if (c.until) words += ` ${t("until")} ${when(c.until)}`;
    if (c.by === "council") words += ` (${t("council")})`;
    const li = item(c.time, words, reason);
    li.dataset.event = c.event;
    return li;
  }

  function show() {
    const list = $("history-list");
    list.replaceChildren();
    $("history-title").textContent = t("title");
    const doc = answer;
    for (const link of [...doc.replaced].reverse()) {
      for (const c of link.changes) list.append(changeItem(c, `${t("replaced")} ${link.status_ref.slice(0, 8)}: `));
    }
    if (doc.anchored) {
      const li = item(doc.anchored.time, t(doc.copy ? "copy_added" : "anchored"),
                      `${t("block")} ${doc.anchored.block}`);
      li.dataset.event = "anchored";
      list.append(li);
    }
    for (const c of doc.changes) list.append(changeItem(c));
    for (const c of (doc.copy ? doc.copy.changes : [])) list.append(changeItem(c, `${t("copy_stopped")}: `));
    for (const link of doc.superseded_by) {
      const li = document.createElement("li");
      li.dataset.event = "replaced_by";
      li.textContent = `${t("replaced_by")} ${link.status_ref.slice(0, 8)}`;
      list.append(li);
    }
    if (!doc.changes.length && !doc.replaced.length && !doc.superseded_by.length) {
      const li = document.createElement("li");
      li.textContent = t("none");
      list.append(li);
    }
    $("history-status").textContent = "";
    $("history").hidden = false;
  }

  async function load() {
    if (!current) return;
    const asked = current.text;
    $("history").hidden = false;
    $("history-list").replaceChildren();
    $("history-title").textContent = t("title");
    $("history-status").textContent = t("loading");
    let body = null;
    try {
      const response = await fetch("/api/v1/history", {
        method: "POST",
        headers: window.elicenceCounterToken.headers({ "Content-Type": "application/json" }),
        body: JSON.stringify({ qr: asked }) });
      body = await response.json();
    } catch {
      body = null;
    }
    if (!current || current.text !== asked) return; // a newer scan has taken over
    if (body === null) {
      $("history-status").textContent = t("network");
    } else if (body.error) {
      $("history-status").textContent = lang === "zh" ? body.error.message_zh : body.error.message;
    } else {
      answer = body;
      show();
    }
  }

  document.addEventListener("elicence:result", (event) => {
    const { text, result } = event.detail;
    lang = document.documentElement.lang === "en" ? "en" : "zh";
    $("history-button").textContent = t("button");
    const same = current && text && current.text === text;
    current = text ? { text, verdict: result.verdict } : null;
    // Only a licence that was read (and decoded) has a history to ask for.
    $("history-button").hidden = !current || !result.licence_type;
    if (same && answer) {
      show(); // the language changed: same history, new words
      return;
    }
    answer = null;
    $("history").hidden = true;
  });

  $("history-button").addEventListener("click", load);
})();
