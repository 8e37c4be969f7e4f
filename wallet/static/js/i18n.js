// The wallet's words in Chinese and English. Licence type, claim and preset titles come
// from the schemas.

const TEXT = {
  zh: {
    skip: "跳到主要内容", title: "电子证照钱包", display_settings: "显示设置", sections: "栏目",
    large_text: "大字", high_contrast: "高对比度", nav_licences: "我的证照", nav_claim: "添加证照",
    nav_record: "用证记录", nav_backup: "备份",
    no_licences: "钱包里还没有证照。请在“添加证照”中输入证照函上的领取码。",
    claim_title: "添加证照",
    claim_help: "输入发证机关证照函上的16位领取码。证照将绑定到本手机的设备密钥，该密钥无法导出。",
    claim_code: "领取码", claim_button: "领取", claim_working: "正在领取，请稍候……",
    claim_bad_code: "领取码为16位字母和数字，例如 K7Q2-9XHM-3PWD-T8VN，请核对后重新输入。",
    claim_done: "已添加：{what}。本地校验通过。",
    claim_unchecked: "{reason} 证照未保存：无法核对发证机关签名的证照不能保存。领取码在本手机上仍然有效，请稍后再试。",
    claim_offline: "没有网络连接：领取证照需要联网，请联网后再试。",
    claim_failed: "发证机关返回的证照未通过本地校验（{reason}），未保存。请重新领取或联系发证机关。",
    present: "出示", remove: "删除", remove_confirm: "从本手机删除此证照？",
    devices: "哪些设备有此证照", devices_working: "正在查询，请稍候……",
    devices_one: "此证照只保存在 1 台设备上。", devices_many: "此证照保存在 {n} 台设备上。",
    devices_this: "本机", devices_other: "其他设备", devices_added: "{date} 添加",
    devices_stopped: "已停用",
    history: "历史记录", history_title: "证照历史（链上记录）", history_working: "正在读取历史……",
    history_offline: "没有网络连接，无法读取证照历史。", history_anchored: "签发上链",
    history_copy_added: "本机证照添加（上链）", history_revoked: "吊销", history_suspended: "暂扣",
    history_reinstated: "恢复有效", history_superseded: "被新证取代", history_batch_withdrawn: "整批撤销",
    history_until: "至 {date}", history_council: "理事会", history_earlier: "此前的证照",
    history_newer: "新证", history_replaced_by: "已由新证取代", history_copy: "本机副本",
    history_none: "没有状态变更。",
    refresh_done: "已更新{what}：{changed}。", refresh_nothing_changed: "重新签发，内容未变",
    refresh_offline: "没有网络连接，证照稍后再更新。",
    refresh_failed: "发证机关返回的更新证照未通过本地校验（{reason}），仍保留原证照。",
    refresh_every: "证照更新：每{n}天", refresh_every_default: "证照更新：每{n}天（默认）",
    refresh_days_label: "证照副本超过多少天后自动更新", refresh_days_range: "可设{min}至{max}天，本服务默认{d}天。",
    refresh_save: "保存", refresh_use_default: "恢复默认",
    refresh_days_bad: "请输入{min}至{max}之间的整天数。",
    refresh_days_saved: "已保存：证照副本超过{n}天后自动更新。",
    devices_help: "如果有您不认识的设备，请尽快联系发证机关，停用那台设备上的证照。您的纸质证照和本机证照不受影响。",
    devices_offline: "没有网络连接，无法查询持有此证照的设备。",
    devices_no_key: "本机还没有设备密钥，请先领取证照。",
    present_title: "出示证照", choose_what: "选择对方可以看到的内容", choose_claims: "选择项目",
    preset_full: "完整证照", preset_custom: "自定义",
    sees: "对方将看到：{items}。以及：证照由{authority}签发、当前有效。其他信息不会显示。",
    sees_nothing: "请至少选择一项。",
    show_code: "显示二维码", stop: "停止出示",
    qr_label: "出示二维码，显示：{items}", countdown: "{s} 秒后刷新",
    qr_note: "二维码每30秒更新，60秒后失效。截图无效。",
    challenge_title: "柜台验证码",
    challenge_help: "柜台屏幕上如有验证码，请扫描或输入，二维码将只对该柜台有效。",
    challenge_type: "输入柜台屏幕上的6个字符", challenge_scan: "用摄像头扫描",
    challenge_scan_stop: "停止扫描", challenge_video: "摄像头画面",
    challenge_bad: "验证码为6个字母和数字，请按柜台屏幕核对。",
    challenge_set: "已使用柜台验证码 {code}。", challenge_scanning: "请将摄像头对准柜台屏幕上的小二维码。",
    challenge_no_camera: "无法使用摄像头：请输入柜台屏幕上的6个字符。",
    challenge_expired: "柜台验证码已过期，请重新扫描或输入。",
    not_bound_here: "此证照绑定在另一部手机上（从备份导入）。要在本机出示，请向发证机关申请新的领取码后重新领取。",
    holder: "持证人", authority: "发证机关", valid: "有效期", status: "状态",
    status_checked: "（{time} 查询）", status_never: "（尚未联网查询）",
    st_active: "有效", st_revoked: "已吊销", st_suspended: "已暂扣", st_superseded: "已被新证替代",
    st_unknown: "未知",
    alert_revoked: "此证照已被吊销，不能再使用。", alert_suspended: "此证照暂扣至 {until}，期间不能使用。",
    alert_superseded: "此证照已被新证替代，请向发证机关领取新证。",
    until_long: "长期",
    record_help: "核验方扫码核验您的证照时会留下记录。只有您本人（凭本机设备密钥）可以查看和删除。",
    refresh: "刷新", delete: "删除", delete_all: "全部删除", record_empty: "没有用证记录。",
    record_offline: "没有网络连接，无法查询用证记录。", record_unavailable: "本服务暂不提供用证记录。",
    record_no_key: "钱包里还没有证照，因此没有用证记录。",
    record_deleted: "已删除 {n} 条记录。", disclosed: "出示内容", verdict: "结果",
    v_valid: "通过", v_invalid: "未通过", v_not_accepted: "证照真实，但该柜台不受理此类证照",
    backup_help: "备份文件用口令加密（PBKDF2 + AES-GCM）。设备密钥不能导出：在新手机上导入后，证照可以查看，但要出示二维码，请向发证机关申请新的领取码重新领取。",
    export_title: "导出备份", passphrase: "口令（至少8个字符）", passphrase_again: "再次输入口令", passphrase_import: "备份口令",
    export_button: "导出", import_title: "导入备份", backup_file: "备份文件", import_button: "导入",
    pass_short: "口令至少需要8个字符。", pass_mismatch: "两次输入的口令不一致，请重新输入。",
    export_done: "已导出 {n} 个证照。请妥善保管备份文件和口令。", export_empty: "钱包里没有可备份的证照。",
    import_done: "已导入 {n} 个证照。", import_bad: "无法解密：口令错误或文件已损坏。请检查后重试。",
    import_no_file: "请先选择备份文件。",
    online: "", offline: "离线模式：可以查看和出示证照；领取、状态和用证记录需要联网。",
    error: "出错了：{message}", unexpected: "服务器的回答不符合预期，请稍后再试。",
  },
  en: {
    skip: "Skip to main content", title: "eLicence wallet", display_settings: "Display settings",
    sections: "Sections", large_text: "Large text", high_contrast: "High contrast",
    nav_licences: "My licences", nav_claim: "Add licence", nav_record: "Usage record",
    nav_backup: "Backup",
    no_licences: "No licences yet. Use “Add licence” with the claim code from your licence letter.",
    claim_title: "Add a licence",
    claim_help: "Type the 16-character claim code from the authority's licence letter. The licence is bound to this phone's device key, which cannot be exported.",
    claim_code: "Claim code", claim_button: "Claim", claim_working: "Claiming, please wait…",
    claim_bad_code: "A claim code has 16 letters and digits, like K7Q2-9XHM-3PWD-T8VN: check it and type it again.",
    claim_done: "Added: {what}. Checked on this phone.",
    claim_unchecked: "{reason} The licence was not saved: a licence whose authority signature cannot be checked is not kept. The claim code still works on this phone: try again later.",
    claim_offline: "No connection: claiming needs the network, try again when online.",
    claim_failed: "The licence from the authority failed the check on this phone ({reason}) and was not saved. Claim again or contact the authority.",
    present: "Present", remove: "Remove", remove_confirm: "Remove this licence from this phone?",
    devices: "Which devices have this licence", devices_working: "Checking, please wait…",
    devices_one: "This licence is on 1 device only.", devices_many: "This licence is on {n} devices.",
    devices_this: "This phone", devices_other: "Another device", devices_added: "added {date}",
    devices_stopped: "Stopped",
    history: "History", history_title: "Licence history (chain records)",
    history_working: "Reading the history…",
    history_offline: "Offline: reading the licence's history needs the network.",
    history_anchored: "Issued (anchored)", history_copy_added: "Added to this phone (anchored)",
    history_revoked: "Revoked", history_suspended: "Suspended", history_reinstated: "Reinstated",
    history_superseded: "Replaced by a newer licence", history_batch_withdrawn: "Whole batch withdrawn",
    history_until: "until {date}", history_council: "council", history_earlier: "Earlier licence",
    history_newer: "Newer licence", history_replaced_by: "Replaced by a newer licence",
    history_copy: "This phone's copy", history_none: "No status changes.",
    refresh_done: "{what} updated: {changed}.", refresh_nothing_changed: "signed again, nothing changed",
    refresh_offline: "Offline: the licence will be updated later.",
    refresh_failed: "The updated licence from the authority failed the checks on this phone ({reason}); the licence you had is kept.",
    refresh_every: "Update copies: every {n} days",
    refresh_every_default: "Update copies: every {n} days (default)",
    refresh_days_label: "Update a licence copy when it is older than (days)",
    refresh_days_range: "From {min} to {max} days; this service's default is {d}.",
    refresh_save: "Save", refresh_use_default: "Use the default",
    refresh_days_bad: "Enter a whole number of days from {min} to {max}.",
    refresh_days_saved: "Saved: a licence copy older than {n} days is updated.",
    devices_help: "If you see a device you do not know, contact the issuing authority soon: they can stop the licence on that device. Your printed licence and this phone are not affected.",
    devices_offline: "Offline: checking which devices have this licence needs the network.",
    devices_no_key: "This phone has no device key yet: claim a licence first.",
    present_title: "Present a licence", choose_what: "Choose what the counter may see",
    choose_claims: "Choose items",
    preset_full: "Full licence", preset_custom: "Custom choice",
    sees: "The counter will see: {items}. And that the licence was issued by {authority} and is currently valid. Nothing else is shown.",
    sees_nothing: "Choose at least one item.",
    show_code: "Show QR code", stop: "Stop presenting",
    qr_label: "Presentation QR code showing: {items}", countdown: "Refreshes in {s} s",
    qr_note: "The code changes every 30 seconds and expires after 60. Screenshots do not work.",
    challenge_title: "Counter code",
    challenge_help: "If the counter's screen shows a code, scan or type it: your QR code then works only at that counter.",
    challenge_type: "Type the 6 characters on the counter's screen", challenge_scan: "Scan with the camera",
    challenge_scan_stop: "Stop scanning", challenge_video: "Camera view",
    challenge_bad: "A counter code is 6 letters and digits; check it against the counter's screen.",
    challenge_set: "Using counter code {code}.", challenge_scanning: "Point the camera at the small QR code on the counter's screen.",
    challenge_no_camera: "The camera is not available: type the 6 characters on the counter's screen.",
    challenge_expired: "The counter code has expired; scan or type it again.",
    not_bound_here: "This licence is bound to another phone (imported from a backup). To present it here, ask the authority for a new claim code and claim it again.",
    holder: "Holder", authority: "Authority", valid: "Valid", status: "Status",
    status_checked: " (checked {time})", status_never: " (not yet checked online)",
    st_active: "Valid", st_revoked: "Revoked", st_suspended: "Suspended",
    st_superseded: "Replaced by a new licence", st_unknown: "Unknown",
    alert_revoked: "This licence has been revoked and can no longer be used.",
    alert_suspended: "This licence is suspended until {until} and cannot be used until then.",
    alert_superseded: "This licence has been replaced: claim the new one from the authority.",
    until_long: "long-term",
    record_help: "Counters that check your licence leave a record. Only you (with this phone's device key) can see and delete it.",
    refresh: "Refresh", delete: "Delete", delete_all: "Delete all", record_empty: "No usage records.",
    record_offline: "No connection: the usage record needs the network.",
    record_unavailable: "This service does not offer the usage record yet.",
    record_no_key: "No licences in the wallet yet, so no usage record.",
    record_deleted: "Deleted {n} records.", disclosed: "Shown", verdict: "Result",
    v_valid: "Passed", v_invalid: "Failed",
    v_not_accepted: "Genuine, but that counter does not accept this kind of licence",
    backup_help: "The backup file is encrypted with your passphrase (PBKDF2 + AES-GCM). Device keys cannot be exported: on a new phone the licences can be viewed after import, but to present them ask the authority for a new claim code and claim again.",
    export_title: "Export a backup", passphrase: "Passphrase (at least 8 characters)",
    passphrase_again: "Passphrase again", passphrase_import: "Backup passphrase",
    export_button: "Export",
    import_title: "Import a backup", backup_file: "Backup file", import_button: "Import",
    pass_short: "The passphrase needs at least 8 characters.",
    pass_mismatch: "The two passphrases differ: type them again.",
    export_done: "Exported {n} licences. Keep the file and the passphrase safe.",
    export_empty: "There are no licences to back up.",
    import_done: "Imported {n} licences.",
    import_bad: "Cannot decrypt: wrong passphrase or damaged file. Check and try again.",
    import_no_file: "Choose a backup file first.",
    online: "", offline: "Offline: you can view and present licences; claiming, status and the usage record need the network.",
    error: "Something went wrong: {message}",
    unexpected: "The server answered something unexpected; try again later.",
  },
};

let current = "zh";

export function setLanguage(lang) {
  current = lang === "en" ? "en" : "zh";
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
}

export function language() {
  return current;
}

/** The text for `key` with {name} placeholders filled in. */
export function t(key, vars = {}) {
  const template = TEXT[current][key] ?? TEXT.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** A {zh, en} title in the current language. */
export function pick(title) {
  return title?.[current] ?? title?.en ?? "";
}

/** Applies the static texts: data-t (content) and data-t-label (aria-label). */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-label]")) el.setAttribute("aria-label", t(el.dataset.tLabel));
  document.title = t("title");
}

/** Adds a module's own words, {zh: {...}, en: {...}}, kept beside the code that uses them. */
export function addWords(words) {
  for (const lang of Object.keys(TEXT)) Object.assign(TEXT[lang], words[lang]);
}
