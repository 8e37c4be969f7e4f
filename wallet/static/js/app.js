// The wallet's start: display settings, navigation, the screens' wiring, the service
// worker, the licence types, and a claim link. Each screen is a module in views/; the
// licence logic is format.js, decode.js and verify.js.

import { explain } from "./api.js";
import { $ } from "./dom.js";
import { language, setLanguage, t, translatePage } from "./i18n.js";
import { show, VIEWS } from "./nav.js";
import { readPrefs, setPref } from "./prefs.js";
import { refreshCopies } from "./refresh.js";
import { loadSchemas } from "./schemas.js";
import { initBackup } from "./views/backup.js";
import { initClaim } from "./views/claim.js";
import { initElder } from "./views/elder.js";
import { initDelegation } from "./views/delegation.js";
import { refreshStatuses, renderCards } from "./views/licences.js";
import { initPresent, refreshPresentChoices } from "./views/present.js";
import { initRecord } from "./views/record.js";
import { initRefreshAge, renderRefreshAge } from "./views/refresh_age.js";

function applyPrefs() {
  const prefs = readPrefs();
  setLanguage(prefs.lang || (navigator.language?.startsWith("zh") ? "zh" : "en"));
  // The simple mode (views/elder.js) is always large and high-contrast.
  document.documentElement.classList.toggle("large", !!prefs.large || !!prefs.elder);
  document.documentElement.classList.toggle("contrast", !!prefs.contrast || !!prefs.elder);
  document.documentElement.classList.toggle("elder", !!prefs.elder);
  document.documentElement.classList.toggle("speak-auto", !!prefs.speak);
  $("large").setAttribute("aria-pressed", String(!!prefs.large));
  $("contrast").setAttribute("aria-pressed", String(!!prefs.contrast));
  $("speak-auto").setAttribute("aria-pressed", String(!!prefs.speak));
  $("elder-mode").setAttribute("aria-pressed", String(!!prefs.elder));
  const other = language() === "zh" ? "en" : "zh";
  $("lang").textContent = other === "en" ? "English" : "中文";
  $("lang").lang = other === "en" ? "en" : "zh-CN";
  translatePage();
  $("elder-mode").textContent = t(prefs.elder ? "elder_leave" : "elder");
  updateNetwork();
  renderRefreshAge();
}

function togglePref(name) {
  setPref(name, name === "lang" ? (language() === "zh" ? "en" : "zh") : !readPrefs()[name]);
  applyPrefs();
  renderCards();
  refreshPresentChoices();
}

function updateNetwork() {
  const offline = !navigator.onLine;
  $("network").hidden = !offline;
  $("network").textContent = offline ? t("offline") : "";
}

async function main() {
  applyPrefs();
  $("lang").addEventListener("click", () => togglePref("lang"));
  $("large").addEventListener("click", () => togglePref("large"));
  $("contrast").addEventListener("click", () => togglePref("contrast"));
  $("speak-auto").addEventListener("click", () => togglePref("speak"));
  $("elder-mode").addEventListener("click", () => {
    togglePref("elder");
    show("licences", false);
  });
  for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => show(b.dataset.view));
  initClaim();
  initPresent();
  initRecord();
  initBackup();
  initElder();
  initDelegation();
  initRefreshAge();
  window.addEventListener("online", () => {
    updateNetwork();
    refreshStatuses().then(() => refreshCopies());
  });
  window.addEventListener("offline", updateNetwork);
  for (const v of VIEWS) $(`h-${v}`).tabIndex = -1;
  if ("serviceWorker" in navigator) {
    // Without it (no secure context) the wallet still works, only not offline.
    navigator.serviceWorker.register("/wallet/sw.js", { scope: "/wallet/" })
      .catch((e) => console.warn(`The wallet will not work offline: ${e.message}`));
  }
  const types = await loadSchemas();
  if (types.kind !== "ok") {
    // Without the licence types no licence can be read: say why, in the notice line.
    $("network").hidden = false;
    $("network").textContent = explain(types, "offline");
    return;
  }
  const claimLink = /^#claim=([0-9A-Za-z-]+)$/.exec(location.hash);
  if (claimLink) {
    history.replaceState(null, "", location.pathname); // keep the code out of history
    $("claim-code").value = claimLink[1];
    show("claim", false);
    $("claim-submit").focus();
  } else {
    show("licences", false);
  }
  await renderCards();
  document.body.dataset.ready = "true";
  // Statuses first: a copy is refreshed only while its licence is active.
  await refreshStatuses();
  await refreshCopies();
  document.body.dataset.refreshed = "true";
}

main();
