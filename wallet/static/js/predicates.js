// Predicates (年满60周岁, 在营业期限内…): the schema's rules, evaluated as the issuer does
// (licence/predicates.py), so the wallet notices when one would read differently if its
// copy were signed today. Only the rules that move with the date are evaluated here; an
// amount rule (registered capital) does not change with time, so the copy's value stands.

import { formatValue } from "./display.js";
import { el } from "./dom.js";
import { pick } from "./i18n.js";

const DAY = 86400;
const CHINA = 8 * 3600; // licence days are China Standard Time, as the issuer counts them

/** The day (days since 1970-01-01) of a unix time in China Standard Time. */
export const chinaDay = (unixSeconds) => Math.floor((unixSeconds + CHINA) / DAY);

function wholeYears(fromDays, onDays) {
  const a = new Date(fromDays * DAY * 1000);
  const b = new Date(onDays * DAY * 1000);
  const before = b.getUTCMonth() < a.getUTCMonth()
    || (b.getUTCMonth() === a.getUTCMonth() && b.getUTCDate() < a.getUTCDate());
  return b.getUTCFullYear() - a.getUTCFullYear() - (before ? 1 : 0);
}

/** A date rule's value on `day` given the claims (`value(name)`), or undefined when the
 * rule does not move with the date. */
export function predicateOn(rule, value, day) {
  if (rule.rule === "years_since") return wholeYears(value(rule.from), day) >= rule.years;
  if (rule.rule === "within") {
    const until = value(rule.until);
    return value(rule.from) <= day && (until === undefined || until === null || day <= until);
  }
  return undefined;
}

/** The schema's predicates, in schema order. */
export const predicatesOf = (schema) => schema.claims.filter((c) => c.derived);

/** Names of the predicates that would read differently if the licence (`d`, as
 * stored.js reads it) were signed on `day`. */
export function changedPredicates(d, day) {
  return predicatesOf(d.schema).filter((c) => {
    const now = predicateOn(c.derived, d.value, day);
    return now !== undefined && now !== d.value(c.name);
  }).map((c) => c.name);
}

/** The card's lines for the predicates the licence carries: title, then yes or no. */
export function predicateRows(d) {
  return predicatesOf(d.schema).filter((c) => d.value(c.name) !== undefined).flatMap((c) => [
    el("dt", { text: pick(c.title) }),
    el("dd", { "data-predicate": c.name, text: formatValue(c, d.value(c.name)) })]);
}
