// What the wallet says aloud about a licence (its "verdict" for the holder): the licence
// type and its status as last checked, and what that means. Read on request (a card's
// "朗读 / Read aloud" button, the simple mode's) and, when the holder chose it, after each
// status check.

import { readRecord } from "./stored.js";
import { addWords, language, pick, t } from "./i18n.js";
import { isoDate } from "./display.js";
import { say } from "./speech.js";

addWords({
  zh: { read_aloud: "朗读", read_auto: "自动朗读" },
  en: { read_aloud: "Read aloud", read_auto: "Read results aloud" },
});

/** Whether the holder chose to hear each status check (app.js keeps the choice). */
export const readingEveryResult = () => document.documentElement.classList.contains("speak-auto");

export function statusOf(record) {
  return record.status?.status || "unknown";
}

/** The sentence under a card's status, or null when there is nothing to warn about. */
export function statusAlert(record) {
  const status = statusOf(record);
  if (status === "revoked") return t("alert_revoked");
  if (status === "superseded") return t("alert_superseded");
  if (status === "suspended") {
    return t("alert_suspended", { until: record.status.until ? isoDate(record.status.until) : "—" });
  }
  return null;
}

/** Says each licence's type and status; without a voice, the status clips in turn. */
export function readLicences(records) {
  if (!records.length) return;
  const code = language();
  const sentences = records.map((record) => {
    const title = pick(readRecord(record).schema.title);
    const alert = statusAlert(record);
    const sentence = `${title}${code === "zh" ? "：" : ": "}${t(`st_${statusOf(record)}`)}`;
    return alert ? `${sentence}${code === "zh" ? "。" : ". "}${alert}` : sentence;
  });
  say(code, sentences.join(code === "zh" ? "。" : ". "), records.map((r) => `status.${statusOf(r)}`));
}
