"""The counter page in a real browser (Debian's headless Chromium through Playwright).

A fake camera plays a .y4m video of a licence QR code; `elicence serve` (gunicorn and the
status follower) serves the page on 127.0.0.1 from a real anvil chain. Cases: a valid
licence, one revoked after the server started (the follower must pick it up), one with a
claim altered after signing. Screenshots go to test-artifacts/web/.
"""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

import licence
from issuer.render.qr_image import render_qr_png
from tests.support.home import Home
from tests.support.issuing import rows_file
from tests.support.ports import free_port

pytestmark = [pytest.mark.anvil, pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 30_000


def y4m_frame(qr_text: str) -> bytes:
    """One 640×480 4:2:0 frame showing the code on white."""
    canvas = Image.new("RGB", (640, 480), "white")
    symbol = Image.open(io.BytesIO(render_qr_png(qr_text, box_size=3))).convert("RGB")
    if symbol.height > 470:
        symbol = symbol.resize((470, 470), Image.NEAREST)
    canvas.paste(symbol, ((640 - symbol.width) // 2, (480 - symbol.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    quarter = (320, 240)
    return b"FRAME\n" + y.tobytes() + cb.resize(quarter).tobytes() + cr.resize(quarter).tobytes()


def write_y4m(path: Path, *scenes: tuple[str, int]) -> Path:
    """A 10 fps video of each (code, frame count) in turn; Chromium loops it."""
    video = b"".join(y4m_frame(text) * frames for text, frames in scenes)
    path.write_bytes(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n" + video)
    return path


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def verify_over_http(base: str, qr: str) -> dict:
    request = urllib.request.Request(f"{base}/api/v1/verify", json.dumps({"qr": qr}).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.load(answer)


def wait_for(condition, what: str, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = condition()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("counter")
    chain_home.run("issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
                   str(rows_file(tmp, 3, start=7100)), "--out", str(tmp / "out"), "--no-pdf",
                   "--quiet")
    return json.loads((tmp / "out" / "report.json").read_text(encoding="utf-8"))["licences"]


@pytest.fixture(scope="module")
def server(chain_home: Home) -> Iterator[str]:
    port = free_port()
    env = {**chain_home.subprocess_env(), "ELICENCE_RATE_LIMIT": "off",
           "ELICENCE_COUNTER_NAME_EN": "Test counter", "ELICENCE_COUNTER_NAME_ZH": "测试柜台"}
    process = subprocess.Popen(
        [sys.executable, "-m", "elicence", "serve", "--port", str(port), "--workers", "1",
         "--sync-interval", "1"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: process.poll() is None and get_json(f"{base}/healthz")[0] == 200,
                 "the server to answer /healthz")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr is not None:
            process.stderr.close()


@pytest.fixture(scope="module")
def cases(chain_home: Home, issued: list[dict], server: str) -> dict[str, str]:
    """valid, revoked (after the server started) and tampered QR texts."""
    chain_home.run("revoke", "--authority", "CN-31-DMV", issued[1]["licence_number"],
                   "--reason", "lost")
    wait_for(lambda: verify_over_http(server, issued[1]["qr"])["verdict"] == "revoked",
             "the follower to index the revocation")
    genuine = licence.decode_unverified(issued[2]["qr"])
    tampered = replace(genuine, claims={**genuine.claims, "family_name": "王"})
    return {"valid": issued[0]["qr"], "revoked": issued[1]["qr"], "tampered": tampered.to_qr()}


def browser_page(playwright, video: Path, *, bypass_csp: bool = False):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    context = browser.new_context(permissions=["camera"], bypass_csp=bypass_csp,
                                  viewport={"width": 1280, "height": 900})
    return browser, context.new_page()


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.mark.parametrize(("case", "verdict", "word", "why"), [
    ("valid", "valid", "有效", None),
    ("revoked", "revoked", "已吊销", "遗失"),
    ("tampered", "invalid", "无效", "签名"),
])
def test_camera_scan_shows_the_verdict(playwright, server: str, cases: dict[str, str],
                                       tmp_path: Path, case: str, verdict: str, word: str,
                                       why: str | None) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    video = write_y4m(tmp_path / f"{case}.y4m", (cases[case], 5))
    browser, page = browser_page(playwright, video)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(f"{server}/verify")
        result = page.locator(f'#result[data-verdict="{verdict}"]')
        result.wait_for(timeout=WAIT_MS)
        assert page.locator("#verdict-word").inner_text() == word
        assert page.locator("#verdict-icon").inner_text() in {"✔", "✘"}
        if why is not None:
            assert why in page.locator("#verdict-why").inner_text()
        if case == "valid":
            details = page.locator("#details")
            assert details.is_visible()
            text = details.inner_text()
            assert "机动车驾驶证" in text and "CN-31" in text and "核对" in text  # printed copy
            assert "姓" in text and "状态截至区块" in text
        page.screenshot(path=str(ARTIFACTS / f"{case}.png"), full_page=True)
        # The same code stays on camera: it is verified once, not in a loop.
        page.wait_for_timeout(1500)
        verifies = [u for u in requests if u.endswith("/api/v1/verify")]
        assert len(verifies) == 1, verifies
        assert all(u.startswith(server) for u in requests), requests  # no third party
    finally:
        browser.close()


def test_language_large_text_keyboard_and_accessibility(playwright, server: str,
                                                         cases: dict[str, str],
                                                         tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    video = write_y4m(tmp_path / "v.y4m", (cases["valid"], 5))
    browser, page = browser_page(playwright, video, bypass_csp=True)  # to inject axe-core only
    try:
        page.goto(f"{server}/verify")
        page.locator('#result[data-verdict="valid"]').wait_for(timeout=WAIT_MS)
        live = page.locator('[aria-live="assertive"]')
        assert "有效" in live.inner_text()
        page.keyboard.press("Tab")  # skip link
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "lang"
        page.keyboard.press("Enter")
        assert page.locator("#verdict-word").inner_text() == "VALID"
        assert "Family name" in page.locator("#claims").inner_text()
        assert "Printed copy" in page.locator("#presentation").inner_text()
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        assert page.locator("#large").get_attribute("aria-pressed") == "true"
        page.screenshot(path=str(ARTIFACTS / "valid-en-large.png"), full_page=True)
        page.reload()
        page.locator('#result[data-verdict="valid"]').wait_for(timeout=WAIT_MS)
        assert page.locator("#verdict-word").inner_text() == "VALID"  # remembered
        assert "large" in (page.locator("body").get_attribute("class") or "")

        # A USB scanner's text, pasted: a different licence replaces the result.
        page.fill("#paste", cases["revoked"])
        page.locator("#paste-form button").press("Enter")
        page.locator('#result[data-verdict="revoked"]').wait_for(timeout=WAIT_MS)
        assert page.locator("#verdict-word").inner_text() == "REVOKED"
        assert "Lost" in page.locator("#verdict-why").inner_text()

        page.add_script_tag(path=str(AXE))
        found = page.evaluate("async () => (await axe.run(document)).violations"
                              ".map(v => ({id: v.id, impact: v.impact}))")
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        assert serious == [], serious
    finally:
        browser.close()


def test_csp_blocks_inline_script(playwright, server: str, tmp_path: Path,
                                  cases: dict[str, str]) -> None:
    browser, page = browser_page(playwright, write_y4m(tmp_path / "v.y4m", (cases["valid"], 1)))
    try:
        page.goto(f"{server}/verify")
        with pytest.raises(Exception, match=r"Content Security Policy|CSP|refused"):
            page.add_script_tag(content="window.injected = 1")
        assert page.evaluate("window.injected === undefined")
    finally:
        browser.close()


def test_a_different_code_replaces_the_result_without_a_click(
        playwright, server: str, cases: dict[str, str], tmp_path: Path) -> None:
    video = write_y4m(tmp_path / "two.y4m", (cases["valid"], 20), (cases["revoked"], 20))
    browser, page = browser_page(playwright, video)
    verified: list[str] = []
    page.on("request", lambda r: verified.append(r.post_data or "")
            if r.url.endswith("/api/v1/verify") else None)
    try:
        page.goto(f"{server}/verify")
        page.locator('#result[data-verdict="valid"]').wait_for(timeout=WAIT_MS)
        page.locator('#result[data-verdict="revoked"]').wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(ARTIFACTS / "replaced.png"), full_page=True)
        texts = [json.loads(body)["qr"] for body in verified]
        assert all(a != b for a, b in itertools.pairwise(texts))  # never twice
    finally:
        browser.close()
