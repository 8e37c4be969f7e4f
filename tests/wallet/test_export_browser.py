"""The wallet exports its copy in standard formats and presents the exports itself (real
Chromium, real chain, real claim service): an SD-JWT VC presented with a key-binding JWT and
an mdoc DeviceResponse with deviceAuth, both signed by the phone's non-extractable device
key, accepted by the independent libraries (@sd-jwt/sd-jwt-vc, @auth0/mdl) against the
authority's exported trust material; tampered or replayed presentations refused by them."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import cbor2
import pytest
from playwright.sync_api import Browser, Page, Route

from tests.exports.support import check
from tests.support.home import Home
from tests.support.issuing import issue_driving
from tests.support.polling import wait_until
from tests.support.serving import Server

from .browser import new_phone, open_wallet, serious_violations, switch_language
from .test_browser import claim

pytestmark = [pytest.mark.anvil, pytest.mark.slow, pytest.mark.timeout(600)]
CARD = "#cards li:first-child"


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return issue_driving(chain_home, tmp_path_factory.mktemp("export-wallet"), 2, start=77_000)


@pytest.fixture(scope="module")
def trust_dir(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("trust")
    chain_home.run("authority", "export-trust", "CN-31-DMV", "--out", str(out))
    return out


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def export(page: Page, fmt: str) -> str:
    """Exports the first licence in `fmt` from its card; the exported text shown."""
    page.click(f"{CARD} .export-box button[data-format={fmt}]")
    page.wait_for_selector(f"{CARD} .export-item[data-format={fmt}] textarea.export-text")
    return page.input_value(f"{CARD} .export-item[data-format={fmt}] textarea.export-text")


def make_presentation(page: Page, fmt: str, names: list[str], fields: dict[str, str]) -> str:
    item = f"{CARD} .export-item[data-format={fmt}]"
    for name in names:
        page.check(f"{item} input[name=disclose][value={name}]")
    for name, value in fields.items():
        page.fill(f"{item} input[name={name}]", value)
    page.click(f"{item} form.export-present button[type=submit]")
    return wait_until(page, """(sel) => {
        const out = document.querySelector(sel);
        return out && !out.hidden && out.value;
    }""", f"{item} textarea.presentation-text")


def test_the_wallet_exports_and_presents_sd_jwt_vc_and_mdoc(
        server: Server, browser: Browser, issued: list[dict], trust_dir: Path) -> None:
    phone = new_phone(browser)
    page = open_wallet(phone, f"{server.url}/wallet/")
    claim(page, issued[0]["claim_code"])
    assert "good" in page.get_attribute("#claim-status", "class")
    page.click("[data-view=licences]")
    page.click(f"{CARD} button.export-button")
    assert page.text_content(f"{CARD} button[data-format=sd-jwt-vc]") == "导出为 SD-JWT VC"

    # SD-JWT VC: the wallet's key-binding JWT (nonce, audience) checked by @sd-jwt.
    sd_jwt = export(page, "sd-jwt-vc")
    assert "已导出并保存：SD-JWT VC" in page.text_content(f"{CARD} .export-box .status.good")
    with page.expect_download() as download:
        page.click(f"{CARD} .export-item[data-format=sd-jwt-vc] a.export-download")
    assert download.value.suggested_filename == "driving-licence.sd-jwt"
    assert Path(download.value.path()).read_text() == sd_jwt
    jwks = json.loads((trust_dir / "jwks.json").read_text())
    audience, nonce = "https://counter.example.org", "n-77-wallet"
    # Without what the verifier gave: one sentence saying what to fill in.
    page.click(f"{CARD} .export-item[data-format=sd-jwt-vc] form.export-present "
               "button[type=submit]")
    assert page.text_content(f"{CARD} .export-present .status.bad") == (
        "请填写验证方提供的信息，并至少选择一项。")
    presented = make_presentation(page, "sd-jwt-vc", ["licence_number", "age_over_18"],
                                  {"audience": audience, "nonce": nonce})
    job = {"sd_jwt": sd_jwt, "presented": presented, "jwks": jwks,
           "disclose": ["licence_number", "age_over_18"], "nonce": nonce, "audience": audience}
    verdict = check("check_sd_jwt_vc.mjs", job)
    assert verdict["accepted"], verdict
    assert verdict["disclosed"]["licence_number"] == issued[0]["licence_number"]
    # Only the chosen disclosures left the phone.
    assert presented.count("~") == 3
    # Replayed to another verifier, or with another nonce, or tampered: refused.
    assert not check("check_sd_jwt_vc.mjs", {**job, "verify_audience": "https://other.example"}
                     )["accepted"]
    assert not check("check_sd_jwt_vc.mjs", {**job, "verify_nonce": "n-other"})["accepted"]
    jwt, _first, *rest = presented.split("~")
    forged = b64url(json.dumps(["c2FsdA", "licence_number", "310000000000000000"]).encode())
    assert not check("check_sd_jwt_vc.mjs", {
        **job, "presented": "~".join([jwt, forged, *rest])})["accepted"]

    # mdoc: the wallet's DeviceResponse for a session transcript, checked by @auth0/mdl
    # against the exported IACA root.
    mdoc = export(page, "mdoc")
    session = b"counter-session-77"
    transcript = cbor2.dumps(cbor2.CBORTag(24, cbor2.dumps(["elicence-test", session.hex()])))
    response = make_presentation(page, "mdoc", ["document_number", "age_over_18"],
                                 {"transcript": b64url(transcript)})
    job = {"mdoc_b64": mdoc, "iaca_root_pem": (trust_dir / "iaca-root.pem").read_text(),
           "elements": ["document_number", "age_over_18"], "encoded_response_b64": response,
           "transcript_b64": base64.b64encode(session).decode()}
    verdict = check("check_mdoc.mjs", job)
    assert verdict["accepted"], verdict
    assert verdict["disclosed"] == {"document_number": issued[0]["licence_number"],
                                    "age_over_18": True}
    # Replayed into another session, or with a byte of the device signature changed: refused.
    assert not check("check_mdoc.mjs", {
        **job, "verify_transcript_b64": base64.b64encode(b"another-session").decode()}
        )["accepted"]
    tampered = bytearray(base64.urlsafe_b64decode(response + "=" * (-len(response) % 4)))
    # The response ends with the device signature's 64 bytes, then "status": 0 (8 bytes).
    tampered[-20] ^= 1
    assert not check("check_mdoc.mjs", {**job, "encoded_response_b64": b64url(bytes(tampered))}
                     )["accepted"]
    assert serious_violations(page) == []

    # Saved: after a reload both exports are still there; the words switch to English.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert switch_language(page) == "en"
    page.click(f"{CARD} button.export-button")
    page.wait_for_selector(f"{CARD} .export-item[data-format=mdoc]")
    assert page.input_value(f"{CARD} .export-item[data-format=sd-jwt-vc] textarea") == sd_jwt
    assert page.text_content(f"{CARD} button[data-format=mdoc]") == (
        "Export as ISO mdoc (driving licence)")

    # Removing the licence removes its exports (the same personal data) from the phone.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"{CARD} article > .actions button.danger")
    page.wait_for_selector("#no-licences:not([hidden])")
    assert page.evaluate("""async () => {
        const { exportsStore } = await import("/wallet/static/js/export.js");
        return (await exportsStore.all()).length;
    }""") == 0
    phone.close()



def test_an_export_altered_on_the_way_is_not_stored(server: Server, browser: Browser,
                                                   issued: list[dict]) -> None:
    """The wallet checks the authority's signature on what it is sent: an SD-JWT VC whose
    payload was changed on the way (another holder key in cnf) is refused and not kept."""
    phone = new_phone(browser, locale="en-GB")
    page = open_wallet(phone, f"{server.url}/wallet/")
    claim(page, issued[1]["claim_code"])
    page.click("[data-view=licences]")

    def altered(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        jwt, *disclosures = body["export"].split("~")
        header, payload, signature = jwt.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["exp"] += 86_400  # one more day of validity
        payload = b64url(json.dumps(claims).encode())
        body["export"] = "~".join([f"{header}.{payload}.{signature}", *disclosures])
        route.fulfill(response=response, body=json.dumps(body))

    phone.route("**/api/v1/claims/export", altered)
    page.click(f"{CARD} button.export-button")
    page.click(f"{CARD} .export-box button[data-format=sd-jwt-vc]")
    page.wait_for_selector(f"{CARD} .export-box .status.bad")
    assert page.text_content(f"{CARD} .export-box .status.bad") == (
        "The export the authority sent does not carry a valid signature of its registered "
        "key, so it was not saved.")
    assert page.evaluate("""async () => {
        const { exportsStore } = await import("/wallet/static/js/export.js");
        return (await exportsStore.all()).length;
    }""") == 0
    phone.close()
