"""Presenting on someone's behalf, with two phones in real browsers: the agent's wallet
shows its wallet code; the holder's wallet films it (Chromium's fake camera), signs a
delegation and shows a handover code; the agent's wallet films that, then shows live
codes that a counter page, filming the agent's phone, accepts as an authorised agent's.
The holder then revokes the delegation and the counter refuses the agent's next code."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page

import licence
from chain.config import load_settings
from tests.support.home import Home
from tests.support.polling import wait_until
from tests.support.serving import Server

from .browser import (
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    new_phone,
    open_wallet,
    screenshot,
    serious_violations,
)
from .test_challenge_browser import counter_challenge, keep_screenshot

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


def phone_with_camera(browser: Browser, video: Path) -> Browser:
    """Another Chromium whose fake camera films `video` (read when the camera starts)."""
    return browser.browser_type.launch(
        executable_path="/usr/bin/chromium", timeout=TIMEOUT_MS, args=[
            *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])


def film(path: Path, text: str) -> Path:
    from ..web.test_counter_page import write_y4m
    return write_y4m(path, (text, 5))


def open_delegation(page: Page) -> None:
    page.click("[data-view=delegation]")
    page.wait_for_selector("#delegations-received")


def test_agent_presents_on_the_holders_behalf(chain_home: Home, app, server: Server,
                                              browser: Browser, issued: list[dict],
                                              tmp_path: Path, pinned: int) -> None:
    # The agent's phone: its camera will film whatever the test writes to agent.y4m.
    agent_video = film(tmp_path / "agent.y4m", "ELDK:WAITING")
    agent_phone = phone_with_camera(browser, agent_video)
    holder_phone = None
    try:
        agent = open_wallet(new_phone(agent_phone, permissions=["camera"]),
                            f"{server.url}/wallet/")
        agent.clock.set_fixed_time(pinned)  # the counter's clock too (`pinned`)
        open_delegation(agent)
        agent.click("#agent-show-key")
        agent.wait_for_selector("#agent-key-qr[data-qr]")
        agent_code = agent.get_attribute("#agent-key-qr", "data-qr")
        assert agent_code.startswith("ELDK:")

        # The holder's phone films the agent's wallet code.
        holder_phone = phone_with_camera(browser, film(tmp_path / "holder.y4m", agent_code))
        holder = open_wallet(new_phone(holder_phone, permissions=["camera"]),
                             f"{server.url}/wallet/#claim={issued[1]['claim_code']}")
        holder.click("#claim-submit")
        holder.wait_for_selector("#claim-status.good")
        holder.clock.set_fixed_time(pinned)
        open_delegation(holder)
        holder.check("#delegate-preset-full")
        assert serious_violations(holder) == []
        keep_screenshot(holder, "wallet-delegate")
        holder.click("#delegate-scan")
        holder.wait_for_selector("#handover-qr[data-qr]")
        handover = holder.get_attribute("#handover-qr", "data-qr")
        assert handover.startswith("ELD1:")
        assert int(holder.get_attribute("#handover-qr", "data-version")) <= 20
        assert holder.locator(".delegation-given").count() == 1

        # The agent's phone films the handover code and keeps the delegation.
        film(agent_video, handover)
        agent.click("#agent-scan")
        agent.wait_for_selector("#agent-status.good")
        assert agent.locator(".delegation-received").count() == 1
        challenge, value = counter_challenge(server)  # typed, as the counter shows it
        agent.fill("#agent-challenge", challenge.lower())
        agent.click(".delegation-received button.show")
        agent.wait_for_selector("#agent-qr[data-qr]")
        live = agent.get_attribute("#agent-qr", "data-qr")
        assert int(agent.get_attribute("#agent-qr", "data-version")) <= 20  # full preset
        keep_screenshot(agent, "wallet-agent-code")
        shown = licence.decode_unverified(live)
        assert isinstance(shown, licence.Presentation) and len(shown.delegations) == 1
        assert shown.challenge == value

        from verifier.sync import sync_index
        sync_index(load_settings(chain_home.path, chain_home.env))
        counter_accepts_agent(browser, tmp_path, server.url, live, issued[1])

        # The holder revokes; the agent's next code is refused.
        holder.once("dialog", lambda dialog: dialog.accept())
        holder.click(".delegation-given button.revoke")
        holder.wait_for_selector("#delegate-status.good")
        assert holder.locator(".delegation-given .badge.revoked").count() == 1
        agent.click("#agent-stop")
        agent.click(".delegation-received button.show")
        wait_until(agent, "(old) => document.querySelector('#agent-qr').dataset.qr"
                   " && document.querySelector('#agent-qr').dataset.qr !== old", live)
        again = agent.get_attribute("#agent-qr", "data-qr")
        counter_refuses_revoked(browser, server.url, again)
        assert serious_violations(agent) == []

        # The agent removes the delegation from the phone.
        agent.click("#agent-stop")
        agent.once("dialog", lambda dialog: dialog.accept())
        agent.click(".delegation-received button.remove")
        agent.wait_for_selector(".delegation-received", state="detached")
    finally:
        agent_phone.close()
        if holder_phone is not None:
            holder_phone.close()


def counter_accepts_agent(browser: Browser, tmp_path: Path, base: str, live: str,
                          entry: dict) -> None:
    from ..web.test_counter_page import browser_page

    video = film(tmp_path / "counter.y4m", live)
    counter, page = browser_page(SimpleNamespace(chromium=browser.browser_type), video)
    try:
        page.goto(f"{base}/verify")
        page.locator('#result[data-verdict="valid"]').wait_for(timeout=30_000)
        line = page.locator("#agent")
        line.wait_for()
        text = line.inner_text()
        assert "代理人" in text and "授权至" in text
        assert entry["licence_number"] not in text  # the name, never the number
        page.click("#lang")
        wait_until(page, "document.querySelector('#agent').textContent"
                   ".startsWith('Presented by')")
        assert "on behalf of" in line.inner_text() and "until" in line.inner_text()
        screenshot(page, "counter-agent")
        keep_screenshot(page, "counter-agent")
    finally:
        counter.close()


def counter_refuses_revoked(browser: Browser, base: str, text: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{base}/verify")
        page.fill("#paste", text)
        page.click("#paste-form button[type=submit]")
        page.locator('#result[data-verdict="invalid"]').wait_for(timeout=30_000)
        assert "撤销" in page.locator("#verdict-why").inner_text()
        assert page.locator("#agent").is_hidden()
    finally:
        context.close()
