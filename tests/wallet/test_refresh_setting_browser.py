"""The holder changes after how many days the wallet refreshes a copy (real Chromium, real
chain, an installation whose default is 10 days): with copies signed 6 and 3 days ago,
nothing is due at 10 days; set to 4 days, the 6-day-old copy is signed again at once and
the 3-day-old one is not. The setting shows the days in use, refuses a number outside the
installation's range in one sentence, survives a reload, follows the language, is out of
the way in the simple mode, and still shows offline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from licence import Licence
from tests.support.home import Home
from tests.support.issuing import issued_licences, rows_file
from tests.support.refreshing import sign_copy_days_ago
from tests.support.serving import Server

from .browser import (
    new_phone,
    open_wallet,
    screenshot,
    serious_violations,
    wait_for_service_worker,
)
from .test_browser import claim
from .test_refresh_browser import device_key_of

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


@pytest.fixture(scope="module")
def app(chain_home: Home):
    with chain_home.app(ELICENCE_RATE_LIMIT="off", ELICENCE_WALLET_REFRESH_DAYS="10") as app:
        yield app


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("refresh-setting")
    # Birthdays far from today: only the copies' age can make them due.
    source = rows_file(tmp, 2, start=43_000, bad={
        0: {"birth_date": "1990-06-15", "issue_date": "2015-04-01"},
        1: {"birth_date": "1985-09-20", "issue_date": "2015-04-01"}})
    chain_home.run("issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
                   str(source), "--out", str(tmp / "out"), "--no-pdf", "--quiet")
    return issued_licences(tmp / "out")


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    phone = new_phone(browser)
    yield open_wallet(phone, f"{server.url}/wallet/")
    phone.close()


def stored_copies(page: Page) -> list[bytes]:
    return [bytes(c) for c in page.evaluate("""async () => {
        const { licences } = await import("/wallet/static/js/store.js");
        return (await licences.all()).map((r) => Array.from(r.cbor));
    }""")]


def signed_at(cbor: bytes) -> int:
    return Licence.from_bytes_unverified(cbor).header.issued_at


def test_the_holder_shortens_the_age_and_only_the_older_copy_is_refreshed(
        app, page: Page, issued: list[dict], tmp_path: Path) -> None:
    for licence in issued:
        claim(page, licence["claim_code"])
        assert "good" in page.get_attribute("#claim-status", "class")
    now = int(time.time())
    six, three = (sign_copy_days_ago(app, licence["licence_number"],
                                     device_key_of(app, licence["licence_number"]), days, now)
                  for licence, days in zip(issued, (6, 3), strict=True))
    page.evaluate("""async (copies) => {
        const { licences } = await import("/wallet/static/js/store.js");
        const { licenceFromBytes } = await import("/wallet/static/js/decode.js");
        const { schemaFor } = await import("/wallet/static/js/schemas.js");
        const f = await import("/wallet/static/js/format.js");
        for (const copy of copies) {
            const cbor = new Uint8Array(copy);
            const ref = f.toHex(licenceFromBytes(cbor, schemaFor).statusRef);
            const record = (await licences.all()).find((r) => r.statusRef === ref);
            await licences.put({ ...record, cbor });
        }
    }""", [list(six), list(three)])

    # The installation's 10 days: neither copy is due.
    page.reload()
    page.wait_for_selector("body[data-refreshed=true]")
    assert page.is_hidden("#refresh-status")
    assert sorted(stored_copies(page)) == sorted([six, three])
    assert page.text_content("#refresh-summary") == "证照更新：每10天（默认）"

    page.click("#refresh-summary")
    assert page.input_value("#refresh-days") == "10"
    assert page.text_content("#refresh-days-range") == "可设1至365天，本服务默认10天。"
    for wrong in ("0", "366", "2.5"):
        page.fill("#refresh-days", wrong)
        page.click("#refresh-form button[type=submit]")
        page.wait_for_selector("#refresh-setting-status.bad")
        assert page.text_content("#refresh-setting-status") == "请输入1至365之间的整天数。"
    assert page.is_hidden("#refresh-status")  # nothing changed, nothing asked for

    # Four days: the copy signed six days ago is signed again at once, the other is kept.
    page.fill("#refresh-days", "4")
    page.click("#refresh-form button[type=submit]")
    page.wait_for_selector("#refresh-status.good")
    assert page.text_content("#refresh-setting-status") == "已保存：证照副本超过4天后自动更新。"
    assert page.text_content("#refresh-status") == "已更新机动车驾驶证：重新签发，内容未变。"
    assert page.text_content("#refresh-summary") == "证照更新：每4天"
    copies = stored_copies(page)
    assert three in copies and six not in copies
    fresh = next(c for c in copies if c != three)
    assert signed_at(fresh) > signed_at(six) and signed_at(fresh) >= now - 60
    assert serious_violations(page) == []
    screenshot(page, "refresh-setting-zh")

    # Remembered on this phone, in either language; hidden in the simple mode.
    page.reload()
    page.wait_for_selector("body[data-refreshed=true]")
    assert page.is_hidden("#refresh-status") and three in stored_copies(page)
    page.click("#lang")
    page.wait_for_selector("#refresh-summary:text-is('Update copies: every 4 days')")
    page.click("#elder-mode")
    expect(page.locator("#refresh-setting")).to_be_hidden()
    expect(page.locator("#elder-show")).to_be_visible()
    page.click("#elder-mode")
    expect(page.locator("#refresh-summary")).to_be_visible()

    # Back to the installation's default.
    page.click("#refresh-summary")
    page.click("#refresh-default")
    page.wait_for_selector("#refresh-setting-status.good")
    assert page.text_content("#refresh-summary") == "Update copies: every 10 days (default)"
    assert page.input_value("#refresh-days") == "10"
    screenshot(page, "refresh-setting-en")


def test_a_stored_choice_outside_the_range_gives_the_installations_default(
        page: Page) -> None:
    page.evaluate("localStorage.setItem('wallet-prefs', JSON.stringify({refreshAfterDays: 0}))")
    page.reload()
    page.wait_for_selector("body[data-refreshed=true]")
    page.wait_for_selector("#refresh-summary:text-is('证照更新：每10天（默认）')")


def test_the_setting_shows_offline_from_the_cached_shell(browser: Browser,
                                                         server: Server) -> None:
    phone = new_phone(browser)
    page = open_wallet(phone, f"{server.url}/wallet/")
    wait_for_service_worker(page)
    server.stop()
    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#refresh-summary:text-is('证照更新：每10天（默认）')")
    page.click("#refresh-summary")
    assert page.text_content("#refresh-days-range") == "可设1至365天，本服务默认10天。"
    phone.close()
