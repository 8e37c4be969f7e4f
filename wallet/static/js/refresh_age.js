// 更新周期 / How old a copy may get before the wallet asks for it signed again. The
// installation sets the default and the range a holder may choose from (wallet/settings.py,
// served as /wallet/settings.json and cached with the app shell); the holder's own choice
// is wallet-prefs.refreshAfterDays, used only while it lies within that range.

import { expecting, getJson } from "./api.js";
import { readPrefs, setPref } from "./prefs.js";

let asked = null; // the one request for the installation's settings, shared by callers

const whole = (n) => Number.isInteger(n) && n > 0;
const isRange = (r) => whole(r?.default) && whole(r?.min) && whole(r?.max)
  && r.min <= r.default && r.default <= r.max;

/** The installation's {default, min, max} in days, or null if they cannot be read. */
export async function refreshLimits() {
  asked ??= getJson("/wallet/settings.json")
    .then((outcome) => expecting(outcome, (body) => isRange(body.refresh_after_days)));
  const outcome = await asked;
  if (outcome.kind !== "ok") {
    asked = null; // ask again next time
    return null;
  }
  return outcome.body.refresh_after_days;
}

/** The holder's own number of days, if they chose one within `limits`; else null. */
export function holderDays(limits) {
  const days = readPrefs().refreshAfterDays;
  return Number.isInteger(days) && days >= limits.min && days <= limits.max ? days : null;
}

/** After how many days a copy is signed again; null if the settings cannot be read (then
 * only a changed predicate makes the wallet ask). */
export async function refreshAfterDays() {
  const limits = await refreshLimits();
  return limits && (holderDays(limits) ?? limits.default);
}

/** Remembers the holder's choice; `null` returns to the installation's default. */
export function chooseDays(days) {
  setPref("refreshAfterDays", days ?? undefined);
}
