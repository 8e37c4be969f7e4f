// 证照更新周期 / The holder's setting for how old a copy may get before the wallet asks for
// it signed again: among the display settings, showing the number of days in use and the
// range the installation allows (refresh_age.js). Saving applies it at once: a copy now
// older than the new number of days is refreshed straight away.

import { $ } from "../dom.js";
import { t } from "../i18n.js";
import { refreshCopies } from "../refresh.js";
import { chooseDays, holderDays, refreshLimits } from "../refresh_age.js";

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
    // Cleared first: the same refusal twice is then read out twice, and never stale.
    say("", "");
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
