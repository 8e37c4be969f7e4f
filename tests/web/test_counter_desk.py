"""The counter page's heading names the desk (decision 0291): GET /api/v1/counter answers
which counter a request's token proved, with the names and region config.json's "counters"
table gives it, and the page (verifier/static/counter/desk.js) shows them in its heading,
in Chinese and in English, in a real browser (Debian's headless Chromium) over the
eth-tester world served by a werkzeug thread.

The hall is Pudong's service hall; its desk tax-3 is described in the table, bank-9 holds a
valid token but has no entry (the hall's heading stays), and a forged token is refused.
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
from .test_counter_token_browser import paste_and_answer

pytestmark = pytest.mark.timeout(180)
__all__ = ["playwright"]

HALL = {"counter_id": "hall", "counter_name_zh": "浦东服务大厅",
        "counter_name_en": "Pudong service hall", "counter_region": "310115"}
COUNTERS = {"tax-3": {"name_zh": "税务窗口", "name_en": "Tax window", "region": "330106"},
            "sh-2": {"name_en": "Pudong desk 2"}}  # no Chinese name, no place: the hall's
REFUSED_ZH = "柜台令牌无效，请使用为本柜台签发的令牌。"


@pytest.fixture(scope="module")
def app(web_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    made = world_app(web_world, tmp_path_factory.mktemp("desk") / "home", rate_limit="off",
                     **HALL, **{"counters": COUNTERS})  # type: ignore[arg-type]
    yield made
    made.extensions["elicence.verifier"].close()


def token(app: Flask, counter: str) -> str:
    return CounterTokens(app.extensions["elicence.verifier"].state.secret).mint(counter)


def ask(app: Flask, authorization: str | None):  # type: ignore[no-untyped-def]
    headers = {} if authorization is None else {"Authorization": authorization}
    return app.test_client().get("/api/v1/counter", headers=headers)


def test_a_described_desk_is_answered_with_its_own_names_and_region(app: Flask) -> None:
    answer = ask(app, f"Counter {token(app, 'tax-3')}")
    assert answer.status_code == 200
    assert answer.get_json() == {"counter_id": "tax-3", "name_zh": "税务窗口",
                                 "name_en": "Tax window", "region": "330106",
                                 "configured": True}
    assert answer.headers["Cache-Control"] == "no-store"


def test_names_and_place_a_desks_entry_leaves_out_are_the_halls(app: Flask) -> None:
    assert ask(app, f"Counter {token(app, 'sh-2')}").get_json() == {
        "counter_id": "sh-2", "name_zh": "浦东服务大厅", "name_en": "Pudong desk 2",
        "region": "310115", "configured": True}


def test_without_a_token_or_an_entry_the_answer_is_the_halls(app: Flask) -> None:
    assert ask(app, None).get_json() == {
        "counter_id": "hall", "name_zh": "浦东服务大厅", "name_en": "Pudong service hall",
        "region": "310115", "configured": False}
    assert ask(app, f"Counter {token(app, 'bank-9')}").get_json() == {
        "counter_id": "bank-9", "name_zh": "浦东服务大厅", "name_en": "Pudong service hall",
        "region": "310115", "configured": False}


def test_a_forged_token_is_refused_and_names_no_desk(app: Flask) -> None:
    answer = ask(app, f"Counter tax-3.{'A' * 22}")
    assert answer.status_code == 401
    error = answer.get_json()["error"]
    assert error["reason"] == "counter_token_invalid"
    assert error["message_zh"] == REFUSED_ZH
    assert "税务窗口" not in answer.get_data(as_text=True)


@pytest.mark.slow
def test_the_page_heading_names_the_desk_of_its_token(playwright, app: Flask,
                                                      web_world: World) -> None:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
    try:
        with serving(app) as running:
            def counter_page(fragment: str, learned: str | None):  # type: ignore[no-untyped-def]
                page = browser.new_context().new_page()  # a browser storage of its own
                page.goto(f"{running.url}/verify{fragment}")
                # desk.js marks what it learned; without a token it asks nothing.
                page.locator("#result[data-verdict=waiting]").wait_for(timeout=WAIT_MS)
                if learned is not None:
                    page.locator(f"#counter[data-desk={learned}]").wait_for(
                        state="attached", timeout=WAIT_MS)
                return page

            def heading(page) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
                place = page.locator("#counter-place")
                return (page.locator("#counter").inner_text(),
                        place.inner_text() if place.is_visible() else None)

            anonymous = counter_page("", None)
            assert heading(anonymous) == ("浦东服务大厅", None)

            desk = counter_page(f"#counter-token={token(app, 'tax-3')}", "own")
            assert heading(desk) == ("税务窗口", "地区 330106")
            assert desk.locator("#counter-token").inner_text() == "柜台令牌 tax-3"
            desk.click("#lang")
            assert heading(desk) == ("Tax window", "region 330106")
            assert desk.locator("#counter-token").inner_text() == "Counter token tax-3"
            desk.reload()  # the language and the token are kept: the desk in English again
            desk.locator("#counter[data-desk=own]").wait_for(state="attached", timeout=WAIT_MS)
            assert heading(desk) == ("Tax window", "region 330106")

            undescribed = counter_page(f"#counter-token={token(app, 'bank-9')}", "hall")
            assert heading(undescribed) == ("浦东服务大厅", None)
            assert undescribed.locator("#counter-token").inner_text() == "柜台令牌 bank-9"

            forged = counter_page(f"#counter-token=tax-3.{'A' * 22}", "refused")
            assert heading(forged) == ("浦东服务大厅", None)
            assert forged.locator("#counter-token").inner_text() == REFUSED_ZH
            assert paste_and_answer(forged, web_world.qr["good"]).status == 401
            assert forged.locator("#verdict-why").inner_text() == REFUSED_ZH
            assert heading(forged) == ("浦东服务大厅", None)
    finally:
        browser.close()
