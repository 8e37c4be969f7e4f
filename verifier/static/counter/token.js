// The counter's request-budget token (`elicence counter-token ID --url …` prints the link).
// An operator opens /verify#counter-token=TOKEN once on the counter's device; the page keeps
// the token in this browser's storage, takes it out of the address bar, and sends it with
// every API request as "Authorization: Counter TOKEN": the counter then spends its own
// budget instead of its network address's, and its requests are known as the counter's.
// "#counter-token=" (empty) forgets it. The server checks the token (401 when it does not).
"use strict";

window.elicenceCounterToken = (function () {
  const KEY = "elicence.counterToken";

  function takeFromAddress() {
    const given = new URLSearchParams(window.location.hash.slice(1)).get("counter-token");
    if (given === null) return false;
    if (given.trim()) localStorage.setItem(KEY, given.trim());
    else localStorage.removeItem(KEY);
    // A token is a password: not in the address bar, the history or a bookmark.
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    return true;
  }

  takeFromAddress();
  // Given to a page already open (only the fragment changed): start again with it.
  window.addEventListener("hashchange", () => {
    if (takeFromAddress()) window.location.reload();
  });
  const token = localStorage.getItem(KEY);
  return {
    counter: token ? token.slice(0, token.lastIndexOf(".")) : null,
    headers(extra = {}) {
      return token ? { ...extra, Authorization: `Counter ${token}` } : extra;
    },
  };
})();
