"""POST /api/v1/claims/export: a wallet copy exported as SD-JWT VC, vc+jwt or mdoc, signed by
the authority and bound to the copy's device key, asked for with that key; the exports
checked by the independent libraries (tests/interop) with a key binding made by the device,
and the attacks refused with one sentence and a fitting status each."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from issuer.claims.export import export_message
from issuer.issue.samples import BUSINESS_FIELDS, business_rows, write_csv
from licence._cose import sign
from tests.exports.support import check
from tests.support.claiming import b64, claimed, compressed, unb64
from tests.support.home import Home
from tests.support.issuing import issue_driving, issued_licences
from verifier.openapi import ERROR_REASONS, document

pytestmark = [pytest.mark.anvil, pytest.mark.timeout(600)]

DMV = "CN-31-DMV"
ROUTE = "/api/v1/claims/export"
DOCUMENTED = document()["paths"][ROUTE]["post"]["responses"]


def private_jwk(device: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    n = device.private_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64(n.public_numbers.x.to_bytes(32, "big")),
            "y": b64(n.public_numbers.y.to_bytes(32, "big")),
            "d": b64(n.private_value.to_bytes(32, "big"))}


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return issue_driving(chain_home, tmp_path_factory.mktemp("issue"), 7, start=61_000)


@pytest.fixture(scope="module")
def trust_dir(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("trust")
    chain_home.run("authority", "export-trust", DMV, "--out", str(out))
    return out


@pytest.fixture(scope="module")
def app(chain_home: Home):
    with chain_home.app() as app:
        yield app


def export_body(fmt: str, status_ref: bytes, device: ec.EllipticCurvePrivateKey, *,
                when: int | None = None, key: bytes | None = None,
                signed_format: str | None = None) -> dict:
    """An export request signed by `device` (for `key`, by default the device's own)."""
    when = int(time.time()) if when is None else when
    key = compressed(device) if key is None else key
    message = export_message(signed_format or fmt, when, status_ref, key)
    return {"format": fmt, "device_key": b64(key), "status_ref": b64(status_ref),
            "time": when, "signature": b64(sign(device, message))}


def refused(answer) -> tuple[int, str]:
    """(status, reason) of a refusal, checked to be one sentence and as documented."""
    error = answer.get_json()["error"]
    assert error["message"].count(". ") == 0 and error["message_zh"]  # one sentence each
    assert error["reason"] in ERROR_REASONS and str(answer.status_code) in DOCUMENTED
    return answer.status_code, error["reason"]


def copy_ref(copy: licence.Licence) -> str:
    return licence.copy_status_ref(copy.status_ref, copy.device_digest).hex()


def test_sd_jwt_vc_of_a_copy_passes_the_sd_jwt_library_with_device_key_binding(
        app, issued: list[dict], trust_dir: Path) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    copy = claimed(app, issued[0], device)
    answer = app.test_client().post(ROUTE, json=export_body("sd-jwt-vc", copy.status_ref,
                                                            device))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["format"], body["media_type"], body["authority"]) == (
        "sd-jwt-vc", "application/dc+sd-jwt", DMV)
    jwks = json.loads((trust_dir / "jwks.json").read_text())
    job = {"sd_jwt": body["export"], "jwks": jwks, "holder_private_jwk": private_jwk(device),
           "disclose": ["licence_number", "age_over_18"], "nonce": "n-61",
           "audience": "https://counter.example.org"}
    verdict = check("check_sd_jwt_vc.mjs", job)
    assert verdict["accepted"], verdict
    assert verdict["disclosed"]["licence_number"] == issued[0]["licence_number"]
    assert verdict["kid"] == str(body["key_id"])
    status = verdict["status"]["elicence_registry"]
    # Both references: the licence's, and this device's copy's (withdrawn alone).
    assert status["status_ref"] == issued[0]["status_ref"]
    assert status["copy_status_ref"] == copy_ref(copy)

    # Bound to this device: a key binding made by another key is refused by the library.
    other = ec.generate_private_key(ec.SECP256R1())
    assert not check("check_sd_jwt_vc.mjs", {**job, "holder_private_jwk": private_jwk(other)}
                     )["accepted"]


