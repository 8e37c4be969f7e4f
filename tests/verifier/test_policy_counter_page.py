"""The counter page shows `not_accepted` in its own colour and words, in a real browser,
over the eth-tester world served by a werkzeug thread (a Zhejiang counter that accepts
only Zhejiang's licences and the Shanghai traffic police's)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ..web.conftest import world_app
from ..web.test_counter_page import ARTIFACTS, CHROMIUM, WAIT_MS, playwright
from .test_policy import GUANGDONG
from .world import World

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
__all__ = ["playwright"]


@pytest.fixture(scope="module")
def served(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, Flask]]:
    app = world_app(world, tmp_path_factory.mktemp("policy") / "home", rate_limit="off",
                    counter_id="hz-tax-3", counter_name_zh="杭州税务三号窗口",
                    counter_name_en="Hangzhou tax, window 3", accept_regions="33",
                    accept_authorities="CN-31-DMV")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["elicence.verifier"].close()


def paste(page, text: str) -> None:
    page.fill("#paste", text)
    page.locator("#paste-form button").press("Enter")


def test_not_accepted_has_its_own_colour_and_words(playwright, served: tuple[str, Flask],
                                                   world: World) -> None:
    base, app = served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # No camera: the page falls back to paste, and nothing else scans meanwhile.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{base}/verify")
        paste(page, world.qr["good"])  # Shanghai, accepted by name
        page.locator('#result[data-verdict="valid"]').wait_for(timeout=WAIT_MS)
        assert page.locator("#result").get_attribute("data-kind") == "good"

        app.extensions["elicence.verifier"].clock = lambda: GUANGDONG["now"]
        paste(page, GUANGDONG["qr"])  # Guangdong: genuine, but not taken at this counter
        page.locator('#result[data-verdict="not_accepted"]').wait_for(timeout=WAIT_MS)
        assert page.locator("#verdict-word").inner_text() == "本柜台不受理"
        assert page.locator("#verdict-icon").inner_text() == "⊘"
        assert page.locator("#result").get_attribute("data-kind") == "other"
        assert page.locator("#verdict-why").inner_text().startswith("证照真实有效")
        assert "CN-44-DMV" in page.locator("#authority").inner_text()
        colour = page.evaluate(
            "getComputedStyle(document.getElementById('result')).backgroundColor")
        assert colour == "rgb(31, 58, 147)"  # blue: neither the red of invalid nor amber
        page.screenshot(path=str(ARTIFACTS / "not-accepted.png"), full_page=True)
        page.locator("#lang").click()
        assert page.locator("#verdict-word").inner_text() == "NOT ACCEPTED HERE"
        assert page.locator("#verdict-why").inner_text().startswith(
            "Genuine, but this counter does not accept licences issued by CN-44-DMV")
    finally:
        app.extensions["elicence.verifier"].clock = lambda: world.now
        browser.close()
