"""The counter page reads its verdict aloud (real Chromium over the eth-tester world): with
the browser's speechSynthesis when it has a voice in the page's language, otherwise with
the clips scripts/build-voice-clips recorded. speechSynthesis and audio playback are
stubbed by tests/support/speech.py, which records each utterance (text, language) and
each clip played; the page, the server and the verification are real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.support.polling import wait_until
from tests.support.speech import EN_VOICE as EN
from tests.support.speech import ZH_VOICE as ZH
from tests.support.speech import speech_stub

from ..support.serving import serving
from ..verifier.world import World
from .conftest import world_app
from .test_counter_page import ARTIFACTS, CHROMIUM, WAIT_MS, playwright

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
__all__ = ["playwright"]


@pytest.fixture(scope="module")
def served(web_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app: Flask = world_app(web_world, tmp_path_factory.mktemp("voice") / "home",
                           rate_limit="off")
    with serving(app) as running:
        yield running.url


@pytest.fixture
def browser(playwright):
    # No camera: the page falls back to paste, so nothing else is scanned meanwhile.
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
    try:
        yield chromium
    finally:
        chromium.close()


def counter(browser, served: str, voices: list[dict]) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_init_script(speech_stub(voices))
    page = context.new_page()
    page.goto(f"{served}/verify")
    return page


def paste(page: Page, text: str, verdict: str) -> None:
    page.fill("#paste", text)
    page.locator("#paste-form button").press("Enter")
    page.locator(f'#result[data-verdict="{verdict}"]').wait_for(timeout=WAIT_MS)


def spoken(page: Page, count: int) -> list[dict]:
    wait_until(page, f"window.__spoken.length >= {count}", timeout_ms=WAIT_MS)
    return page.evaluate("window.__spoken")


def test_the_button_and_the_remembered_choice_read_each_verdict(browser, served: str,
                                                                web_world: World) -> None:
    page = counter(browser, served, [EN, ZH])
    expect(page.locator("#speak")).to_be_hidden()
    paste(page, web_world.qr["good"], "valid")
    # Off by default: a verdict appears silently until someone asks.
    assert page.evaluate("window.__spoken") == []
    expect(page.locator("#speak")).to_have_text("朗读结果")
    page.click("#speak")
    said = spoken(page, 1)[-1]
    assert said["lang"] == "zh-CN" and said["voice"] == "Tingting"
    assert said["text"].startswith("有效。") and "请核对持证人带照片的身份证件" in said["text"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "counter-voice.png"))

    page.click("#lang")
    expect(page.locator("#speak")).to_have_text("Read the result aloud")
    page.click("#speak")
    said = spoken(page, 2)[-1]
    assert said["lang"] == "en" and said["voice"] == "Samantha"
    assert said["text"].startswith("valid. ") and "check the holder's photo ID" in said["text"]

    page.click("#speak-auto")
    expect(page.locator("#speak-auto")).to_have_attribute("aria-pressed", "true")
    paste(page, web_world.qr["revoked"], "revoked")
    said = spoken(page, 3)[-1]
    assert said["text"].startswith("revoked. ") and said["lang"] == "en"

    # Remembered: after a reload every verdict is still read, a code nobody can read too.
    page.reload()
    expect(page.locator("#speak-auto")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#speak-auto")).to_have_text("Read every result aloud")
    paste(page, "hello", "unreadable")
    said = spoken(page, 1)[-1]
    assert said["text"].startswith("unreadable. ") and said["lang"] == "en"
    assert page.evaluate("window.__played") == []
    page.click("#speak-auto")  # and off again, remembered as off
    page.reload()
    expect(page.locator("#speak-auto")).to_have_attribute("aria-pressed", "false")
    page.context.close()


def test_without_a_voice_in_the_pages_language_the_clips_are_played(browser, served: str,
                                                                    web_world: World) -> None:
    page = counter(browser, served, [EN])  # an English voice only; the page is Chinese
    paste(page, web_world.qr["revoked"], "revoked")
    page.click("#speak")
    wait_until(page, "window.__played.length >= 2", timeout_ms=WAIT_MS)
    assert page.evaluate("window.__played") == ["/static/voice/zh/verdict.revoked.wav",
                                                "/static/voice/zh/presentation.printed.wav"]
    assert page.evaluate("window.__spoken") == []

    # The clips played are the ones the server has.
    for path in page.evaluate("window.__played"):
        answer = page.request.get(f"{served}{path}")
        assert answer.status == 200 and answer.body()[:4] == b"RIFF"

    page.click("#lang")  # English has a voice: no clip any more
    page.click("#speak")
    assert spoken(page, 1)[-1]["text"].startswith("revoked. ")
    assert len(page.evaluate("window.__played")) == 2
    page.context.close()

    page = counter(browser, served, [])  # no voice at all
    paste(page, "hello", "unreadable")  # nothing was read: the verdict alone
    page.click("#speak")
    wait_until(page, "window.__played.length >= 1", timeout_ms=WAIT_MS)
    assert page.evaluate("window.__played") == ["/static/voice/zh/verdict.unreadable.wav"]
    page.context.close()


def test_a_mandarin_voice_named_cmn_is_a_chinese_voice(browser, served: str) -> None:
    # Some Android phones name their Mandarin voice cmn-CN (or cmn_CN) rather than zh-CN.
    page = counter(browser, served, [{"name": "Android Mandarin", "lang": "cmn_CN"}])
    paste(page, "hello", "unreadable")
    page.click("#speak")
    said = spoken(page, 1)[-1]
    assert said["voice"] == "Android Mandarin" and said["text"].startswith("无法识别。")
    assert page.evaluate("window.__played") == []
    page.context.close()
