// The counter page's agent line: when an accepted live code was shown by an agent the
// holder authorised (the result's `delegation` block, docs/decisions/0220), it says so
// under the verdict — "presented by an authorised agent, on behalf of …, until …" — so
// staff know the person at the desk is not the holder. counter.js announces each shown
// result (and re-announces it when the language changes) with an "elicence:result" event.
"use strict";

(function () {
  const WORDS = {
    zh: (name, until) => `由持证人授权的代理人出示，代 ${name || "持证人"} 出示，授权至 ${until}。`
      + "请核对代理人本人的身份证件。",
    en: (name, until) => `Presented by an authorised agent, on behalf of ${name || "the holder"}, `
      + `until ${until}. Check the agent's own ID.`,
  };

  function when(seconds) {
    return new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function show(event) {
    const line = document.getElementById("agent");
    const agent = event.detail.result && event.detail.result.delegation;
    if (!agent) {
      line.hidden = true;
      line.textContent = "";
      return;
    }
    const lang = document.documentElement.lang === "en" ? "en" : "zh";
    line.textContent = WORDS[lang](agent.on_behalf_of, when(agent.until_time));
    line.hidden = false;
  }

  document.addEventListener("elicence:result", show);
})();
