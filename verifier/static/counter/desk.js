// The counter page's heading names the desk it stands at. Given a counter token (token.js),
// the page asks /api/v1/counter who that counter is; for a desk that config.json's
// "counters" table describes, the heading takes the desk's names and region instead of the
// installation's (counter.js shows them in the page's language, decision 0291). A desk
// nobody described keeps the installation's heading; a token the server refuses (401) keeps
// it too, and the token line says what is wrong with the server's own sentence.
"use strict";

(function () {
  const token = window.elicenceCounterToken; // token.js
  if (!token.counter) return; // no token: the installation's heading, as served

  // Sets the heading's data-desk to what was learned: "own" (the desk's names), "hall" (no
  // entry: the installation's), "refused" (401), "unknown" (no answer, or busy).
  function learned(status, body) {
    const heading = document.getElementById("counter");
    if (status === 401 && body.error) {
      const line = document.getElementById("counter-token");
      line.dataset.refusedZh = body.error.message_zh;
      line.dataset.refusedEn = body.error.message;
      heading.dataset.desk = "refused";
    } else if (status === 200 && body.configured) {
      heading.dataset.counterZh = body.name_zh;
      heading.dataset.counterEn = body.name_en;
      heading.dataset.region = body.region || "";
      heading.dataset.desk = "own";
    } else {
      heading.dataset.desk = status === 200 ? "hall" : "unknown";
      return; // the heading stays as it is
    }
    document.dispatchEvent(new CustomEvent("elicence:desk"));
  }

  fetch("/api/v1/counter", { cache: "no-store", headers: token.headers() })
    .then((response) => response.json().then((body) => learned(response.status, body)))
    .catch(() => { // unreachable: the installation's heading until the page loads again
      document.getElementById("counter").dataset.desk = "unknown";
    });
})();
