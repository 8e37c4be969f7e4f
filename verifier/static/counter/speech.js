// The counter page's voice (适老化): a "read the result aloud" button under the verdict and a
// remembered choice to read every new verdict as it appears. The browser's speechSynthesis
// speaks when it has a voice in the page's language; otherwise the page plays the short
// clips recorded at build time (scripts/build-voice-clips): the verdict, then whether the
// code was live or printed. counter.js announces each new verdict with "elicence:shown".
// The wallet has the same engine in wallet/static/js/speech.js (docs/decisions/0210).
"use strict";

(function () {
  const WORDS = {
    zh: { speak: "朗读结果", auto: "自动朗读结果" },
    en: { speak: "Read the result aloud", auto: "Read every result aloud" },
  };
  const CLIPS = "/static/voice"; // {lang}/{clip}.wav
  const PREF = "elicence.speak";
  const FINAL = new Set(["valid", "revoked", "suspended", "expired", "invalid", "unknown",
                         "unreadable", "not_accepted"]);
  const $ = (id) => document.getElementById(id);
  let shown = null; // {verdict, presentation} of the result on screen
  let playing = null; // the clip sequence being played, stopped by the next one

  const lang = () => (document.documentElement.lang === "en" ? "en" : "zh");

  // ------------------------------------------------------------ the engine
  function voiceFor(code) {
    if (!("speechSynthesis" in window)) return null;
    return window.speechSynthesis.getVoices()
      .find((v) => (code === "zh" ? ["zh", "cmn"] : ["en"]) // Android may say cmn-CN
      .some((prefix) => v.lang.toLowerCase().replace("_", "-").startsWith(prefix))) || null;
  }

  function playClips(code, clips) {
    const queue = clips.map((clip) => `${CLIPS}/${code}/${clip}.wav`);
    const mine = { audio: null };
    playing = mine;
    const next = () => {
      const url = queue.shift();
      if (!url || playing !== mine) return;
      const audio = new Audio(url);
      mine.audio = audio;
      audio.addEventListener("ended", next);
      audio.addEventListener("error", next); // a missing clip: say the rest
      audio.play().catch(next);
    };
    next();
  }

  function stop() {
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
    if (playing && playing.audio) playing.audio.pause();
    playing = null;
  }

  /** Says `text` in `code` ("zh" or "en"), or plays `clips` when there is no such voice. */
  function say(code, text, clips) {
    stop();
    const voice = voiceFor(code);
    if (voice) {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = code === "zh" ? "zh-CN" : "en";
      utterance.voice = voice;
      window.speechSynthesis.speak(utterance);
    } else {
      playClips(code, clips);
    }
  }

  // ------------------------------------------------------------ the counter's result
  function readResult() {
    if (!shown) return;
    const code = lang();
    const word = $("verdict-word").textContent.trim();
    const why = $("verdict-why").textContent.trim();
    const kind = shown.presentation === "live" ? "live" : shown.presentation ? "printed" : null;
    const said = [code === "en" ? word.toLowerCase() : word, why];
    if (kind) said.push($("presentation").textContent.trim());
    const clips = [`verdict.${shown.verdict}`];
    if (kind) clips.push(`presentation.${kind}`);
    say(code, said.filter(Boolean).join(code === "zh" ? "。" : ". "), clips);
  }

  function applyWords() {
    const w = WORDS[lang()];
    $("speak").textContent = w.speak;
    $("speak-auto").textContent = w.auto;
  }

  function setAuto(on) {
    $("speak-auto").setAttribute("aria-pressed", String(on));
    localStorage.setItem(PREF, on ? "1" : "0");
  }

  document.addEventListener("elicence:shown", (event) => {
    const { verdict, presentation } = event.detail;
    shown = FINAL.has(verdict) ? { verdict, presentation } : null;
    $("speak").hidden = !shown;
    if (shown && $("speak-auto").getAttribute("aria-pressed") === "true") readResult();
    else stop(); // an older result is not read over a newer one
  });

  $("speak").addEventListener("click", readResult);
  $("speak-auto").addEventListener("click", () => {
    setAuto($("speak-auto").getAttribute("aria-pressed") !== "true");
  });
  $("lang").addEventListener("click", () => { // counter.js has switched the language by now
    stop();
    applyWords();
  });
  if ("speechSynthesis" in window) { // Chromium lists its voices only after a first ask
    window.speechSynthesis.getVoices();
  }
  setAuto(localStorage.getItem(PREF) === "1");
  applyWords();
})();
