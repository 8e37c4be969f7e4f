"""The counter page sends its counter token (verifier/static/counter/token.js) in a real
browser (Debian's headless Chromium), over the eth-tester world served by a werkzeug thread.

Given once as /verify#counter-token=TOKEN, the token leaves the address bar, stays in the
browser, goes with every API request, and the counter's own budget applies: more
verifications than the address's budget allows all pass. A forged token is answered 401 and
said so on screen; forgotten, the address's budget applies again and refuses.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from elicence.limits_counters import CounterTokens
from tests.support.serving import serving

from ..verifier.world import World
from .conftest import world_app
from .test_counter_page import CHROMIUM, WAIT_MS, playwright

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
__all__ = ["playwright"]  # the fixture, shared with the camera tests

ADDRESS_BUDGET = 4  # verifications a minute for the browser's address (127.0.0.1)


@pytest.fixture(scope="module")
def served(web_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, Flask]]:
    app = world_app(web_world, tmp_path_factory.mktemp("token") / "home",
                    rate_limit=f"{ADDRESS_BUDGET}/minute", counter_rate_limit="1000/minute",
                    counter_id="bank-7")
    try:
        with serving(app) as running:
            yield running.url, app
    finally:
        app.extensions["elicence.verifier"].close()


def paste_and_answer(page, text: str):  # type: ignore[no-untyped-def]
    """Pastes a code and returns the /api/v1/verify response it caused."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/verify"),
                              timeout=WAIT_MS) as answer:
        page.fill("#paste", text)
        page.locator("#paste-form button").press("Enter")
    response = answer.value
    page.locator("#result:not([data-verdict=checking])").wait_for(timeout=WAIT_MS)
    return response


def test_the_counter_page_spends_its_counters_budget(playwright, served, web_world) -> None:
    base, app = served
    token = CounterTokens(app.extensions["elicence.verifier"].state.secret).mint("bank-7")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
    try:
        page = browser.new_context().new_page()
        page.goto(f"{base}/verify#counter-token={token}")
        page.locator("#counter-token:not([hidden])").wait_for(timeout=WAIT_MS)
        assert page.locator("#counter-token").inner_text() == "柜台令牌 bank-7"
        assert page.url == f"{base}/verify"  # out of the address bar and the history

        for _ in range(ADDRESS_BUDGET + 2):  # more than the address may spend
            response = paste_and_answer(page, web_world.qr["good"])
            assert response.status == 200
            assert response.request.headers["authorization"] == f"Counter {token}"
            assert page.locator("#result").get_attribute("data-verdict") == "valid"

        page.reload()  # kept by the browser
        assert paste_and_answer(page, web_world.qr["good"]).request.headers[
            "authorization"] == f"Counter {token}"

        page.goto("about:blank")
        page.goto(f"{base}/verify#counter-token=bank-7.{'A' * 22}")  # forged
        refused = paste_and_answer(page, web_world.qr["good"])
        assert refused.status == 401
        assert page.locator("#result").get_attribute("data-verdict") == "unreadable"
        assert page.locator("#verdict-why").inner_text() == \
            "柜台令牌无效，请使用为本柜台签发的令牌。"

        # Forgotten, given to the open page (the page starts again): the address pays again.
        page.evaluate("window.location.hash = 'counter-token='")
        page.locator("#counter-token[hidden]").wait_for(state="attached", timeout=WAIT_MS)
        page.locator("#result[data-verdict=waiting]").wait_for(timeout=WAIT_MS)
        statuses = []
        for _ in range(ADDRESS_BUDGET):
            response = paste_and_answer(page, web_world.qr["good"])
            assert "authorization" not in response.request.headers
            statuses.append(response.status)
            if response.status == 429:
                break
        assert statuses[-1] == 429
        assert page.locator("#verdict-why").inner_text() == "请求过于频繁，请稍候再试。"
    finally:
        browser.close()
