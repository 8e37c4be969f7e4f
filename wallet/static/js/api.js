// HTTP calls whose answers come back as typed outcomes, so each failure is shown for what
// it is instead of one catch-all:
//
//   {kind: "ok", status, body}        a 2xx answer with a JSON body of the expected shape
//   {kind: "offline"}                 no answer at all: the network is unreachable
//   {kind: "refused", status, reason, message, messageZh}
//                                     an error answer in the API's error document
//                                     {"error": {"reason", "message", "message_zh"}}
//   {kind: "unexpected", status}      anything else: HTML from a captive portal, bad JSON,
//                                     a 2xx body without the fields the wallet needs

import { language, t } from "./i18n.js";

const OFFLINE = Object.freeze({ kind: "offline" });

export function getJson(url) {
  return call(url, { method: "GET" });
}

export function postJson(url, body) {
  return call(url, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify(body) });
}

async function call(url, init) {
  let res;
  let text;
  try {
    res = await fetch(url, init);
    text = await res.text();
  } catch (e) {
    if (e instanceof TypeError) return OFFLINE; // fetch's one error: no (complete) answer
    throw e;
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return { kind: "unexpected", status: res.status };
    throw e;
  }
  if (res.ok) return { kind: "ok", status: res.status, body };
  const error = body?.error;
  if (typeof error?.reason === "string" && typeof error?.message === "string") {
    return { kind: "refused", status: res.status, reason: error.reason, message: error.message,
      messageZh: typeof error.message_zh === "string" ? error.message_zh : null };
  }
  return { kind: "unexpected", status: res.status };
}

/** The outcome, with an "ok" whose body fails `isExpected` turned into "unexpected". */
export function expecting(outcome, isExpected) {
  if (outcome.kind !== "ok" || isExpected(outcome.body ?? {})) return outcome;
  return { kind: "unexpected", status: outcome.status };
}

/** What to tell the holder about a failed outcome; `offlineText` is the i18n key that
 * says what needs the network on this screen. */
export function explain(outcome, offlineText) {
  if (outcome.kind === "offline") return t(offlineText);
  if (outcome.kind === "refused") {
    return (language() === "zh" && outcome.messageZh) || outcome.message;
  }
  return t("unexpected");
}