def test_mdoc_of_a_copy_passes_auth0_mdl_against_the_exported_root(
        app, issued: list[dict], trust_dir: Path) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    copy = claimed(app, issued[1], device)
    answer = app.test_client().post(ROUTE, json=export_body("mdoc", copy.status_ref, device))
    assert answer.status_code == 200, answer.get_json()
    exported = answer.get_json()["export"]
    mso = cbor2.loads(cbor2.loads(cbor2.loads(unb64(exported))["documents"][0]["issuerSigned"]
                                  ["issuerAuth"][2]).value)
    public = device.public_key().public_numbers()
    assert mso["deviceKeyInfo"]["deviceKey"][-2] == public.x.to_bytes(32, "big")
    job = {"mdoc_b64": exported, "iaca_root_pem": (trust_dir / "iaca-root.pem").read_text(),
           "device_private_jwk": private_jwk(device), "elements": ["document_number"],
           "transcript_b64": base64.b64encode(b"counter-61").decode()}
    verdict = check("check_mdoc.mjs", job)
    assert verdict["accepted"], verdict
    assert verdict["disclosed"] == {"document_number": issued[1]["licence_number"]}
    # Signed by a key other than the one in DeviceKeyInfo: refused by the library.
    other = ec.generate_private_key(ec.SECP256R1())
    assert not check("check_mdoc.mjs", {**job, "device_private_jwk": private_jwk(other)}
                     )["accepted"]


def test_vc_jwt_of_a_copy_names_the_device_key(app, issued: list[dict], trust_dir) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    copy = claimed(app, issued[2], device)
    answer = app.test_client().post(ROUTE, json=export_body("vc-jwt", copy.status_ref, device))
    assert answer.status_code == 200, answer.get_json()
    verdict = check("check_vc_jwt.mjs", {
        "vc_jwt": answer.get_json()["export"],
        "jwks": json.loads((trust_dir / "jwks.json").read_text())})
    assert verdict["accepted"], verdict
    holder = {k: v for k, v in private_jwk(device).items() if k != "d"}
    assert verdict["subject"]["holderKey"] == holder
    assert verdict["status"]["copyStatusReference"] == copy_ref(copy)


def test_a_copy_not_bound_to_the_asking_device_is_refused(app, issued: list[dict]) -> None:
    holder, thief = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    copy = claimed(app, issued[3], holder)
    client = app.test_client()
    # The thief's own key holds no copy of this licence.
    assert refused(client.post(ROUTE, json=export_body("sd-jwt-vc", copy.status_ref, thief))
                   ) == (404, "copy_unknown")
    # The holder's public key, signed by the thief: possession not proven.
    assert refused(client.post(ROUTE, json=export_body(
        "mdoc", copy.status_ref, thief, key=compressed(holder)))) == (401, "possession_unproven")
    # The holder's signature for one format does not buy another.
    assert refused(client.post(ROUTE, json=export_body(
        "mdoc", copy.status_ref, holder, signed_format="vc-jwt"))) == (
        401, "possession_unproven")


def test_a_replayed_or_stale_request_is_refused(app, issued: list[dict]) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    copy = claimed(app, issued[4], device)
    client = app.test_client()
    body = export_body("sd-jwt-vc", copy.status_ref, device)
    assert client.post(ROUTE, json=body).status_code == 200
    assert refused(client.post(ROUTE, json=body)) == (409, "request_replayed")
    earlier = export_body("mdoc", copy.status_ref, device, when=body["time"] - 5)
    assert refused(client.post(ROUTE, json=earlier)) == (409, "request_replayed")
    stale = export_body("mdoc", copy.status_ref, device, when=int(time.time()) - 600)
    assert refused(client.post(ROUTE, json=stale)) == (401, "request_time_invalid")


