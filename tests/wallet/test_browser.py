"""The wallet in a real browser (headless Chromium, 360 px phone): claim with a code, present
"age over 18 only" as a live QR, verify it with the Python licence library and the
verifier's API, see the receipt, work offline, back up and restore, pass axe-core."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, expect

import licence
from chain.config import load_settings
from licence.errors import ExpiredError
from tests.support.home import Home
from tests.support.issuing import registry
from tests.support.serving import Server

from .browser import (
    TIMEOUT_MS,
    new_phone,
    open_wallet,
    present,
    read_canvas,
    screenshot,
    serious_violations,
    wait_for_service_worker,
)

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


def authority_key(chain_home: Home, presented: licence.Presentation):
    header = presented.licence.header
    record = registry(chain_home).key(header.authority, header.key_id)
    return licence.public_key_from_bytes(record.public_key)


def check_live(chain_home: Home, text: str, names: set[str] | None,
               now: int | None = None) -> licence.Presentation:
    """The Python reference accepts the JS-made presentation now, and not 90 s later."""
    shown = licence.decode_unverified(text)
    assert isinstance(shown, licence.Presentation)
    now = int(time.time()) if now is None else now
    shown.verify_device(now)
    shown.licence.verify_signature(authority_key(chain_home, shown))
    if names is not None:
        assert set(shown.licence.claims) == names
    with pytest.raises(ExpiredError) as stale:
        shown.verify_device(now + 90)
    assert stale.value.reason == "presentation_stale"
    return shown


def counter_shows_valid_live(browser: Browser, tmp_path: Path, base: str, qr_text: str,
                             title: str) -> None:
    """The counter page in a second browser, fed the code by a fake camera, shows VALID,
    live, and only the disclosed claim (its title)."""
    from ..web.test_counter_page import ARTIFACTS as COUNTER_ARTIFACTS
    from ..web.test_counter_page import browser_page, write_y4m

    video = write_y4m(tmp_path / "wallet-code.y4m", (qr_text, 5))
    same_playwright = SimpleNamespace(chromium=browser.browser_type)
    counter, page = browser_page(same_playwright, video)
    try:
        page.goto(f"{base}/verify")
        page.locator('#result[data-verdict="valid"]').wait_for(timeout=30_000)
        assert page.locator("#presentation").inner_text() == "手机实时出示，已绑定设备"
        claims = page.locator("#claims dt").all_inner_texts()
        assert len(claims) == 1 and title in claims[0]
        COUNTER_ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(COUNTER_ARTIFACTS / "live-age18.png"), full_page=True)
    finally:
        counter.close()


def test_status_revoked_is_said_plainly_on_the_card(chain_home: Home, app, server: Server,
                                                    browser: Browser, issued: list[dict]) -> None:
    if "elicence.verifier" not in app.extensions:
        pytest.skip("the verifier's status API is not part of this app")
    from verifier.sync import sync_index

    context = new_phone(browser)
    page = open_wallet(context, f"{server.url}/wallet/")
    claim(page, issued[2]["claim_code"])
    chain_home.run("revoke", "--authority", "CN-31-DMV", issued[2]["licence_number"],
                   "--reason", "fraud")
    sync_index(load_settings(chain_home.path, chain_home.env))
    page.reload()
    page.wait_for_selector("#cards li[data-status=revoked]")
    card = page.locator("#cards li").first
    assert "已吊销" in card.inner_text() and "不能再使用" in card.inner_text()
    assert card.locator("button.present").is_disabled()
    screenshot(page, "06-revoked")
    context.close()


def test_claim_present_verify_receipt_and_offline(chain_home: Home, app, server: Server,
                                                  browser: Browser, issued: list[dict],
                                                  tmp_path: Path) -> None:
    errors: list[str] = []
    context = new_phone(browser)
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    page = open_wallet(context, f"{server.url}/wallet/#claim={issued[0]['claim_code']}", errors)
    assert page.input_value("#claim-code") == issued[0]["claim_code"]
    assert "#claim" not in page.url  # the code does not stay in the history
    screenshot(page, "01-claim")
    page.click("#claim-submit")
    page.wait_for_selector("#claim-status.good")
    assert "本地校验通过" in page.text_content("#claim-status")  # signature checked too
    page.click("[data-view=licences]")
    card = page.locator("#cards li.card")
    assert card.count() == 1 and "CN-31-DMV" in card.inner_text()
    assert card.get_attribute("data-status") == "active"
    screenshot(page, "02-licences")
    assert serious_violations(page) == []

    text = present(page, "age18")
    assert "年满18周岁" in page.text_content("#present-summary")
    assert int(page.get_attribute("#qr", "data-version")) <= 15
    assert read_canvas(page) == text  # the drawn code is the text, readable by a camera
    assert "秒后刷新" in page.text_content("#countdown")
    screenshot(page, "03-present-age18")
    assert serious_violations(page) == []
    check_live(chain_home, text, {"age_over_18"})

    full = present_again(page, "full")
    assert int(page.get_attribute("#qr", "data-version")) <= 20
    check_live(chain_home, full, None)

    # The counter: a second browser whose fake camera films the wallet's live code.
    from verifier.sync import sync_index

    sync_index(load_settings(chain_home.path, chain_home.env))
    counter_shows_valid_live(browser, tmp_path, server.url, text, "年满18周岁")
    # The receipt of that verification reaches the holder's usage record.
    page.click("[data-view=record]")
    page.wait_for_selector("#receipts li")
    receipt = page.locator("#receipts li").first.inner_text()
    assert "年满18周岁" in receipt and "通过" in receipt
    screenshot(page, "04-usage-record")
    assert serious_violations(page) == []
    page.click("#record-delete-all")
    page.wait_for_selector("#record-status.good")
    assert page.locator("#receipts li").count() == 0

    # Offline: the service worker serves the shell once the server is gone.
    wait_for_service_worker(page)
    server.stop()
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.is_visible("#network")  # says plainly what works offline
    check_live(chain_home, present(page, "age18"), {"age_over_18"})
    screenshot(page, "05-offline-present")
    assert errors == []  # no script errors, no CSP violations
    assert requested and all(u.startswith(server.url + "/") for u in requested)  # no third party
    context.close()


def present_again(page, preset: str) -> str:
    page.check(f"#preset-{preset}")
    page.click("#present-button")
    page.wait_for_selector("#qr[data-qr]")
    return page.get_attribute("#qr", "data-qr")


def claim(page, code: str) -> None:
    page.click("[data-view=claim]")
    page.fill("#claim-code", code)
    page.press("#claim-code", "Enter")  # keyboard: Enter submits
    page.wait_for_selector("#claim-status.good, #claim-status.bad")


def test_used_and_malformed_codes_get_clear_messages(server: Server, browser: Browser,
                                                     issued: list[dict]) -> None:
    first, second = new_phone(browser), new_phone(browser, locale="en-GB")
    page = open_wallet(first, f"{server.url}/wallet/")
    claim(page, issued[1]["claim_code"])
    assert "good" in page.get_attribute("#claim-status", "class")
    other = open_wallet(second, f"{server.url}/wallet/")
    claim(other, issued[1]["claim_code"])
    assert "already been used on another device" in other.text_content("#claim-status")
    claim(other, "K7Q2-9XHM")
    assert "16 letters and digits" in other.text_content("#claim-status")
    assert other.locator("#cards li").count() == 0
    first.close()
    second.close()


def test_backup_moves_licences_but_not_the_device_key(server: Server, browser: Browser,
                                                      issued: list[dict], tmp_path) -> None:
    old, new = new_phone(browser), new_phone(browser)
    page = open_wallet(old, f"{server.url}/wallet/")
    claim(page, issued[3]["claim_code"])
    page.click("[data-view=backup]")
    page.fill("#export-pass", "correct horse")
    page.fill("#export-pass2", "correct horse")
    with page.expect_download() as download:
        page.click("#export-form button[type=submit]")
    backup = tmp_path / "backup.json"
    download.value.save_as(backup)
    sealed = json.loads(backup.read_text())
    assert sealed["format"] == "elicence-wallet-backup" and "赵" not in backup.read_text()
    screenshot(page, "07-backup")

    moved = open_wallet(new, f"{server.url}/wallet/")
    moved.click("[data-view=backup]")
    moved.set_input_files("#import-file", str(backup))
    moved.fill("#import-pass", "wrong passphrase")
    moved.click("#import-form button[type=submit]")
    moved.wait_for_selector("#backup-status.bad")
    moved.fill("#import-pass", "correct horse")
    moved.click("#import-form button[type=submit]")
    moved.wait_for_selector("#backup-status.good")
    moved.click("[data-view=licences]")
    card = moved.locator("#cards li").first
    assert "另一部手机" in card.inner_text()  # says how to re-bind with a new claim code
    assert card.locator("button.present").is_disabled()
    old.close()
    new.close()


def test_english_large_text_high_contrast_at_360px(server: Server, browser: Browser) -> None:
    context = new_phone(browser)
    page = open_wallet(context, f"{server.url}/wallet/")
    page.click("#lang")
    page.click("#large")
    page.click("#contrast")
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_attribute("#large", "aria-pressed") == "true"
    assert "My licences" in page.text_content("nav")
    for view in ("licences", "claim", "record", "backup"):
        page.click(f"[data-view={view}]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert serious_violations(page) == [], view
    screenshot(page, "08-english-large-contrast")
    # Keyboard only: Tab to "Add licence", Enter, and focus lands on the screen's heading.
    page.click("h1")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.view") == "claim":
            break
    page.keyboard.press("Enter")
    assert page.is_visible("#view-claim")
    assert page.evaluate("document.activeElement.id") == "h-claim"
    page.reload()  # settings are remembered
    page.wait_for_selector("body[data-ready=true]")
    assert page.get_attribute("html", "class") == "large contrast"
    context.close()


def test_wallet_headers_manifest_and_service_worker_scope(chain_home: Home, app) -> None:
    client = app.test_client()
    key = client.get("/wallet/api/key?authority=1&key=1")
    assert key.status_code == 200
    assert key.get_json()["public_key"] == registry(chain_home).key(1, 1).public_key.hex()
    assert client.get("/wallet/api/key?authority=1&key=99").status_code == 404
    shell = client.get("/wallet/")
    csp = shell.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "http" not in csp
    worker = client.get("/wallet/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/wallet/"
    body = worker.get_data(as_text=True)
    assert "/wallet/static/js/format.js" in body and "SHELL_VERSION" in body
    manifest = client.get("/wallet/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    for icon in manifest.get_json()["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert client.get("/wallet/schemas/nothing.json").status_code == 404
    assert client.get("/wallet/api/key?authority=x").status_code == 400



def test_live_code_renews_every_30_seconds_with_a_countdown(chain_home: Home, server: Server,
                                                            browser: Browser,
                                                            issued: list[dict]) -> None:
    context = new_phone(browser)
    page = context.new_page()
    page.clock.install()  # the page's timers and Date under test control: no sleeping
    page.goto(f"{server.url}/wallet/")
    page.wait_for_selector("body[data-ready=true]")
    claim(page, issued[4]["claim_code"])
    page.click("[data-view=licences]")
    # From here the page's time moves only when the test moves it, so a busy machine cannot
    # turn "30" into "29" before the test reads the countdown.
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)
    first = licence.decode_unverified(present(page, "driving"))
    assert set(first.licence.claims) == {"vehicle_classes", "expiry_date"}
    countdown = page.locator("#countdown")
    expect(countdown).to_contain_text("30", timeout=TIMEOUT_MS)
    page.clock.run_for(10_000)
    expect(countdown).to_contain_text("20", timeout=TIMEOUT_MS)
    page.clock.run_for(21_000)
    # Renewing signs with WebCrypto, which finishes after run_for returns: wait for the new
    # code by polling the attribute from Playwright (the page's CSP forbids string
    # predicates in page.wait_for_function once its first evaluation fails).
    expect(page.locator("#qr")).not_to_have_attribute("data-qr", first.to_qr(),
                                                      timeout=TIMEOUT_MS)
    page_now = int(page.evaluate("Date.now()") / 1000)  # the page's (installed) clock
    second = check_live(chain_home, page.get_attribute("#qr", "data-qr"),
                        {"vehicle_classes", "expiry_date"}, now=page_now)
    assert 30 <= second.time - first.time <= 32
    page.click("#present-stop")
    assert page.is_hidden("#qr-box")
    context.close()
