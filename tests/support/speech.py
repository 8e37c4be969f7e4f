"""A browser init script standing in for the speech parts of a browser: speechSynthesis
(with the voices a test chooses) and audio playback. It records each utterance (text,
language, voice) in `window.__spoken` and each clip played in `window.__played`; each clip
"ends" at once, so a sequence moves on. Everything else on the page is real."""

from __future__ import annotations

import json

ZH_VOICE = {"name": "Tingting", "lang": "zh-CN"}
EN_VOICE = {"name": "Samantha", "lang": "en-US"}

_STUB = """
(() => {
  window.__spoken = [];
  window.__played = [];
  const voices = %s;
  class Utterance { constructor(text) { this.text = text; this.lang = ""; this.voice = null; } }
  window.SpeechSynthesisUtterance = Utterance;
  const said = (u) => ({ text: u.text, lang: u.lang, voice: u.voice && u.voice.name });
  Object.defineProperty(window, "speechSynthesis", { configurable: true, value: {
    getVoices: () => voices,
    speak: (u) => window.__spoken.push(said(u)),
    cancel: () => {},
  } });
  HTMLMediaElement.prototype.play = function () {
    window.__played.push(new URL(this.src).pathname);
    setTimeout(() => this.dispatchEvent(new Event("ended")), 0);
    return Promise.resolve();
  };
})();
"""


def speech_stub(voices: list[dict]) -> str:
    """The init script, with `voices` ({name, lang} each) as the browser's voices."""
    return _STUB % json.dumps(voices)
