// 证照更新周期 / The holder's setting for how old a copy may get before the wallet asks for
// it signed again: among the display settings, showing the number of days in use and the
// range the installation allows (refresh_age.js). Saving applies it at once: a copy now
// older than the new number of days is refreshed straight away.

import { $ } from "../dom.js";
import { addWords, t } from "../i18n.js";
import { refreshCopies } from "../refresh.js";
import { chooseDays, holderDays, refreshLimits } from "../refresh_age.js";

addWords({
  zh: { refresh_every: "证照更新：每{n}天", refresh_every_default: "证照更新：每{n}天（默认）",
    refresh_days_label: "证照副本超过多少天后自动更新", refresh_days_range: "可设{min}至{max}天，本服务默认{d}天。",
    refresh_save: "保存", refresh_use_default: "恢复默认",
    refresh_days_bad: "请输入{min}至{max}之间的整天数。",
    refresh_days_saved: "已保存：证照副本超过{n}天后自动更新。" },
  en: { refresh_every: "Update copies: every {n} days",
    refresh_every_default: "Update copies: every {n} days (default)",
    refresh_days_label: "Update a licence copy when it is older than (days)",
    refresh_days_range: "From {min} to {max} days; this service's default is {d}.",
    refresh_save: "Save", refresh_use_default: "Use the default",
    refresh_days_bad: "Enter a whole number of days from {min} to {max}.",
    refresh_days_saved: "Saved: a licence copy older than {n} days is updated." },
});

function say(text, kind) {
  const line = $("refresh-setting-status");
  line.textContent = text;
  line.className = `status ${kind}`;
}

/** Shows the number of days in use (after a change of setting or of language). */
export async function renderRefreshAge() {
  const limits = await refreshLimits();
  $("refresh-setting").hidden = !limits; // the settings are part of the shell: rarely so
  if (!limits) return;
  const own = holderDays(limits);
  const days = own ?? limits.default;
  $("refresh-summary").textContent = t(own === null ? "refresh_every_default" : "refresh_every",
    { n: days });
  $("refresh-summary").dataset.days = String(days);
  const input = $("refresh-days");
  input.min = String(limits.min);
  input.max = String(limits.max);
  if (document.activeElement !== input) input.value = String(days);
  $("refresh-days-range").textContent = t("refresh_days_range",
    { min: limits.min, max: limits.max, d: limits.default });
}

async function saved() {
  await renderRefreshAge();
  say(t("refresh_days_saved", { n: $("refresh-summary").dataset.days }), "good");
  await refreshCopies();
}

export function initRefreshAge() {
  $("refresh-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const limits = await refreshLimits();
    if (!limits) return;
    const text = $("refresh-days").value.trim();
    const days = /^[0-9]{1,4}$/.test(text) ? Number(text) : NaN;
    if (!(days >= limits.min && days <= limits.max)) {
      say(t("refresh_days_bad", { min: limits.min, max: limits.max }), "bad");
      $("refresh-days").focus();
      return;
    }
    chooseDays(days);
    await saved();
  });
  $("refresh-default").addEventListener("click", async () => {
    chooseDays(null);
    await saved();
  });
}
