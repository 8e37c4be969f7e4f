"""The spoken clips the counter page and the wallet play when the browser has no Chinese
or English voice: each verdict, each licence status and the words of the live code's
countdown, in Mandarin and English, recorded with Debian's espeak-ng at build time.

    python -m elicence.voice_clips          (scripts/build-voice-clips, run by bootstrap)

The clips are built files, not committed (docs/decisions/0210): they are written into
each app's static folder (verifier/static/voice/, wallet/static/voice/) as
`{lang}/{clip}.wav` with a `clips.json` naming every clip, its text and a stamp of what
made them, so a second run with the same words and espeak-ng does nothing.
"""

from __future__ import annotations

import array
import hashlib
import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from licence.vocabulary import LicenceState, Verdict

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = (ROOT / "verifier" / "static" / "voice", ROOT / "wallet" / "static" / "voice")
# Debian 12's plain `cmn` voice reads tone numbers aloud; the pinyin one speaks the
# characters. The English voice is espeak-ng's American one.
VOICES = {"zh": "cmn-latn-pinyin", "en": "en-us"}
RATE = 11025  # Hz: speech stays clear, files are half espeak-ng's 22050 Hz
SILENCE = 200  # |sample| below this is silence, trimmed from both ends
PAD = RATE // 20  # keep 50 ms of it either side
COUNTDOWN_MAX = 30  # the wallet's live code refreshes every 30 s

# Every verdict and licence status must have words: a new member of either enum without
# them stops the build (and tests/web/test_voice_clips.py).
VERDICTS = {
    Verdict.VALID: ("有效", "Valid"), Verdict.REVOKED: ("已吊销", "Revoked"),
    Verdict.SUSPENDED: ("已暂扣", "Suspended"), Verdict.EXPIRED: ("已过期", "Expired"),
    Verdict.INVALID: ("无效", "Not valid"), Verdict.UNKNOWN: ("无法确认", "Cannot confirm"),
    Verdict.UNREADABLE: ("无法识别", "Unreadable"),
    Verdict.NOT_ACCEPTED: ("本柜台不受理", "Not accepted at this counter"),
}
STATES = {
    LicenceState.ACTIVE: ("有效", "Valid"), LicenceState.REVOKED: ("已吊销", "Revoked"),
    LicenceState.SUSPENDED: ("已暂扣", "Suspended"),
    LicenceState.SUPERSEDED: ("已被新证替代", "Replaced by a new licence"),
    LicenceState.UNKNOWN: ("状态未知", "Status unknown"),
}
KEY_WORDS = {
    "presentation.live": ("手机实时出示", "Live code from a phone"),
    "presentation.printed": ("纸质证照，请核对持证人的身份证件",
                             "Printed copy. Check the holder's photo ID"),
    # The countdown is said as  countdown.in, number.N, countdown.seconds  in both languages.
    "countdown.in": ("二维码", "The code refreshes in"),
    "countdown.seconds": ("秒后刷新", "seconds"),
}


class ClipError(Exception):
    """The clips cannot be made (espeak-ng missing or failing, words missing)."""


def phrases() -> dict[str, tuple[str, str]]:
    """Clip name → (Mandarin, English) words."""
    missing = [v.value for v in Verdict if v not in VERDICTS]
    missing += [s.value for s in LicenceState if s not in STATES]
    if missing:
        raise ClipError(f"No spoken words for {', '.join(missing)}: add them to "
                        "elicence/voice_clips.py.")
    out = {f"verdict.{v.value}": words for v, words in VERDICTS.items()}
    out |= {f"status.{s.value}": words for s, words in STATES.items()}
    out |= KEY_WORDS
    out |= {f"number.{n}": (str(n), str(n)) for n in range(COUNTDOWN_MAX + 1)}
    return out


def espeak_version() -> str:
    try:
        done = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True,
                              check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ClipError("espeak-ng is not installed: run  sudo apt-get install espeak-ng  "
                        "(scripts/bootstrap does it as root).") from exc
    return done.stdout.strip()


def stamp(version: str) -> str:
    text = json.dumps([version, VOICES, RATE, SILENCE, PAD, phrases()], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record(text: str, voice: str, scratch: Path) -> array.array:
    """espeak-ng's 16-bit mono samples for `text` (given on stdin, never on a command line)."""
    out = scratch / "clip.wav"
    try:
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), "--stdin"], input=text,
                       text=True, check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ClipError(f"espeak-ng could not say {text!r} with voice {voice}: {exc}") from exc
    with wave.open(str(out)) as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, 2 * RATE):
            raise ClipError(f"espeak-ng wrote {w.getframerate()} Hz, {w.getnchannels()} "
                            f"channels; this script expects {2 * RATE} Hz mono.")
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def halve_rate(samples: array.array) -> array.array:
    """Every second sample, each a 1-2-1 average of its neighbours (a low-pass, so the
    lower rate does not fold high frequencies back into the voice)."""
    out = array.array("h")
    for i in range(1, len(samples) - 1, 2):
        out.append((samples[i - 1] + 2 * samples[i] + samples[i + 1]) // 4)
    return out


def trim(samples: array.array) -> array.array:
    loud = [i for i, s in enumerate(samples) if abs(s) >= SILENCE]
    if not loud:
        return samples
    return samples[max(0, loud[0] - PAD):loud[-1] + PAD]


def write_wav(path: Path, samples: array.array) -> None:
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())


def build(outputs: tuple[Path, ...] = OUTPUTS) -> bool:
    """Writes the clips into each output folder; False when they are already current."""
    want = stamp(espeak_version())
    current = [json.loads((o / "clips.json").read_text("utf-8")).get("stamp")
               if (o / "clips.json").is_file() else None for o in outputs]
    if all(s == want for s in current):
        return False
    table = phrases()
    manifest = {"stamp": want, "format": "audio/wav", "path": "{lang}/{clip}.wav",
                "voices": VOICES, "clips": {}}
    with tempfile.TemporaryDirectory() as scratch:
        made = {}
        for clip, words in table.items():
            for lang, text in zip(("zh", "en"), words, strict=True):
                made[(lang, clip)] = trim(halve_rate(record(text, VOICES[lang], Path(scratch))))
            manifest["clips"][clip] = dict(zip(("zh", "en"), words, strict=True))
    for output in outputs:
        for lang in VOICES:
            (output / lang).mkdir(parents=True, exist_ok=True)
            for old in (output / lang).glob("*.wav"):
                old.unlink()
        for (lang, clip), samples in made.items():
            write_wav(output / lang / f"{clip}.wav", samples)
        (output / "clips.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1)
                                           + "\n", encoding="utf-8")
    return True


def main() -> int:
    try:
        changed = build()
    except ClipError as exc:
        print(f"build-voice-clips: {exc}", file=sys.stderr)
        return 1
    if changed:
        total = sum(p.stat().st_size for o in OUTPUTS for p in o.rglob("*.wav")) // len(OUTPUTS)
        print(f"build-voice-clips: {len(phrases()) * len(VOICES)} clips, {total // 1024} KiB "
              f"in each of {', '.join(str(o.relative_to(ROOT)) for o in OUTPUTS)}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
