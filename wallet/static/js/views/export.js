// 导出为标准格式 / Export as a standard credential, inside a licence's card: ask the issuer for
// the copy as SD-JWT VC, ISO mdoc (driving licences) or W3C VC, save or show the text, and
// make a presentation of it signed by this phone's device key (export.js).

import * as f from "../format.js";
import { explain } from "../api.js";
import { isoDate, nowSeconds } from "../display.js";
import { el } from "../dom.js";
import { addWords, pick, t } from "../i18n.js";
import { readRecord } from "../stored.js";
import {
  FORMATS, disclosable, exportId, exportsStore, presentMdoc, presentSdJwt, requestExport,
} from "../export.js";

addWords({
  zh: {
    sx_open: "导出为…", sx_title: "导出为标准格式",
    sx_help: "导出件由发证机关签名，并绑定本手机的设备密钥：只有本手机能出示它。",
    "sx_as_sd-jwt-vc": "导出为 SD-JWT VC", sx_as_mdoc: "导出为 ISO mdoc（驾驶证）",
    "sx_as_vc-jwt": "导出为 W3C VC（vc+jwt）",
    sx_working: "正在向发证机关申请导出件……", sx_done: "已导出并保存：{format}（{date}）。",
    sx_offline: "没有网络连接：导出需要联网，请联网后再试。",
    sx_not_bound: "发证机关返回的导出件未绑定本手机的设备密钥，未保存。",
    sx_not_genuine: "发证机关返回的导出件没有其登记密钥的有效签名，未保存。",
    sx_no_key: "本机还没有设备密钥，请先领取证照。",
    sx_text: "导出内容", sx_download: "下载文件",
    sx_present: "出示导出件", sx_choose: "选择对方可以看到的内容",
    sx_audience: "验证方标识（audience）", sx_nonce: "验证方提供的随机数（nonce）",
    sx_transcript: "验证方的会话记录（SessionTranscript，base64url）",
    sx_make: "生成出示内容", sx_presentation: "出示内容（由本机设备密钥签名）",
    sx_need_fields: "请填写验证方提供的信息，并至少选择一项。",
    sx_bad_transcript: "会话记录无法读取，请核对验证方提供的内容。",
  },
  en: {
    sx_open: "Export as…", sx_title: "Export as a standard credential",
    sx_help: "The export is signed by the issuing authority and bound to this phone's device key: only this phone can present it.",
    "sx_as_sd-jwt-vc": "Export as SD-JWT VC", sx_as_mdoc: "Export as ISO mdoc (driving licence)",
    "sx_as_vc-jwt": "Export as W3C VC (vc+jwt)",
    sx_working: "Asking the issuing authority for the export…", sx_done: "Exported and saved: {format} ({date}).",
    sx_offline: "No network connection: exporting needs the network, try again when online.",
    sx_not_bound: "The export the authority sent is not bound to this phone's device key, so it was not saved.",
    sx_not_genuine: "The export the authority sent does not carry a valid signature of its registered key, so it was not saved.",
    sx_no_key: "This phone has no device key yet: claim a licence first.",
    sx_text: "Exported text", sx_download: "Download file",
    sx_present: "Present the export", sx_choose: "Choose what the verifier may see",
    sx_audience: "Verifier (audience)", sx_nonce: "Nonce from the verifier",
    sx_transcript: "Session transcript from the verifier (base64url)",
    sx_make: "Make the presentation", sx_presentation: "Presentation (signed by this phone's device key)",
    sx_need_fields: "Fill in what the verifier gave you and choose at least one item.",
    sx_bad_transcript: "The session transcript cannot be read: check what the verifier gave you.",
  },
});

const FILE_TYPES = { "sd-jwt-vc": "sd-jwt", "vc-jwt": "jwt", mdoc: "mdoc" };
const FORMAT_NAMES = { "sd-jwt-vc": "SD-JWT VC", "vc-jwt": "W3C VC (vc+jwt)", mdoc: "ISO mdoc" };

// The download links' object URLs, per card box: released when the box is filled again.
const links = new WeakMap();

/** Fills `box` (inside a licence's card) with the export buttons and any saved exports. */
export async function showExport(record, box) {
  for (const url of links.get(box) ?? []) URL.revokeObjectURL(url);
  links.set(box, []);
  const d = readRecord(record);
  const formats = FORMATS.filter((fmt) => fmt !== "mdoc" || d.schema.name === "driving");
  const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  const shown = el("div", { class: "export-shown" });
  const buttons = formats.map((fmt) => el("button", { type: "button", class: "export-format",
    "data-format": fmt, text: t(`sx_as_${fmt}`),
    onclick: () => exportNow(record, fmt, status, shown, buttons, links.get(box)) }));
  box.hidden = false;
  box.replaceChildren(el("h4", { text: t("sx_title") }), el("p", { class: "muted", text: t("sx_help") }),
    el("div", { class: "actions" }, ...buttons), status, shown);
  for (const fmt of formats) {
    const saved = await exportsStore.get(exportId(record.id, fmt));
    if (saved) shown.append(exported(saved, d, links.get(box)));
  }
}