def test_a_withdrawn_copy_or_revoked_licence_is_not_exported(chain_home: Home, app,
                                                             issued: list[dict]) -> None:
    phone, other = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    copy = claimed(app, issued[5], phone)
    number = issued[5]["licence_number"]
    listed = chain_home.run("copies", number, "--authority", DMV).output.splitlines()
    fingerprint = next(line.split()[0] for line in listed[1:]
                       if copy_ref(copy).startswith(line.split()[0]))
    chain_home.run("revoke-copy", number, fingerprint, "--authority", DMV, "--reason",
                   "stolen")
    assert refused(app.test_client().post(ROUTE, json=export_body(
        "sd-jwt-vc", copy.status_ref, phone))) == (410, "copy_revoked")

    held = claimed(app, issued[6], other)
    chain_home.run("revoke", "--authority", DMV, issued[6]["licence_number"], "--reason",
                   "fraud")
    assert refused(app.test_client().post(ROUTE, json=export_body(
        "mdoc", held.status_ref, other))) == (409, "licence_not_active")


@pytest.mark.parametrize("body", [
    {}, {"time": "now"}, {"time": 1, "device_key": "!", "status_ref": "", "signature": ""},
    {"format": "pdf", "time": int(time.time()), "device_key": "AA", "status_ref": "AA",
     "signature": "AA"}])
def test_malformed_export_requests_get_json_errors(app, body: dict) -> None:
    assert refused(app.test_client().post(ROUTE, json=body)) == (400, "bad_request")


def test_an_mdoc_of_a_business_licence_is_refused(chain_home: Home, app,
                                                   tmp_path: Path) -> None:
    source = write_csv(tmp_path / "rows.csv", BUSINESS_FIELDS, iter(business_rows(1, seed=61)))
    chain_home.run("issue", "--authority", "CN-32-AMR", "--type", "business", "--input",
                   str(source), "--out", str(tmp_path / "out"), "--no-pdf", "--quiet")
    device = ec.generate_private_key(ec.SECP256R1())
    copy = claimed(app, issued_licences(tmp_path / "out")[0], device)
    assert refused(app.test_client().post(ROUTE, json=export_body(
        "mdoc", copy.status_ref, device))) == (422, "export_type_unsupported")


def test_a_request_that_is_not_json_is_refused(app) -> None:
    answer = app.test_client().post(ROUTE, data="format=mdoc")
    assert refused(answer) == (415, "unsupported_media_type")


def test_an_authority_moving_to_sm2_exports_with_its_es256_key(
        chain_home: Home, trust_dir: Path, tmp_path: Path) -> None:
    """JOSE and COSE have no SM2: a copy signed with the authority's new SM2 key is exported
    with its newest current ES256 key, as `elicence export` does (last: it adds a key)."""
    assert "(SM2 with SM3)" in chain_home.run("authority", "add-key", DMV, "--algorithm",
                                              "sm2").output
    entry = issue_driving(chain_home, tmp_path, 1, start=61_900)[0]
    device = ec.generate_private_key(ec.SECP256R1())
    with chain_home.app() as fresh:  # its claim service signs with the SM2 key now
        copy = claimed(fresh, entry, device)
        assert copy.header.key_id == 2
        answer = fresh.test_client().post(ROUTE, json=export_body("sd-jwt-vc", copy.status_ref,
                                                                  device))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["key_id"] == 1
    verdict = check("check_sd_jwt_vc.mjs", {
        "sd_jwt": answer.get_json()["export"],
        "jwks": json.loads((trust_dir / "jwks.json").read_text()),
        "holder_private_jwk": private_jwk(device), "disclose": ["licence_number"],
        "nonce": "n-sm2", "audience": "https://counter.example.org"})
    assert verdict["accepted"], verdict
