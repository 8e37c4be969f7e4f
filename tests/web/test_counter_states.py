"""The counter page's other states in a real browser, over the eth-tester world served by a
werkzeug thread: a live (phone) code, and amber "cannot confirm" from an old index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.support.serving import serving

from ..verifier.world import World
from .conftest import world_app
from .test_counter_page import ARTIFACTS, WAIT_MS, browser_page, playwright, write_y4m

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
__all__ = ["playwright"]  # the fixture, shared with the camera tests


@pytest.fixture(scope="module")
def served(web_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, Flask]]:
    app = world_app(web_world, tmp_path_factory.mktemp("states") / "home", rate_limit="off")
    with serving(app) as running:
        yield running.url, app


def paste(page, text: str) -> None:
    page.fill("#paste", text)
    page.locator("#paste-form button").press("Enter")


def test_live_code_and_unknown(playwright, served: tuple[str, Flask], web_world: World,
                               tmp_path: Path) -> None:
    base, app = served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    video = write_y4m(tmp_path / "other.y4m", (web_world.qr["good_2"], 1))
    browser, page = browser_page(playwright, video)
    try:
        page.goto(f"{base}/verify")
        page.locator('#result[data-verdict="valid"]').wait_for(timeout=WAIT_MS)  # camera
        paste(page, web_world.live("bound", disclose=["age_over_18"]))
        # Polled from Playwright: a string predicate in page.wait_for_function needs eval,
        # which the page's CSP refuses whenever the first evaluation does not already pass.
        expect(page.locator("#presentation")).to_contain_text("绑定", timeout=WAIT_MS)
        assert page.locator("#result").get_attribute("data-verdict") == "valid"
        assert page.locator("#claims").inner_text().split() == ["年满18周岁", "是"]
        page.screenshot(path=str(ARTIFACTS / "live.png"), full_page=True)

        app.extensions["elicence.verifier"].clock = lambda: web_world.now + 3600
        paste(page, web_world.qr["good"])
        page.locator('#result[data-verdict="unknown"]').wait_for(timeout=WAIT_MS)
        assert page.locator("#verdict-word").inner_text() == "无法确认"
        assert page.locator("#verdict-icon").inner_text() == "?"
        assert page.locator("#result").get_attribute("data-kind") == "warn"
        page.screenshot(path=str(ARTIFACTS / "unknown.png"), full_page=True)
    finally:
        app.extensions["elicence.verifier"].clock = lambda: web_world.now
        browser.close()
