"""The claim exchange: a wallet's device key gets a bound, anchored copy of the licence."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from chain.config import load_settings
from issuer.claims.codes import ClaimCodeError
from issuer.claims.exchange import claim_message
from licence._cose import sign
from tests.support.home import Home
from tests.support.issuing import (
    anchored_batches,
    issue_driving,
    registry,
)

pytestmark = pytest.mark.anvil


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return issue_driving(chain_home, tmp_path_factory.mktemp("claims"), 4, start=9000)


@pytest.fixture(scope="module")
def client(chain_home: Home):
    with chain_home.app() as app:
        yield app.test_client()


def wallet_claim(client, code: str, device: ec.EllipticCurvePrivateKey,
                 uncompressed: bool = False, tamper: bool = False):
    challenge = unb64(client.post("/api/v1/claims/challenge").get_json()["challenge"])
    key = device.public_key().public_bytes(
        *licence_key_format(uncompressed))
    try:
        message = claim_message(challenge, code, key)
    except ClaimCodeError:  # a wallet would refuse this code; send it anyway to test the API
        message = b"not a claim"
    signature = sign(device, message)
    if tamper:
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    return client.post("/api/v1/claims", json={
        "code": code, "device_key": b64(key), "challenge": b64(challenge),
        "signature": b64(signature)})


def licence_key_format(uncompressed: bool):
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return Encoding.X962, (PublicFormat.UncompressedPoint if uncompressed
                           else PublicFormat.CompressedPoint)


def test_claim_binds_anchors_and_can_be_presented_live(chain_home: Home, client,
                                                      issued: list[dict]) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    anchors = len(anchored_batches(chain_home))
    answer = wallet_claim(client, issued[0]["claim_code"].lower(), device, uncompressed=True)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["authority"] == "CN-31-DMV" and body["licence_type"] == "driving"

    bound = licence.Licence.from_bytes_unverified(unb64(body["licence"]))
    printed = licence.decode_unverified(issued[0]["qr"])
    assert bound.claims == printed.claims and bound.status_ref == printed.status_ref
    assert bound.device_digest == licence.device_key_digest(
        licence.compressed_public_key(device))
    key = registry(chain_home).key(bound.header.authority, bound.header.key_id)
    bound.verify_signature(licence.public_key_from_bytes(key.public_key))
    new = anchored_batches(chain_home)[anchors:]
    assert [bytes(a["roots"]) for a in new] == [bound.subtree_root()]

    now = bound.header.issued_at
    shown = licence.present(bound, ["age_over_18"], device, now)
    decoded = licence.decode_unverified(shown.to_qr())
    decoded.verify_device(now)
    assert set(decoded.licence.claims) == {"age_over_18"}

    again = wallet_claim(client, issued[0]["claim_code"], device)
    assert again.status_code == 200 and again.get_json()["licence"] == body["licence"]
    assert len(anchored_batches(chain_home)) == anchors + 1

    other = wallet_claim(client, issued[0]["claim_code"], ec.generate_private_key(ec.SECP256R1()))
    assert other.status_code == 410
    assert other.get_json()["error"]["reason"] == "claim_code_used"


@pytest.mark.parametrize(("code", "kwargs", "status", "reason"), [
    ("0000-0000-0000-0000", {}, 404, "claim_code_unknown"),
    ("K7Q2-9XHM", {}, 400, "claim_code_malformed"),
    (None, {"tamper": True}, 401, "possession_unproven"),
])
def test_refused_claims(client, issued: list[dict], code, kwargs, status, reason) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    answer = wallet_claim(client, code or issued[1]["claim_code"], device, **kwargs)
    assert answer.status_code == status
    error = answer.get_json()["error"]
    assert error["reason"] == reason and error["message"] and error["message_zh"]


def test_malformed_requests_get_json_errors(client) -> None:
    assert client.post("/api/v1/claims", data="x", content_type="text/plain").status_code == 415
    bad = client.post("/api/v1/claims", json={"code": "0000-0000-0000-0000", "device_key": "!",
                                              "challenge": "", "signature": ""})
    assert bad.status_code == 400 and bad.get_json()["error"]["reason"] == "bad_request"
    forged = client.post("/api/v1/claims", json={
        "code": "0000-0000-0000-0000", "device_key": b64(b"\x02" * 33),
        "challenge": b64(b"\0" * 40), "signature": b64(b"\0" * 64)})
    assert forged.get_json()["error"]["reason"] == "challenge_invalid"
    assert client.get("/api/v1/nothing").status_code == 404



def test_claims_keep_working_when_another_process_sends_for_the_authority(
        chain_home: Home, client, issued: list[dict]) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    first = wallet_claim(client, issued[2]["claim_code"], device)
    assert first.status_code == 200, first.get_json()
    # The CLI, in another "process", uses the authority's account: its nonce moves on.
    chain_home.run("revoke", "--authority", "CN-31-DMV", issued[3]["licence_number"],
                   "--reason", "lost")
    second = wallet_claim(client, issued[1]["claim_code"], device)
    assert second.status_code == 200, second.get_json()


def test_an_expired_claim_code_is_refused_with_advice(chain_home: Home, client,
                                                     issued: list[dict]) -> None:
    from sqlalchemy import update

    from issuer.store import IssuedLicence, Store

    store = Store.open(load_settings(chain_home.path, chain_home.env).store_url)
    with store.session() as s:
        s.execute(update(IssuedLicence).where(
            IssuedLicence.licence_number == issued[3]["licence_number"])
            .values(claim_expires_at=1))
    answer = wallet_claim(client, issued[3]["claim_code"], ec.generate_private_key(ec.SECP256R1()))
    assert answer.status_code == 410
    error = answer.get_json()["error"]
    assert error["reason"] == "claim_code_expired" and "new code" in error["message"]
