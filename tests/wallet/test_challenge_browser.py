"""The counter challenge in a real browser: the holder types the counter's 6 characters, or
scans its small QR code with the phone's camera (Chromium's fake camera filming the code),
and the wallet signs it into the live code that the counter then accepts once.

The server's clock and the page's Date are pinned to one second (the page's timers keep
running), so the challenge window cannot roll over during a test."""

from __future__ import annotations

import base64
import io
import json
import os
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

import licence
from chain.config import load_settings
from issuer.render.qr_image import render_qr_png
from tests.support.home import Home
from tests.support.serving import Server

from .browser import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    ROOT,
    TIMEOUT_MS,
    new_phone,
    open_wallet,
    screenshot,
)

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

DOC_IMAGES = ROOT / "docs" / "images"


def keep_screenshot(page: Page, name: str) -> None:
    """Into docs/images when ELICENCE_DOC_SCREENSHOTS=1 (refreshing the docs), else into
    test-artifacts/ (not committed)."""
    folder = DOC_IMAGES if os.environ.get("ELICENCE_DOC_SCREENSHOTS") == "1" else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def camera_video(path: Path, text: str) -> Path:
    """A y4m video (Chromium's fake camera) filming the counter's challenge QR code."""
    frame = Image.new("RGB", (640, 480), "white")
    symbol = Image.open(io.BytesIO(render_qr_png(text, box_size=8))).convert("RGB")
    frame.paste(symbol, ((640 - symbol.width) // 2, (480 - symbol.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    quarter = (320, 240)
    data = b"FRAME\n" + y.tobytes() + cb.resize(quarter).tobytes() + cr.resize(quarter).tobytes()
    path.write_bytes(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n" + data * 5)
    return path


def call(base: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def claimed_wallet(browser: Browser, server: Server, code: str, now: int) -> Page:
    context = new_phone(browser, permissions=["camera"])
    page = open_wallet(context, f"{server.url}/wallet/#claim={code}")
    page.click("#claim-submit")
    page.wait_for_selector("#claim-status.good")
    page.clock.set_fixed_time(now)
    page.click("[data-view=licences]")
    page.click("#cards li:first-child button.present")
    page.check("#preset-age18")
    return page


def counter_accepts_once(chain_home: Home, server: Server, text: str, value: bytes) -> None:
    shown = licence.decode_unverified(text)
    assert isinstance(shown, licence.Presentation) and shown.challenge == value
    from verifier.sync import sync_index

    sync_index(load_settings(chain_home.path, chain_home.env))
    first = call(server.url, "/api/v1/verify", {"qr": text})
    assert first["verdict"] == "valid", first
    assert {c["name"]: c["reason"] for c in first["checks"]}["challenge"] == "challenge_answered"
    again = call(server.url, "/api/v1/verify", {"qr": text})
    assert (again["verdict"], again["reason"]) == ("invalid", "replayed")


def counter_challenge(server: Server) -> tuple[str, bytes]:
    body = call(server.url, "/api/v1/challenge")
    return body["text"], base64.urlsafe_b64decode(body["challenge"] + "==")


def test_challenge_typed(chain_home: Home, app, server: Server, browser: Browser,
                         issued: list[dict], pinned: int) -> None:
    page = claimed_wallet(browser, server, issued[3]["claim_code"], pinned)
    text, value = counter_challenge(server)
    page.fill("#challenge-input", "x1")  # a typo is said plainly, and nothing is shown
    page.click("#present-button")
    page.wait_for_selector("#challenge-status.bad")
    assert page.is_hidden("#qr-box")
    page.fill("#challenge-input", f" {text[:3].lower()}-{text[3:].lower()} ")
    page.click("#present-button")
    page.wait_for_selector(f'#qr[data-challenge="{text}"]')
    assert text in page.text_content("#challenge-status")
    keep_screenshot(page, "wallet-challenge-typed")
    counter_accepts_once(chain_home, server, page.get_attribute("#qr", "data-qr"), value)
    page.context.close()


def test_challenge_scanned_with_the_camera(chain_home: Home, app, server: Server,
                                           browser: Browser, issued: list[dict], pinned: int,
                                           tmp_path: Path) -> None:
    text, value = counter_challenge(server)
    video = camera_video(tmp_path / "counter-challenge.y4m", "ELCH:" + text)
    # A second Chromium (same Playwright), whose fake camera films the counter's screen.
    with_camera = browser.browser_type.launch(
        executable_path="/usr/bin/chromium", timeout=TIMEOUT_MS, args=[
            *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"])
    try:
        page = claimed_wallet(with_camera, server, issued[4]["claim_code"], pinned)
        page.click("#challenge-scan")
        page.wait_for_selector("#challenge-status.good")
        assert page.input_value("#challenge-input") == text
        assert page.is_hidden("#challenge-camera")  # the camera stops once it has read
        page.click("#present-button")
        page.wait_for_selector(f'#qr[data-challenge="{text}"]')
        screenshot(page, "wallet-challenge-scanned")  # test-artifacts/ only
        counter_accepts_once(chain_home, server, page.get_attribute("#qr", "data-qr"), value)
    finally:
        with_camera.close()
