"""The history in a licence's card (real Chromium, 360 px phone), over a real anvil chain
and the real issuer: when this phone's copy was added, then a suspension and its end as the
authority sends them, in plain Chinese and English — asked with a live code that discloses
no claim."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from playwright.sync_api import Browser

from chain.config import load_settings
from tests.support.home import Home
from tests.support.serving import Server

from .browser import new_phone, open_wallet, screenshot, serious_violations, switch_language
from .test_browser import claim

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


def open_history(page) -> list[str]:
    """Opens the first card's history; its lines once the answer is shown."""
    page.click("[data-view=licences]")
    page.click("#cards li:first-child button.history-button")
    page.wait_for_selector("#cards li:first-child .history-box ol.history, "
                           "#cards li:first-child .history-box .status.bad")
    return page.locator("#cards li:first-child .history-box li").all_inner_texts()


def test_the_card_shows_the_licences_history(chain_home: Home, app, server: Server,
                                              browser: Browser, issued: list[dict]) -> None:
    from licence import decode_unverified
    from verifier.sync import sync_index

    number = issued[4]["licence_number"]
    context = new_phone(browser)
    asked: list[dict] = []
    context.on("request", lambda r: asked.append(json.loads(r.post_data or "{}"))
               if r.url.endswith("/api/v1/history") else None)
    page = open_wallet(context, f"{server.url}/wallet/")
    claim(page, issued[4]["claim_code"])
    assert "good" in page.get_attribute("#claim-status", "class")
    settings = load_settings(chain_home.path, chain_home.env)
    sync_index(settings)

    lines = open_history(page)
    assert len(lines) == 1 and "本机证照添加" in lines[0]
    assert page.text_content("#cards li:first-child .history-box .muted") == "没有状态变更。"
    # The question is a live code of this phone disclosing nothing: no claim leaves it.
    assert asked[-1]["qr"].startswith("ELP1:")
    assert decode_unverified(asked[-1]["qr"]).licence.claims == {}

    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    chain_home.run("suspend", "--authority", "CN-31-DMV", number, "--until", until,
                   "--reason", "court_order")
    chain_home.run("reinstate", "--authority", "CN-31-DMV", number)
    sync_index(settings)
    lines = open_history(page)
    assert [page.locator("#cards li:first-child .history-box li").nth(i).get_attribute(
        "data-event") for i in range(3)] == ["copy_added", "suspended", "reinstated"]
    assert "暂扣" in lines[1] and "至" in lines[1] and "恢复有效" in lines[2]
    box = page.text_content("#cards li:first-child .history-box")
    assert "没有状态变更" not in box and "null" not in box
    assert serious_violations(page) == []
    screenshot(page, "history-card-zh")

    assert switch_language(page) == "en"
    lines = open_history(page)
    assert "Added to this phone" in lines[0] and "Suspended until" in lines[1]
    assert "Reinstated" in lines[2]
    screenshot(page, "history-card-en")
    context.close()