async function exportNow(record, format, status, shown, buttons, urls) {
  for (const b of buttons) b.disabled = true;
  status.className = "status";
  status.textContent = t("sx_working");
  try {
    const answer = await requestExport(record, format);
    if (answer.kind === "no_key") return bad(status, t("sx_no_key"));
    if (answer.kind === "not_bound") return bad(status, t("sx_not_bound"));
    if (answer.kind === "not_genuine") return bad(status, t("sx_not_genuine"));
    if (answer.kind !== "ok") return bad(status, explain(answer, "sx_offline"));
    shown.querySelector(`[data-format="${format}"]`)?.remove();
    shown.prepend(exported(answer.stored, readRecord(record), urls));
    status.className = "status good";
    status.textContent = t("sx_done", { format: FORMAT_NAMES[format], date: isoDate(answer.stored.madeAt) });
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

function bad(status, text) {
  status.className = "status bad";
  status.textContent = text;
}

/** One saved export: its text, a download link (its URL added to `urls`) and, for SD-JWT VC
 * and mdoc, a form that makes a presentation. */
function exported(saved, d, urls) {
  const id = `sx-${saved.id.replace(/[^a-zA-Z0-9]/g, "")}`;
  const bytes = saved.format === "mdoc" ? f.unb64url(saved.text) : new TextEncoder().encode(saved.text);
  const url = URL.createObjectURL(new Blob([bytes], { type: saved.mediaType }));
  urls.push(url);
  const section = el("section", { class: "export-item", "data-format": saved.format, "aria-labelledby": `${id}-h` },
    el("h5", { id: `${id}-h`, text: `${FORMAT_NAMES[saved.format]} · ${isoDate(saved.madeAt)}` }),
    el("label", { for: `${id}-text`, text: t("sx_text") }),
    el("textarea", { id: `${id}-text`, class: "export-text", readonly: "", rows: "4", spellcheck: "false" }),
    el("a", { class: "export-download", href: url,
      download: `${d.schema.name}-licence.${FILE_TYPES[saved.format]}`, text: t("sx_download") }));
  section.querySelector("textarea").value = saved.text;
  if (saved.format !== "vc-jwt") section.append(presentForm(saved, d, id));
  return section;
}

function claimTitle(d, name) {
  return pick(d.schema.claims.find((c) => c.name === name)?.title) || name;
}

function presentForm(saved, d, id) {
  const names = disclosable(saved.format, saved.text);
  const boxes = names.map((name) => el("label", { class: "choice" },
    el("input", { type: "checkbox", name: "disclose", value: name }), ` ${claimTitle(d, name)}`));
  const fields = saved.format === "sd-jwt-vc"
    ? [field(`${id}-aud`, "sx_audience", "audience"), field(`${id}-nonce`, "sx_nonce", "nonce")]
    : [field(`${id}-transcript`, "sx_transcript", "transcript")];
  const output = el("textarea", { id: `${id}-out`, class: "presentation-text", readonly: "", rows: "4",
    spellcheck: "false", hidden: "" });
  const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
  const form = el("form", { class: "export-present", novalidate: "" },
    el("h5", { text: t("sx_present") }),
    el("fieldset", {}, el("legend", { text: t("sx_choose") }), ...boxes),
    ...fields.flat(),
    el("button", { type: "submit", class: "primary", text: t("sx_make") }),
    status,
    el("label", { for: `${id}-out`, text: t("sx_presentation") }), output);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll("input[name=disclose]:checked")].map((i) => i.value);
    const value = (name) => form.querySelector(`[name=${name}]`).value.trim();
    const filled = saved.format === "sd-jwt-vc" ? value("audience") && value("nonce") : value("transcript");
    if (!chosen.length || !filled) return bad(status, t("sx_need_fields"));
    status.textContent = "";
    status.className = "status";
    if (saved.format === "sd-jwt-vc") {
      output.value = await presentSdJwt(saved.text, chosen,
        { audience: value("audience"), nonce: value("nonce"), now: nowSeconds() });
    } else {
      let transcript;
      try {
        transcript = f.unb64url(value("transcript"));
        output.value = f.b64url(await presentMdoc(saved.text, chosen, transcript));
      } catch (e) {
        if (!(e instanceof f.FormatError) && !(e instanceof DOMException)) throw e;
        return bad(status, t("sx_bad_transcript"));
      }
    }
    output.hidden = false;
  });
  return form;
}

function field(id, label, name) {
  return [el("label", { for: id, text: t(label) }),
    el("input", { id, name, autocomplete: "off", spellcheck: "false" })];
}
