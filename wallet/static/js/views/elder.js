// 长辈模式 / Simple mode (适老化): one licence, one large "出示 / Show" button, large type,
// high contrast, no menus (wallet.css hides them under html.elder). Show goes straight to
// the live QR code of the whole licence, at the screen's full width, with a button that
// says aloud how long until the code refreshes. Stopping comes back here.

import { $, el } from "../dom.js";
import { addWords, language, pick, t } from "../i18n.js";
import { show } from "../nav.js";
import { readLicences, statusAlert, statusOf } from "../readout.js";
import { say } from "../speech.js";
import { holderName, readRecord } from "../stored.js";
import { startPresent } from "./present.js";

addWords({
  zh: { elder: "长辈模式", elder_leave: "退出长辈模式", elder_show: "出示", elder_time: "剩余时间",
    elder_empty: "钱包里还没有证照。请退出长辈模式，在“添加证照”中领取。",
    countdown_spoken: "二维码{s}秒后刷新" },
  en: { elder: "Simple mode", elder_leave: "Leave simple mode", elder_show: "Show",
    elder_time: "Time left",
    elder_empty: "No licences yet. Leave simple mode and use “Add licence” to claim one.",
    countdown_spoken: "The code refreshes in {s} seconds" },
});

export const inElderMode = () => document.documentElement.classList.contains("elder");

const presentable = (record, d) => d.boundHere && statusOf(record) !== "revoked";

/** Draws the one licence of the simple mode: the first that this phone can show. */
export function renderElder(records) {
  const read = records.map((record) => ({ record, d: readRecord(record) }));
  const chosen = read.find(({ record, d }) => presentable(record, d)) ?? read[0];
  const box = $("elder-card");
  if (!chosen) {
    box.replaceChildren(el("p", { class: "elder-empty", text: t("elder_empty") }));
    return;
  }
  const { record, d } = chosen;
  const status = statusOf(record);
  const alert = statusAlert(record);
  box.replaceChildren(...[
    el("h3", { text: pick(d.schema.title) }),
    el("p", { class: "elder-holder", text: holderName(d) }),
    el("p", { class: `badge elder-status ${status}`, "data-status": status, text: t(`st_${status}`) }),
    alert ? el("p", { class: "alert", text: alert }) : null,
    el("button", { type: "button", id: "elder-show", class: "primary elder-show",
      ...(presentable(record, d) ? {} : { disabled: "" }),
      onclick: () => showCode(record.id), text: t("elder_show") }),
    el("button", { type: "button", id: "elder-read", class: "elder-read",
      onclick: () => readLicences([record]), text: t("read_aloud") }),
  ].filter(Boolean));
}

async function showCode(id) {
  await startPresent(id); // the whole licence, no counter code: nothing to choose
  $("present-form").requestSubmit();
}

function sayTimeLeft() {
  const left = Number.parseInt($("countdown").dataset.left ?? "", 10);
  if (Number.isNaN(left)) return;
  say(language(), t("countdown_spoken", { s: left }),
    ["countdown.in", `number.${left}`, "countdown.seconds"]);
}

export function initElder() {
  $("elder-time").addEventListener("click", sayTimeLeft);
  $("present-stop").addEventListener("click", () => {
    if (inElderMode()) show("licences");
  });
}
