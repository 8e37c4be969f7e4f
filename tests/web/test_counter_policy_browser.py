"""The counter page under its own counter's policy, in a real browser (Debian's headless
Chromium) over the eth-tester world served by a werkzeug thread.

One installation, two counters: tax-3 takes only business licences, sh-1 Shanghai's. The
page given tax-3's token says a genuine Shanghai driving licence is not accepted at tax-3;
the page given sh-1's token says VALID; a page without a token gets the installation's
policy (everything accepted here); a page with a made-up token is refused, never tax-3's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from elicence.limits_counters import CounterTokens
from tests.support.polling import wait_until
from tests.support.serving import serving

from ..verifier.world import World
from .conftest import world_app
from .test_counter_page import CHROMIUM, WAIT_MS, playwright
from .test_counter_token_browser import paste_and_answer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
__all__ = ["playwright"]


@pytest.fixture(scope="module")
def served(web_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, Flask]]:
    app = world_app(web_world, tmp_path_factory.mktemp("cpolicy-page") / "home",
                    rate_limit="off", counter_id="hz-hall", **{  # type: ignore[arg-type]
                        "counter_policies": {"tax-3": {"accept_types": ["business"]},
                                             "sh-1": {"accept_regions": ["31"]}}})
    try:
        with serving(app) as running:
            yield running.url, app
    finally:
        app.extensions["elicence.verifier"].close()


def test_each_counters_page_applies_its_counters_policy(playwright, served,
                                                        web_world: World) -> None:
    base, app = served
    tokens = CounterTokens(app.extensions["elicence.verifier"].state.secret)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
    try:
        def counter_page(fragment: str):  # type: ignore[no-untyped-def]
            page = browser.new_context().new_page()  # a browser storage of its own
            page.goto(f"{base}/verify{fragment}")
            wait_until(page, "() => document.querySelector('#result')?.dataset.verdict "
                             "=== 'waiting'")
            return page

        tax3 = counter_page(f"#counter-token={tokens.mint('tax-3')}")
        tax3.locator("#counter-token:not([hidden])").wait_for(timeout=WAIT_MS)
        assert paste_and_answer(tax3, web_world.qr["good"]).status == 200
        assert tax3.locator("#result").get_attribute("data-verdict") == "not_accepted"
        assert tax3.locator("#verdict-word").inner_text() == "本柜台不受理"
        assert "（tax-3 号柜台的受理规则）" in tax3.locator("#verdict-why").inner_text()

        sh1 = counter_page(f"#counter-token={tokens.mint('sh-1')}")
        sh1.locator("#counter-token:not([hidden])").wait_for(timeout=WAIT_MS)
        paste_and_answer(sh1, web_world.qr["good"])
        assert sh1.locator("#result").get_attribute("data-verdict") == "valid"

        anonymous = counter_page("")
        paste_and_answer(anonymous, web_world.qr["good"])
        assert anonymous.locator("#result").get_attribute("data-verdict") == "valid"

        forged = counter_page(f"#counter-token=tax-3.{'A' * 22}")
        assert paste_and_answer(forged, web_world.qr["good"]).status == 401
        assert forged.locator("#result").get_attribute("data-verdict") == "unreadable"
        assert forged.locator("#verdict-why").inner_text() == \
            "柜台令牌无效，请使用为本柜台签发的令牌。"
    finally:
        browser.close()
