// How dates and claim values read on screen in the page's language, and the clock the
// wallet reads times against.

import { language } from "./i18n.js";

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function isoDate(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** A claim date (days since 1970-01-01, as the format carries it) as YYYY-MM-DD. */
export function dayDate(days) {
  return new Date(days * 86400000).toISOString().slice(0, 10);
}

export function localTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString(language() === "zh" ? "zh-CN" : "en-GB");
}

/** The separator of a list of items in running text. */
export const listSeparator = () => (language() === "zh" ? "、" : ", ");

/** A claim value as text, given its schema entry. */
export function formatValue(spec, value) {
  if (value === null || value === undefined) return "—";
  if (spec.type === "date") return dayDate(value);
  if (spec.type === "bool") {
    if (language() === "zh") return value ? "是" : "否";
    return value ? "yes" : "no";
  }
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}
