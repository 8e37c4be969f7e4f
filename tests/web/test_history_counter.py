"""The counter page's "history" tap in a real browser (Debian's Chromium), over the
eth-tester world served by a werkzeug thread: one tap under a verdict lists the licence's
life from the chain, in both languages; a code that is not genuine gets one sentence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import expect

from ..support.serving import serving
from ..verifier.world import World, ref
from .conftest import world_app
from .test_counter_page import ARTIFACTS, CHROMIUM, WAIT_MS, playwright

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
__all__ = ["playwright"]


@pytest.fixture(scope="module")
def served(web_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app: Flask = world_app(web_world, tmp_path_factory.mktemp("history") / "home",
                           rate_limit="off")
    with serving(app) as running:
        yield running.url


@pytest.fixture
def page(playwright):
    # No camera: the page falls back to paste, so nothing else is scanned meanwhile.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
    try:
        yield browser.new_page(viewport={"width": 1280, "height": 1000})
    finally:
        browser.close()


def paste(page, text: str, verdict: str) -> None:
    page.fill("#paste", text)
    page.locator("#paste-form button").press("Enter")
    page.locator(f'#result[data-verdict="{verdict}"]').wait_for(timeout=WAIT_MS)


def test_one_tap_shows_the_history_under_the_verdict(page, served: str,
                                                     web_world: World) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{served}/verify")
    paste(page, web_world.qr["superseded"], "invalid")
    button = page.locator("#history-button")
    expect(button).to_have_text("历史记录")
    assert page.locator("#history").is_hidden()
    button.click()
    items = page.locator("#history-list li")
    expect(items).to_have_count(3, timeout=WAIT_MS)
    assert [items.nth(i).get_attribute("data-event") for i in range(3)] == [
        "anchored", "superseded", "replaced_by"]
    assert "签发上链" in items.nth(0).inner_text()
    assert "被新证取代" in items.nth(1).inner_text() and "其他原因" in items.nth(1).inner_text()
    assert ref("good_2").hex()[:8] in items.nth(2).inner_text()
    page.screenshot(path=str(ARTIFACTS / "history-counter.png"), full_page=True)

    page.locator("#lang").click()  # same history, English words, no new request
    expect(page.locator("#history-title")).to_have_text("Licence history (chain records)")
    assert "Replaced by a newer licence" in items.nth(1).inner_text()

    paste(page, web_world.qr["good_2"], "valid")  # a new result hides the old history
    assert page.locator("#history").is_hidden()
    button.click()
    expect(page.locator('#history-list li[data-event="superseded"]')).to_contain_text(
        f"Earlier licence {ref('superseded').hex()[:8]}", timeout=WAIT_MS)
    assert page.locator('#history-list li[data-event="anchored"]').count() == 1


def test_a_code_that_is_not_genuine_gets_one_sentence(page, served: str,
                                                      web_world: World) -> None:
    page.goto(f"{served}/verify")
    paste(page, web_world.qr["tampered_claim"], "invalid")
    page.locator("#history-button").click()
    expect(page.locator("#history-status")).to_contain_text("仅对链上可查的真实证照显示历史记录",
                                                            timeout=WAIT_MS)
    assert page.locator("#history-list li").count() == 0
    paste(page, "hello", "unreadable")  # nothing read: nothing to ask about
    assert page.locator("#history-button").is_hidden()
