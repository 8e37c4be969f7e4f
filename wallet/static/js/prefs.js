// The holder's preferences on this phone, one JSON object in localStorage "wallet-prefs":
// lang, large, contrast, speak, elder (app.js) and refreshAfterDays (refresh_age.js).

const KEY = "wallet-prefs";

export function readPrefs() {
  try {
    const prefs = JSON.parse(localStorage.getItem(KEY) || "{}");
    return prefs && typeof prefs === "object" && !Array.isArray(prefs) ? prefs : {};
  } catch (e) {
    if (e instanceof SyntaxError) return {}; // a damaged entry: start from the defaults
    throw e;
  }
}

/** Sets (or with `undefined`, removes) one preference, keeping the others. */
export function setPref(name, value) {
  const prefs = readPrefs();
  if (value === undefined) delete prefs[name];
  else prefs[name] = value;
  localStorage.setItem(KEY, JSON.stringify(prefs));
}
