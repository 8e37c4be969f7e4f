"""The wallet in a real browser with an authority that signs with SM2: the holder claims an
SM2 licence, the wallet checks the SM2 signature and the SM3 commitments on the phone
(sm-crypto-v2's bundle served from the wallet's own origin, under the strict CSP), the card
is usable, and its live code verifies in the Python reference. A licence whose signature
was altered on the way, or that comes with a key of the other suite, is refused and not
stored."""

from __future__ import annotations

import base64
import json
import time

import pytest
from playwright.sync_api import Browser, Route

import licence
from licence import _cbor
from licence.licence import K_SIGNATURE
from tests.support.home import Home
from tests.support.issuing import issue_driving, registry
from tests.support.serving import Server

from .browser import new_phone, open_wallet, present, screenshot

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


@pytest.fixture(scope="module")
def sm2_issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = chain_home.run("authority", "add-key", "CN-31-DMV", "--algorithm", "sm2").output
    assert "(SM2 with SM3)" in out
    return issue_driving(chain_home, tmp_path_factory.mktemp("sm2-wallet"), 4, start=7300)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claim(page, code: str) -> str:
    page.click("[data-view=claim]")
    page.fill("#claim-code", code)
    page.click("#claim-submit")
    page.wait_for_selector("#claim-status.good, #claim-status.bad")
    return page.text_content("#claim-status")


def test_holder_claims_an_sm2_licence_checked_on_the_phone(chain_home: Home, server: Server,
                                                           browser: Browser,
                                                           sm2_issued: list[dict]) -> None:
    errors: list[str] = []
    context = new_phone(browser)
    page = open_wallet(context, f"{server.url}/wallet/", errors)
    status = claim(page, sm2_issued[0]["claim_code"])
    assert "本地校验通过" in status  # the SM2 signature and SM3 proofs were checked here
    page.click("[data-view=licences]")
    card = page.locator("#cards li.card")
    assert card.count() == 1 and "CN-31-DMV" in card.inner_text()
    assert "另一部手机" not in card.inner_text()  # recognised as bound to this phone (SM3)
    assert card.locator("button.present").is_enabled()
    screenshot(page, "sm2-01-card")

    # The live code the phone makes from the SM2 copy (SM3 salts and multiproof, P-256
    # device signature) verifies in the Python reference under the registered SM2 key.
    text = present(page, "age18")
    shown = licence.decode_unverified(text)
    assert isinstance(shown, licence.Presentation)
    assert shown.licence.header.suite is licence.SM2_SM3
    assert set(shown.licence.claims) == {"age_over_18"}
    shown.verify_device(int(time.time()))
    header = shown.licence.header
    record = registry(chain_home).key(header.authority, header.key_id)
    shown.licence.verify_signature(licence.authority_key_from_bytes(record.public_key))
    assert errors == []  # the vendored bundle loads under the CSP, no script errors
    # ... and is in the service worker's shell, so SM2 licences are checked offline too.
    shell = page.request.get(f"{server.url}/wallet/sw.js").text()
    assert "/wallet/static/vendor/sm-crypto-v2.js" in shell
    context.close()


def tampered_claim_answer(change):
    """A route handler passing the claim answer on with its licence changed by `change`."""
    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        if response.status == 200 and "licence" in body:
            body["licence"] = b64(change(unb64(body["licence"])))
        route.fulfill(response=response, body=json.dumps(body))
    return handle


def flip_signature(cbor: bytes) -> bytes:
    m = _cbor.loads_limited(cbor)
    sig = m[K_SIGNATURE]
    return _cbor.dumps({**m, K_SIGNATURE: bytes([sig[0] ^ 1, *sig[1:]])})


def test_an_sm2_licence_with_a_wrong_signature_is_refused(server: Server, browser: Browser,
                                                          sm2_issued: list[dict]) -> None:
    """A copy altered on its way (one bit of its signature) is refused and not stored; the
    code is not lost to this wallet: the authority bound it to this phone's device key, so
    claiming again with the same code brings the same copy, which now passes."""
    context = new_phone(browser, locale="en-GB")
    context.route("**/api/v1/claims", tampered_claim_answer(flip_signature))
    page = open_wallet(context, f"{server.url}/wallet/")
    status = claim(page, sm2_issued[1]["claim_code"])
    assert "signature_invalid" in status and "not saved" in status
    page.click("[data-view=licences]")
    assert page.locator("#cards li.card").count() == 0

    context.unroute("**/api/v1/claims")
    assert "Checked on this phone" in claim(page, sm2_issued[1]["claim_code"])
    page.click("[data-view=licences]")
    assert page.locator("#cards li.card").count() == 1
    context.close()


def test_an_sm2_licence_with_an_es256_key_is_refused(chain_home: Home, server: Server,
                                                     browser: Browser,
                                                     sm2_issued: list[dict]) -> None:
    """The wallet asks the server for the registered key; a P-256 key given for an SM2
    licence is refused as the other suite's, never tried."""
    header = licence.decode_unverified(sm2_issued[0]["qr"]).header
    assert header.key_id == 2  # key 1 of the authority is its original ES256 key
    es256 = registry(chain_home).key(header.authority, 1)
    assert licence.suite_of_key(licence.authority_key_from_bytes(es256.public_key)) \
        is licence.ES256
    context = new_phone(browser, locale="en-GB")

    def other_suite(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=json.dumps(
            {**response.json(), "public_key": es256.public_key.hex()}))
    context.route("**/wallet/api/key?*", other_suite)
    page = open_wallet(context, f"{server.url}/wallet/")
    status = claim(page, sm2_issued[2]["claim_code"])
    assert "algorithm_mismatch" in status
    page.click("[data-view=licences]")
    assert page.locator("#cards li.card").count() == 0
    context.close()
