// 备份 / Backup: export the licences to a passphrase-encrypted file, import one (backup.js
// holds the file format).

import * as f from "../format.js";
import { BackupError, decryptBackup, encryptBackup, MIN_PASSPHRASE } from "../backup.js";
import { isoDate, nowSeconds } from "../display.js";
import { $, el, reporting, say } from "../dom.js";
import { t } from "../i18n.js";
import { licences } from "../store.js";
import { renderCards } from "./licences.js";

export function initBackup() {
  $("export-form").addEventListener("submit", (event) => {
    event.preventDefault();
    reporting("backup-status", exportBackup);
  });
  $("import-form").addEventListener("submit", (event) => {
    event.preventDefault();
    reporting("backup-status", importBackup);
  });
}

async function exportBackup() {
  const pass = $("export-pass").value;
  if (pass.length < MIN_PASSPHRASE) return say("backup-status", t("pass_short"), "bad");
  if (pass !== $("export-pass2").value) return say("backup-status", t("pass_mismatch"), "bad");
  const list = await licences.all();
  if (!list.length) return say("backup-status", t("export_empty"), "bad");
  const records = list.map((r) => ({ ...r, cbor: f.b64url(r.cbor) }));
  const text = await encryptBackup(records, pass, nowSeconds());
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = el("a", { href: url, download: `elicence-wallet-backup-${isoDate(nowSeconds())}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  $("export-pass").value = "";
  $("export-pass2").value = "";
  say("backup-status", t("export_done", { n: list.length }), "good");
}

async function importBackup() {
  const file = $("import-file").files[0];
  if (!file) return say("backup-status", t("import_no_file"), "bad");
  let records;
  try {
    records = await decryptBackup(await file.text(), $("import-pass").value);
  } catch (e) {
    if (e instanceof BackupError) return say("backup-status", t("import_bad"), "bad");
    throw e;
  }
  for (const r of records) await licences.put({ ...r, cbor: f.unb64url(r.cbor) });
  $("import-pass").value = "";
  say("backup-status", t("import_done", { n: records.length }), "good");
  await renderCards();
}
