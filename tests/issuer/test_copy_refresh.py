"""POST /api/v1/claims/refresh: a wallet copy signed again with today's predicates, asked for
with the copy's device key and no claim code; and the attacks on it refused, one sentence
and a fitting status each (someone else's key, a replayed request, a revoked copy...)."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from issuer.claims.refresh import refresh_message
from licence._cose import sign
from tests.support.claiming import b64, claimed, compressed, unb64
from tests.support.home import Home
from tests.support.issuing import anchored_batches, issued_licences, registry, rows_file
from tests.support.refreshing import birthday_yesterday, sign_copy_days_ago
from verifier.openapi import ERROR_REASONS, document

pytestmark = pytest.mark.anvil

DMV = "CN-31-DMV"


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("refresh")
    birth = birthday_yesterday(60, int(time.time()))
    source = rows_file(tmp, 5, start=31_000, bad={0: {"birth_date": birth,
                                                      "issue_date": "2012-04-01"}})
    chain_home.run("issue", "--authority", DMV, "--type", "driving", "--input", str(source),
                   "--out", str(tmp / "out"), "--no-pdf", "--quiet")
    return issued_licences(tmp / "out")


@pytest.fixture(scope="module")
def app(chain_home: Home):
    with chain_home.app() as app:
        yield app


def refresh_body(status_ref: bytes, device: ec.EllipticCurvePrivateKey, *,
                 when: int | None = None, key: bytes | None = None) -> dict:
    """A refresh request signed by `device` (for `key`, by default the device's own)."""
    when = int(time.time()) if when is None else when
    key = compressed(device) if key is None else key
    return {"device_key": b64(key), "status_ref": b64(status_ref), "time": when,
            "signature": b64(sign(device, refresh_message(when, status_ref, key)))}


DOCUMENTED = document()["paths"]["/api/v1/claims/refresh"]["post"]["responses"]


def refused(answer) -> tuple[int, str]:
    """(status, reason) of a refusal, checked to be one sentence and as documented."""
    error = answer.get_json()["error"]
    assert error["message"].count(". ") == 0 and error["message_zh"]  # one sentence each
    assert error["reason"] in ERROR_REASONS and str(answer.status_code) in DOCUMENTED
    return answer.status_code, error["reason"]


def test_a_copy_signed_before_the_birthday_is_refreshed_to_over_60(
        chain_home: Home, app, issued: list[dict]) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    first = claimed(app, issued[0], device)
    assert first.claims["age_over_60"] is True  # claimed today: computed for today
    old = sign_copy_days_ago(app, issued[0]["licence_number"], compressed(device), 3,
                             int(time.time()))
    assert licence.Licence.from_bytes_unverified(old).claims["age_over_60"] is False

    anchors = len(anchored_batches(chain_home))
    answer = app.test_client().post("/api/v1/claims/refresh",
                                    json=refresh_body(first.status_ref, device))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["refreshed"], body["changed"]) == (True, ["age_over_60"])
    new = licence.Licence.from_bytes_unverified(unb64(body["licence"]))
    assert new.claims["age_over_60"] is True and new.status_ref == first.status_ref
    assert new.device_digest == first.device_digest
    assert len(anchored_batches(chain_home)) == anchors + 1
    key = registry(chain_home).key(new.header.authority, new.header.key_id)
    new.verify_signature(licence.public_key_from_bytes(key.public_key))

    # The refreshed copy is the one a live code is made from, and counters accept it.
    shown = licence.present(new, ["age_over_60"], device, int(time.time())).to_qr()
    result = json.loads(chain_home.run("verify", shown, "--json", ok=False).output)
    assert result["verdict"] == "valid" and result["claims"] == {"age_over_60": True}

    # Asked again at once with nothing changed: the same copy back, nothing anchored.
    again = app.test_client().post("/api/v1/claims/refresh",
                                   json=refresh_body(first.status_ref, device,
                                                     when=int(time.time()) + 1))
    assert again.status_code == 200 and again.get_json()["refreshed"] is False
    assert again.get_json()["licence"] == body["licence"]
    assert len(anchored_batches(chain_home)) == anchors + 1


def test_someone_elses_device_key_is_refused(app, issued: list[dict]) -> None:
    holder, thief = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    copy = claimed(app, issued[1], holder)
    client = app.test_client()
    # The thief's own key holds no copy of this licence.
    assert refused(client.post("/api/v1/claims/refresh", json=refresh_body(
        copy.status_ref, thief))) == (404, "copy_unknown")
    # The holder's public key, signed by the thief: possession not proven.
    assert refused(client.post("/api/v1/claims/refresh", json=refresh_body(
        copy.status_ref, thief, key=compressed(holder)))) == (401, "possession_unproven")


def test_a_replayed_or_stale_request_is_refused(app, issued: list[dict]) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    copy = claimed(app, issued[2], device)
    client = app.test_client()
    body = refresh_body(copy.status_ref, device)
    assert client.post("/api/v1/claims/refresh", json=body).status_code == 200
    assert refused(client.post("/api/v1/claims/refresh", json=body)) == (
        409, "request_replayed")
    earlier = refresh_body(copy.status_ref, device, when=body["time"] - 5)
    assert refused(client.post("/api/v1/claims/refresh", json=earlier)) == (
        409, "request_replayed")
    stale = refresh_body(copy.status_ref, device, when=int(time.time()) - 600)
    assert refused(client.post("/api/v1/claims/refresh", json=stale)) == (
        401, "request_time_invalid")


def test_a_revoked_copy_or_licence_is_not_refreshed(chain_home: Home, app,
                                                    issued: list[dict]) -> None:
    phone, other = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    copy = claimed(app, issued[3], phone)
    number = issued[3]["licence_number"]
    listed = chain_home.run("copies", number, "--authority", DMV).output.splitlines()
    chain_home.run("revoke-copy", number, listed[1].split()[0], "--authority", DMV,
                   "--reason", "stolen")
    assert refused(app.test_client().post("/api/v1/claims/refresh", json=refresh_body(
        copy.status_ref, phone))) == (410, "copy_revoked")

    held = claimed(app, issued[4], other)
    chain_home.run("revoke", "--authority", DMV, issued[4]["licence_number"], "--reason",
                   "fraud")
    assert refused(app.test_client().post("/api/v1/claims/refresh", json=refresh_body(
        held.status_ref, other))) == (409, "licence_not_active")


@pytest.mark.parametrize("body", [
    {}, {"time": "now"}, {"time": 1, "device_key": "!", "status_ref": "", "signature": ""}])
def test_malformed_refresh_requests_get_json_errors(app, body: dict) -> None:
    answer = app.test_client().post("/api/v1/claims/refresh", json=body)
    assert refused(answer) == (400, "bad_request")
