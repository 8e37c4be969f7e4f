// Speaking to the holder (适老化): the browser's speechSynthesis when it has a voice in the
// wallet's language, otherwise short clips recorded at build time with espeak-ng
// (scripts/build-voice-clips; kept offline with the app shell). The counter page has the
// same engine in verifier/static/counter/speech.js (docs/decisions/0210).

const CLIPS = "/wallet/static/voice"; // {lang}/{clip}.wav
let playing = null; // the clip sequence being played, stopped by the next one

function voiceFor(code) {
  if (!("speechSynthesis" in window)) return null;
  return window.speechSynthesis.getVoices()
    .find((v) => (code === "zh" ? ["zh", "cmn"] : ["en"]) // Android may say cmn-CN
      .some((prefix) => v.lang.toLowerCase().replace("_", "-").startsWith(prefix))) ?? null;
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

export function stopSpeaking() {
  if ("speechSynthesis" in window) window.speechSynthesis.cancel();
  playing?.audio?.pause();
  playing = null;
}

/** Says `text` in `code` ("zh" or "en"); without such a voice, plays the named `clips`
 * (clip names as in elicence/voice_clips.py, e.g. "status.active"). */
export function say(code, text, clips) {
  stopSpeaking();
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

// Chromium lists its voices only after a first ask.
if ("speechSynthesis" in window) window.speechSynthesis.getVoices();
