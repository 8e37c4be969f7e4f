"""The spoken clips (elicence.voice_clips, recorded with Debian's espeak-ng by
scripts/build-voice-clips): one per verdict and per licence status in Mandarin and English,
in both apps' static folders, served by both, and a build that refuses a verdict nobody
wrote words for. The verdicts and statuses come from licence.vocabulary, where they are
defined, so a new one without a clip fails here."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from elicence import voice_clips
from licence.vocabulary import LicenceState, Verdict

NAMES = [f"verdict.{v.value}" for v in Verdict] + [f"status.{s.value}" for s in LicenceState]
COUNTDOWN = ["countdown.in", "countdown.seconds"] + [
    f"number.{n}" for n in range(voice_clips.COUNTDOWN_MAX + 1)]


@pytest.mark.parametrize("output", voice_clips.OUTPUTS, ids=lambda p: p.parent.parent.name)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_verdict_and_status_has_a_clip_in_both_apps(output: Path, lang: str) -> None:
    manifest = json.loads((output / "clips.json").read_text("utf-8"))
    assert manifest["stamp"] == voice_clips.stamp(voice_clips.espeak_version()), \
        "the clips are older than their words: run scripts/build-voice-clips"
    for name in NAMES + COUNTDOWN + ["presentation.live", "presentation.printed"]:
        assert manifest["clips"][name][lang], name
        with wave.open(str(output / lang / f"{name}.wav")) as clip:
            assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (
                1, 2, voice_clips.RATE)
            assert clip.getnframes() > voice_clips.RATE // 10, f"{name} is silent"


def test_both_apps_serve_the_clips(client: FlaskClient) -> None:
    for url in ("/static/voice/zh/verdict.not_accepted.wav",
                "/wallet/static/voice/en/status.suspended.wav"):
        answer = client.get(url)
        assert answer.status_code == 200 and answer.data[:4] == b"RIFF", url
        assert answer.mimetype.startswith("audio/")
        answer.close()
    assert client.get("/static/voice/zh/verdict.nonsense.wav").status_code == 404


def test_the_wallet_keeps_the_clips_for_offline_use() -> None:
    from wallet.web import shell_files

    urls, _ = shell_files()
    assert "/wallet/static/voice/zh/verdict.valid.wav" in urls
    assert "/wallet/static/voice/en/number.30.wav" in urls


def test_a_verdict_without_words_stops_the_build(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delitem(voice_clips.VERDICTS, Verdict.NOT_ACCEPTED)
    with pytest.raises(voice_clips.ClipError, match="not_accepted"):
        voice_clips.build((tmp_path,))
    assert not (tmp_path / "clips.json").exists()


def test_a_second_build_with_the_same_words_does_nothing(tmp_path: Path) -> None:
    outputs = (tmp_path / "a", tmp_path / "b")
    assert voice_clips.build(outputs) is True
    first = (tmp_path / "a" / "zh" / "verdict.valid.wav").stat().st_mtime_ns
    assert voice_clips.build(outputs) is False
    assert (tmp_path / "a" / "zh" / "verdict.valid.wav").stat().st_mtime_ns == first
    # The same espeak-ng and words give the same bytes in every folder.
    assert (tmp_path / "a" / "en" / "verdict.valid.wav").read_bytes() == (
        tmp_path / "b" / "en" / "verdict.valid.wav").read_bytes()
