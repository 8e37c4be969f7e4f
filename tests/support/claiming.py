"""A device claiming a licence from the claim service, as a wallet does: base64url, the
device's compressed key, and the signed claim (tests of copies, refreshes and exports)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric import ec

import licence
from issuer.claims.exchange import claim_message
from licence._cose import sign


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compressed(device: ec.EllipticCurvePrivateKey) -> bytes:
    return licence.compressed_public_key(device.public_key())


def claimed(app, entry: dict, device: ec.EllipticCurvePrivateKey) -> licence.Licence:
    """`entry`'s licence (an issued_licences entry with its claim code) claimed by `device`
    through `app`'s claim service; the copy the service answered."""
    client = app.test_client()
    challenge = unb64(client.post("/api/v1/claims/challenge").get_json()["challenge"])
    key = compressed(device)
    answer = client.post("/api/v1/claims", json={
        "code": entry["claim_code"], "device_key": b64(key), "challenge": b64(challenge),
        "signature": b64(sign(device, claim_message(challenge, entry["claim_code"], key)))})
    assert answer.status_code == 200, answer.get_json()
    return licence.Licence.from_bytes_unverified(unb64(answer.get_json()["licence"]))
