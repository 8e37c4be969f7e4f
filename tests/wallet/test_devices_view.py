"""The devices list in a licence's card (real Chromium, 360 px phone): the holder sees how
many devices hold the licence and when each was added, in plain words in Chinese and
English, including a copy the authority stopped with `elicence revoke-copy`."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from issuer.issue.outputs import read_claim_codes
from tests.support.home import Home
from tests.support.serving import Server

from .browser import new_phone, open_wallet, screenshot, serious_violations, switch_language
from .test_browser import claim

pytestmark = [pytest.mark.anvil, pytest.mark.slow]
IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


def open_devices(page) -> list[str]:
    """Opens the first card's devices list; its lines once the answer is shown."""
    page.click("[data-view=licences]")
    page.click("#cards li:first-child button.devices-button")
    page.wait_for_selector("#cards li:first-child .devices-box .devices-count, "
                           "#cards li:first-child .devices-box .status.bad")
    return page.locator("#cards li:first-child .devices li").all_inner_texts()


def test_the_card_lists_the_devices_holding_the_licence(
        chain_home: Home, server: Server, browser: Browser, issued: list[dict],
        tmp_path: Path) -> None:
    number = issued[5]["licence_number"]
    phone, tablet = new_phone(browser), new_phone(browser, user_agent=IPAD)
    page = open_wallet(phone, f"{server.url}/wallet/")
    claim(page, issued[5]["claim_code"])
    assert "good" in page.get_attribute("#claim-status", "class")

    lines = open_devices(page)
    count = page.text_content("#cards li:first-child .devices-count")
    assert count == "此证照只保存在 1 台设备上。"
    assert len(lines) == 1 and lines[0].startswith("本机") and "添加" in lines[0]

    # The holder adds the licence to a tablet with a fresh code from the authority.
    chain_home.run("new-claim-code", number, "--authority", "CN-31-DMV", "--out",
                   str(tmp_path / "codes"))
    [row] = read_claim_codes(tmp_path / "codes")
    other = open_wallet(tablet, f"{server.url}/wallet/")
    claim(other, row["claim_code"])
    assert "good" in other.get_attribute("#claim-status", "class")

    lines = open_devices(page)
    assert page.text_content("#cards li:first-child .devices-count") == \
        "此证照保存在 2 台设备上。"
    assert lines[0].startswith("本机") and lines[1].startswith("iPad")
    assert "联系发证机关" in page.text_content("#cards li:first-child .devices-box")
    assert serious_violations(page) == []

    # The authority stops the tablet's copy: the phone sees it stopped, the tablet is told.
    listed = chain_home.run("copies", number, "--authority", "CN-31-DMV").output.splitlines()
    tablet_copy = next(line.split()[0] for line in listed if "iPad" in line)
    chain_home.run("revoke-copy", number, tablet_copy, "--authority", "CN-31-DMV")
    lines = open_devices(page)
    assert page.text_content("#cards li:first-child .devices-count") == \
        "此证照只保存在 1 台设备上。"
    assert "已停用" in lines[1] and "已停用" not in lines[0]
    screenshot(page, "devices-list-zh")

    open_devices(other)
    assert "已停用本设备上的证照副本" in other.text_content(
        "#cards li:first-child .devices-box .status.bad")

    assert switch_language(page) == "en"
    lines = open_devices(page)
    assert page.text_content("#cards li:first-child .devices-count") == \
        "This licence is on 1 device only."
    assert lines[0].startswith("This phone") and "added" in lines[0] and "Stopped" in lines[1]
    screenshot(page, "devices-list-en")
    phone.close()
    tablet.close()
