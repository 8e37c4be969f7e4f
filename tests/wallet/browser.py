"""Browser test helpers: headless Chromium in mobile emulation (Playwright, the system's
Chromium; never a downloaded browser), axe-core scans and reading the wallet's QR canvas
with an independent decoder. The app is served by tests/support/serving.py."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from .qrcheck import read

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "wallet"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000
# A 360 px wide phone (the narrowest the wallet supports), Chinese locale.
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "zh-CN",
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 "
                       "(KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36"}


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS,
                                      timeout=TIMEOUT_MS)


def new_phone(browser: Browser, **overrides) -> BrowserContext:
    context = browser.new_context(**{**PHONE, "accept_downloads": True, **overrides})
    context.set_default_timeout(TIMEOUT_MS)
    return context


def open_wallet(context: BrowserContext, url: str, errors: list[str] | None = None) -> Page:
    page = context.new_page()
    if errors is not None:
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                and "Content Security Policy" in m.text else None)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    return page


def wait_for_service_worker(page: Page) -> None:
    """Waits until the service worker controls the page (the shell is cached by then)."""
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("!!navigator.serviceWorker.controller")


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def serious_violations(page: Page) -> list[dict]:
    """axe-core violations of impact serious or critical (evaluated through DevTools, which
    the page's CSP does not restrict)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def switch_language(page: Page) -> str:
    """Presses the language button; returns the new language once the cards are drawn in it
    (they are drawn after reading the store, so a click alone does not mean they changed)."""
    now = "en" if page.get_attribute("html", "lang").startswith("zh") else "zh"
    page.click("#lang")
    page.wait_for_selector(f"#cards[data-lang={now}]", state="attached")
    return now


def present(page: Page, preset: str) -> str:
    """Presents the first licence with `preset`; returns the QR text the page shows."""
    page.click("#cards li:first-child button.present")
    page.check(f"#preset-{preset}")
    page.click("#present-button")
    page.wait_for_selector("#qr[data-qr]")
    return page.get_attribute("#qr", "data-qr")


def read_canvas(page: Page) -> str:
    """Decodes the QR code drawn on the page's canvas (what a counter's camera would see)."""
    image = Image.open(io.BytesIO(page.locator("#qr").screenshot())).convert("L")
    return read(image)[0]
