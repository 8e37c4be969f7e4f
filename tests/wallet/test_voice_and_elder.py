"""The wallet speaks and has a simple mode (适老化), in real Chromium on a 360 px phone over
a real anvil chain and the real issuer. speechSynthesis and audio playback are stubbed by
tests/support/speech.py, which records each utterance (text, language) and each clip
played; claiming, status checks and the live code are real."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from chain.config import load_settings
from tests.support.home import Home
from tests.support.polling import wait_until
from tests.support.serving import Server
from tests.support.speech import EN_VOICE, ZH_VOICE, speech_stub

from .browser import new_phone, open_wallet, read_canvas, screenshot, serious_violations
from .test_browser import claim

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


def phone(browser: Browser, server: Server, voices: list[dict]) -> Page:
    context = new_phone(browser)
    context.add_init_script(speech_stub(voices))
    return open_wallet(context, f"{server.url}/wallet/")


def spoken(page: Page, count: int) -> list[dict]:
    wait_until(page, f"window.__spoken.length >= {count}")
    return page.evaluate("window.__spoken")


def played(page: Page, count: int) -> list[str]:
    wait_until(page, f"window.__played.length >= {count}")
    return page.evaluate("window.__played")


def reload(page: Page) -> None:
    page.reload()
    page.wait_for_selector("body[data-ready=true]")


def claimed(page: Page, chain_home: Home, code: str) -> None:
    """Claims `code`, then brings the verifier's status index up to the chain, so the
    wallet's status check on opening gets an answer."""
    from verifier.sync import sync_index

    claim(page, code)
    assert "good" in page.get_attribute("#claim-status", "class")
    sync_index(load_settings(chain_home.path, chain_home.env))
    page.click("[data-view=licences]")
    reload(page)
    page.wait_for_selector("#cards li[data-status=active]")


def test_a_card_is_read_aloud_on_request_and_after_each_check_when_chosen(
        chain_home: Home, server: Server, browser: Browser, issued: list[dict]) -> None:
    page = phone(browser, server, [ZH_VOICE, EN_VOICE])
    claimed(page, chain_home, issued[0]["claim_code"])
    # The status check on opening was not read: the holder has not chosen it.
    assert page.evaluate("window.__spoken") == []

    page.click("#cards li:first-child button.read-button")
    said = spoken(page, 1)[-1]
    assert said == {"text": "机动车驾驶证：有效", "lang": "zh-CN", "voice": "Tingting"}

    page.click("#speak-auto")
    expect(page.locator("#speak-auto")).to_have_attribute("aria-pressed", "true")
    page.click("#lang")
    reload(page)  # remembered: the check on opening is now read, in English
    said = spoken(page, 1)[-1]
    assert said == {"text": "Driving licence: Valid", "lang": "en", "voice": "Samantha"}
    page.context.close()


def test_without_a_voice_the_status_clip_is_played(chain_home: Home, server: Server,
                                                   browser: Browser, issued: list[dict]) -> None:
    page = phone(browser, server, [EN_VOICE])  # no Chinese voice; the wallet is in Chinese
    claimed(page, chain_home, issued[1]["claim_code"])
    page.click("#cards li:first-child button.read-button")
    assert played(page, 1) == ["/wallet/static/voice/zh/status.active.wav"]
    assert page.evaluate("window.__spoken") == []
    answer = page.request.get(f"{server.url}/wallet/static/voice/zh/status.active.wav")
    assert answer.status == 200 and answer.body()[:4] == b"RIFF"
    page.context.close()


def test_simple_mode_one_licence_one_show_button_a_full_width_code_and_the_time_said(
        chain_home: Home, server: Server, browser: Browser, issued: list[dict]) -> None:
    page = phone(browser, server, [])  # no voice at all: the countdown comes from clips
    claimed(page, chain_home, issued[2]["claim_code"])
    page.click("#elder-mode")
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    expect(page.locator("#elder-show")).to_be_visible()
    # No menus: the only controls are the way out, Show and Read aloud.
    visible = [b.inner_text() for b in page.locator("button:visible").all()]
    assert visible == ["退出长辈模式", "出示", "朗读"]
    assert page.locator(".tabs").is_hidden() and page.locator("#cards").is_hidden()
    show = page.locator("#elder-show")
    assert show.bounding_box()["height"] >= 80
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 24
    assert "contrast" in page.get_attribute("html", "class")
    card = page.inner_text("#elder-card")
    assert "机动车驾驶证" in card and "有效" in card and "null" not in card
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []
    screenshot(page, "elder-card")

    show.click()
    page.wait_for_selector("#qr[data-qr]")
    # Nothing to choose: the code, then only the counter code a counter may require.
    for hidden in ("#presets", "#present-summary", "#present-button", ".tabs"):
        assert page.locator(hidden).is_hidden(), hidden
    qr = page.locator("#qr").bounding_box()
    assert qr["width"] >= 0.9 * 360
    assert qr["y"] < page.locator("#challenge-box").bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "elder-code")
    # What a counter's camera sees is the live code (which may have just been renewed).
    before = page.get_attribute("#qr", "data-qr")
    seen = read_canvas(page)
    assert seen.startswith("ELP1:") and seen in (before, page.get_attribute("#qr", "data-qr"))

    page.click("#elder-time")
    clips = played(page, 3)
    assert clips[0] == "/wallet/static/voice/zh/countdown.in.wav"
    assert re.fullmatch(r"/wallet/static/voice/zh/number\.([0-9]|[12][0-9]|30)\.wav", clips[1])
    assert clips[2] == "/wallet/static/voice/zh/countdown.seconds.wav"

    page.fill("#challenge-input", "F3KJAD")  # the counter's code, typed: a new code at once
    page.wait_for_selector("#qr[data-challenge=F3KJAD]")

    page.click("#present-stop")  # back to the one licence
    expect(page.locator("#elder-show")).to_be_visible()
    reload(page)  # remembered
    expect(page.locator("#elder-show")).to_be_visible()
    page.click("#elder-mode")
    expect(page.locator(".tabs")).to_be_visible()
    assert page.locator("#elder-card").is_hidden()
    page.context.close()


def test_simple_mode_says_the_time_left_with_a_voice(chain_home: Home, server: Server,
                                                     browser: Browser, issued: list[dict]) -> None:
    page = phone(browser, server, [ZH_VOICE, EN_VOICE])
    claimed(page, chain_home, issued[3]["claim_code"])
    page.click("#lang")
    page.click("#elder-mode")
    expect(page.locator("#elder-mode")).to_have_text("Leave simple mode")
    page.click("#elder-show")
    page.wait_for_selector("#qr[data-qr]")
    page.click("#elder-time")
    said = spoken(page, 1)[-1]
    assert re.fullmatch(r"The code refreshes in ([0-9]|[12][0-9]|30) seconds", said["text"])
    assert said["lang"] == "en" and page.evaluate("window.__played") == []
    page.context.close()
