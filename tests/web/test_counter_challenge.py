"""The counter page shows this counter's challenge: a small QR code a phone reads and six
large characters to type, the ones the API gives (real browser, eth-tester world)."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image

from tests.support.serving import serving

from ..verifier.world import World
from ..wallet.qrcheck import read
from .conftest import world_app
from .test_counter_page import ARTIFACTS, ROOT, WAIT_MS, browser_page, playwright, write_y4m

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
__all__ = ["playwright"]


@pytest.fixture
def served(web_world: World, tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    app = world_app(web_world, tmp_path / "home", rate_limit="off", challenge="required")
    with serving(app) as running:
        yield running.url, app


def test_the_counter_shows_its_challenge(playwright, served: tuple[str, Flask],
                                         web_world: World, tmp_path: Path) -> None:
    base, app = served
    current = app.extensions["elicence.verifier"].challenges.current(web_world.now)
    video = write_y4m(tmp_path / "nothing.y4m", ("ELCH:" + current.text, 1))  # never verified
    browser, page = browser_page(playwright, video)
    try:
        page.goto(f"{base}/verify")
        page.locator(f'#challenge[data-text="{current.text}"]').wait_for(timeout=WAIT_MS)
        assert page.is_visible("#challenge-qr")
        assert page.inner_text("#challenge-text") == current.text
        assert "6" in page.inner_text("#challenge-help")
        source = page.get_attribute("#challenge-qr", "src")
        assert source is not None and source.startswith("data:image/svg+xml;base64,")
        # The small QR on screen reads as the challenge (what the wallet's camera sees).
        shot = Image.open(io.BytesIO(page.locator("#challenge-qr").screenshot())).convert("L")
        assert read(shot.resize((shot.width * 3, shot.height * 3)))[0] == \
            "ELCH:" + current.text
        # The counter's camera, filming its own challenge, verifies nothing.
        assert page.locator("#result").get_attribute("data-verdict") == "waiting"
        folder = ROOT / "docs" / "images" if os.environ.get(
            "ELICENCE_DOC_SCREENSHOTS") == "1" else ARTIFACTS
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "counter-challenge.png"), full_page=True)
        assert base64.b64decode(source.split(",", 1)[1]).lstrip().startswith(b"<?xml")
    finally:
        browser.close()
