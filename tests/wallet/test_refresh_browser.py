"""The wallet refreshes a copy by itself (real Chromium, real chain): a holder whose copy was
signed before their 60th birthday opens the wallet and sees "Aged 60 or over: yes", with no
claim code; the refreshed copy is what the live code is then made from."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from issuer.store import Binding, IssuedLicence
from licence import Licence
from tests.support.home import Home
from tests.support.issuing import issued_licences, rows_file
from tests.support.refreshing import birthday_yesterday, sign_copy_days_ago
from tests.support.serving import Server

from .browser import (
    new_phone,
    open_wallet,
    present,
    screenshot,
    serious_violations,
    switch_language,
)
from .test_browser import claim

pytestmark = [pytest.mark.anvil, pytest.mark.slow]
OVER_60 = "#cards li:first-child dd[data-predicate=age_over_60]"


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("refresh-wallet")
    source = rows_file(tmp, 2, start=41_000, bad={0: {
        "birth_date": birthday_yesterday(60, int(time.time())), "issue_date": "2012-04-01"},
        1: {"birth_date": "1990-01-15"}})
    chain_home.run("issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
                   str(source), "--out", str(tmp / "out"), "--no-pdf", "--quiet")
    return issued_licences(tmp / "out")


def device_key_of(app, number: str) -> bytes:
    with app.extensions["elicence.claims"].store.session() as s:
        return s.scalars(select(Binding.device_key).join(
            IssuedLicence, IssuedLicence.id == Binding.licence_id).where(
            IssuedLicence.licence_number == number)).one()


def test_the_wallet_refreshes_a_copy_signed_before_a_birthday(
        chain_home: Home, app, server: Server, browser: Browser, issued: list[dict],
        tmp_path: Path) -> None:
    phone = new_phone(browser)
    page = open_wallet(phone, f"{server.url}/wallet/")
    claim(page, issued[0]["claim_code"])
    assert "good" in page.get_attribute("#claim-status", "class")
    page.click("[data-view=licences]")
    assert page.text_content(OVER_60) == "是"  # claimed today: computed for today

    # The copy this phone has held since three days ago, before the birthday.
    number = issued[0]["licence_number"]
    old = sign_copy_days_ago(app, number, device_key_of(app, number), 3, int(time.time()))
    page.evaluate("""async (cbor) => {
        const { licences } = await import("/wallet/static/js/store.js");
        const { renderCards } = await import("/wallet/static/js/views/licences.js");
        const [record] = await licences.all();
        await licences.put({ ...record, cbor: new Uint8Array(cbor) });
        await renderCards();
    }""", list(old))
    assert page.text_content(OVER_60) == "否"
    screenshot(page, "refresh-before-zh")

    # Back online (as when the phone reconnects): statuses, then the copy is refreshed.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(f"{OVER_60}:text-is('是')")
    assert page.text_content("#refresh-status") == "已更新机动车驾驶证：年满60周岁。"
    assert "good" in page.get_attribute("#refresh-status", "class")
    assert serious_violations(page) == []
    screenshot(page, "refresh-after-zh")

    # Opened again: nothing is due any more, so nothing is asked for.
    page.reload()
    page.wait_for_selector("body[data-refreshed=true]")
    assert page.is_hidden("#refresh-status") and page.text_content(OVER_60) == "是"

    assert switch_language(page) == "en"
    assert page.text_content(OVER_60) == "yes"
    assert "Aged 60 or over" in page.text_content("#cards li:first-child dl")

    # The live code is made from the refreshed copy, and a counter accepts it.
    shown = present(page, "age18")
    result = json.loads(chain_home.run("verify", shown, "--json", ok=False).output)
    assert result["verdict"] == "valid", result
    phone.close()


def test_a_copy_older_than_the_holders_setting_is_signed_again(
        app, server: Server, browser: Browser, issued: list[dict]) -> None:
    phone = new_phone(browser)
    page = open_wallet(phone, f"{server.url}/wallet/")
    claim(page, issued[1]["claim_code"])
    number = issued[1]["licence_number"]
    old = sign_copy_days_ago(app, number, device_key_of(app, number), 3, int(time.time()))
    page.evaluate("""async (cbor) => {
        const { licences } = await import("/wallet/static/js/store.js");
        const [record] = await licences.all();
        await licences.put({ ...record, cbor: new Uint8Array(cbor) });
        localStorage.setItem("wallet-prefs", JSON.stringify({ refreshAfterDays: 2 }));
    }""", list(old))
    page.reload()
    page.wait_for_selector("body[data-refreshed=true]")
    assert page.text_content("#refresh-status") == "已更新机动车驾驶证：重新签发，内容未变。"
    stored = page.evaluate("""async () => {
        const { licences } = await import("/wallet/static/js/store.js");
        const [record] = await licences.all();
        return Array.from(record.cbor);
    }""")
    signed = [Licence.from_bytes_unverified(c).header.issued_at for c in (old, bytes(stored))]
    assert signed[1] > signed[0] and page.text_content(OVER_60) == "否"
    phone.close()
