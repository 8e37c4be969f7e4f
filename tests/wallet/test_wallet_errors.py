"""Each failure the wallet meets is shown for what it is (headless Chromium, 360 px phone):
an unreachable network as offline, an error answer with the API's own message, a
malformed answer as unexpected. A claim whose authority signature cannot be checked is
refused and nothing is stored; claiming again later with the same code works. Presets and
licence types come from the schema files the server lists."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from playwright.sync_api import Browser, Page, Route

from chain.config import load_settings
from elicence.web_errors import MESSAGES_ZH
from licence.schema import all_schemas, load_schema
from tests.support.home import Home
from tests.support.serving import Server
from wallet.web import KeyLookup

from ..issuer.test_claims import wallet_claim
from .browser import new_phone, open_wallet, present

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

OFFLINE_ZH = "没有网络连接：领取证照需要联网，请联网后再试。"
NOT_SAVED_ZH = "证照未保存"
UNEXPECTED_ZH = "服务器的回答不符合预期，请稍后再试。"
UNKNOWN_CODE = "K7Q2-9XHM-3PWD-T8VN"  # well formed, issued to nobody


@contextmanager
def key_node_down(app: Flask, chain_home: Home) -> Iterator[None]:
    """The wallet's key lookup reads from a chain node that refuses connections (a port
    bound but not listening), as when the node is down; the claim server keeps its node."""
    real = app.extensions["elicence.wallet"]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
        settings = load_settings(chain_home.path, chain_home.env).with_values(rpc_url=dead)
        app.extensions["elicence.wallet"] = KeyLookup(settings)
        try:
            yield
        finally:
            app.extensions["elicence.wallet"] = real


def claim(page: Page, code: str) -> str:
    page.click("[data-view=claim]")
    page.fill("#claim-code", code)
    page.click("#claim-submit")
    page.wait_for_selector("#claim-status.good, #claim-status.bad")
    return page.text_content("#claim-status")


def stored_licences(page: Page) -> int:
    """Licences in the wallet's IndexedDB (what a reload would show)."""
    page.click("[data-view=licences]")
    return page.locator("#cards li").count()


def test_claim_is_refused_while_the_authority_key_is_unavailable(
        app, chain_home: Home, server: Server, browser: Browser, issued: list[dict]) -> None:
    context = new_phone(browser)
    page = open_wallet(context, f"{server.url}/wallet/")
    with key_node_down(app, chain_home):
        answer = app.test_client().get("/wallet/api/key?authority=1&key=1")
        assert answer.status_code == 503
        assert answer.get_json()["error"]["reason"] == "key_unavailable"
        text = claim(page, issued[0]["claim_code"])
        assert MESSAGES_ZH["key_unavailable"] in text and NOT_SAVED_ZH in text
        assert "bad" in page.get_attribute("#claim-status", "class")
        assert stored_licences(page) == 0
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        assert stored_licences(page) == 0
    # The code was spent on this device's key: claimed again, the same wallet gets the
    # same bound copy, now checked and stored.
    assert "本地校验通过" in claim(page, issued[0]["claim_code"])
    assert stored_licences(page) == 1
    context.close()


def test_a_network_failure_at_the_key_step_refuses_the_claim(
        server: Server, browser: Browser, issued: list[dict]) -> None:
    context = new_phone(browser)
    page = open_wallet(context, f"{server.url}/wallet/")
    context.route("**/wallet/api/key?*", lambda route: route.abort("internetdisconnected"))
    text = claim(page, issued[2]["claim_code"])
    assert text.startswith(OFFLINE_ZH) and NOT_SAVED_ZH in text
    assert stored_licences(page) == 0
    context.unroute("**/wallet/api/key?*")
    assert "本地校验通过" in claim(page, issued[2]["claim_code"])
    assert stored_licences(page) == 1
    context.close()


@pytest.mark.parametrize(("locale", "field"), [("zh-CN", "message_zh"), ("en-GB", "message")])
def test_an_error_answer_is_shown_with_its_own_message(
        app, server: Server, browser: Browser, locale: str, field: str) -> None:
    refused = wallet_claim(app.test_client(), UNKNOWN_CODE, ec.generate_private_key(ec.SECP256R1()))
    error = refused.get_json()["error"]
    assert (refused.status_code, error["reason"]) == (404, "claim_code_unknown")
    context = new_phone(browser, locale=locale)
    page = open_wallet(context, f"{server.url}/wallet/")
    assert claim(page, UNKNOWN_CODE) == error[field]
    context.close()


def test_offline_is_said_only_when_the_network_is_unreachable(
        server: Server, browser: Browser, issued: list[dict]) -> None:
    context = new_phone(browser)
    page = open_wallet(context, f"{server.url}/wallet/")
    code = issued[3]["claim_code"]
    # The request never reaches the server: offline.
    context.route("**/api/v1/claims/challenge", lambda route: route.abort("connectionrefused"))
    assert claim(page, code) == OFFLINE_ZH
    context.unroute("**/api/v1/claims/challenge")
    context.set_offline(True)
    assert claim(page, code) == OFFLINE_ZH
    context.set_offline(False)
    # A captive portal answers in the server's place: reachable, but not our API.
    context.route("**/api/v1/claims/challenge", portal)
    assert claim(page, code) == UNEXPECTED_ZH
    context.unroute("**/api/v1/claims/challenge")
    # The usage record: the same split.
    page.click("[data-view=record]")
    page.wait_for_selector("#record-status:not(:empty)")  # no receipts yet
    context.route("**/api/v1/receipts/query", lambda route: route.abort("internetdisconnected"))
    page.click("#record-refresh")
    page.locator("#record-status.bad").wait_for()
    assert page.text_content("#record-status") == "没有网络连接，无法查询用证记录。"
    context.unroute("**/api/v1/receipts/query")
    context.route("**/api/v1/receipts/query", portal)
    page.click("#record-refresh")
    page.locator("#record-status", has_text=UNEXPECTED_ZH).wait_for()
    context.close()


def portal(route: Route) -> None:
    route.fulfill(status=200, content_type="text/html",
                  body="<html><body>Sign in to the hotel Wi-Fi</body></html>")


def test_types_and_presets_come_from_the_schemas(app, server: Server, browser: Browser,
                                                 issued: list[dict]) -> None:
    index = app.test_client().get("/wallet/schemas/index.json").get_json()
    assert index == {"types": [{"name": s.name, "code": s.code, "title": dict(s.title)}
                               for s in all_schemas()]}
    worker = app.test_client().get("/wallet/sw.js").get_data(as_text=True)
    shell = json.loads(worker.split("const SHELL_FILES = ", 1)[1].split(";\n", 1)[0])
    assert "/wallet/schemas/index.json" in shell
    assert "/wallet/static/js/views/present.js" in shell  # new modules join the shell
    context = new_phone(browser)
    page = open_wallet(context, f"{server.url}/wallet/")
    assert "本地校验通过" in claim(page, issued[4]["claim_code"])
    page.click("[data-view=licences]")
    present(page, "age18")
    driving = load_schema("driving")
    labels = page.locator("#presets label").all_inner_texts()
    assert labels == ["完整证照", *(p.title["zh"] for p in driving.presets), "自定义"]
    assert page.locator("#presets input").evaluate_all("(all) => all.map((i) => i.id)") == \
        ["preset-full", *(f"preset-{p.name}" for p in driving.presets), "preset-custom"]
    assert driving.title["zh"] in page.text_content("#present-licence")
    context.close()
