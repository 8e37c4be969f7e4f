"""Each export checked by a library we did not write (tests/interop/*.mjs under node), on a
genuine export and on tampered ones."""

from __future__ import annotations

import base64
import json
import time

import cbor2
import pytest

from licence.exports import mdoc, sd_jwt_vc, vc_jwt
from tests.exports.support import Authority, b64url, check, device_jwks

NONCE, AUDIENCE = "n-4f1c9a", "https://counter.example.org"
# What each library says about each defect: the rejection is for the defect, not by chance.
SD_JWT_REASONS = {
    "payload_changed": "Invalid JWT Signature", "other_issuer_key": "Invalid JWT Signature",
    # The library drops a disclosure whose digest the issuer never signed; the claim the
    # verifier requires is then missing.
    "disclosure_forged": "Missing required claim keys: vehicle_classes",
    "wrong_nonce": "Invalid Nonce", "wrong_audience": "key binding is for audience",
    "other_holder_key": "Invalid JWT Signature", "expired": "JWT is expired",
}
VC_REASONS = {"payload_changed": "signature verification failed",
              "other_issuer_key": "signature verification failed",
              "expired": '"exp" claim timestamp check failed'}
MDOC_REASONS = {
    "element_changed": "driving_privileges attribute must match the digest",
    "other_root": "No valid certificate paths found",
    "other_device_key": "Device signature must be valid",
    "other_transcript": "Device signature must be valid",
    "other_issuer_key": "Issuer signature must be valid",
}


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority.make()


@pytest.fixture(scope="module")
def holder() -> tuple[dict, dict]:
    return device_jwks()


def sd_job(authority: Authority, sd_jwt: str, private: dict, **extra) -> dict:
    return {"sd_jwt": sd_jwt, "jwks": authority.jwks(), "holder_private_jwk": private,
            "disclose": ["age_over_18", "vehicle_classes"], "nonce": NONCE,
            "audience": AUDIENCE, **extra}


def flip_payload(jwt: str, change) -> str:
    """The JWT with its payload changed and the original signature kept."""
    head, body, sig = jwt.split("~")[0].split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    change(payload)
    new_body = b64url(json.dumps(payload, separators=(",", ":")).encode())
    return jwt.replace(f"{head}.{body}.{sig}", f"{head}.{new_body}.{sig}")


def test_sd_jwt_vc_genuine_is_accepted_with_key_binding(authority, holder) -> None:
    public, private = holder
    exported = sd_jwt_vc(authority.facts(), authority.signer, now=int(time.time()),
                         holder_jwk=public)
    verdict = check("check_sd_jwt_vc.mjs", sd_job(authority, exported, private))
    assert verdict["accepted"], verdict
    assert verdict["vct"] == "urn:elicence:vct:driving"
    claims = authority.facts().claims
    assert verdict["disclosed"] == {"age_over_18": claims["age_over_18"],
                                    "vehicle_classes": claims["vehicle_classes"]}
    assert verdict["status"]["elicence_registry"]["status_ref"] == bytes(range(16)).hex()


@pytest.mark.parametrize("defect", ["payload_changed", "disclosure_forged", "wrong_nonce",
                                    "wrong_audience", "other_holder_key", "other_issuer_key",
                                    "expired"])
def test_sd_jwt_vc_tampered_is_rejected(authority, holder, defect: str) -> None:
    public, private = holder
    now = int(time.time())
    facts = authority.facts(valid_until=now - 60) if defect == "expired" else authority.facts()
    exported = sd_jwt_vc(facts, authority.signer, now=now, holder_jwk=public)
    job = sd_job(authority, exported, private)
    if defect == "payload_changed":
        job["sd_jwt"] = flip_payload(exported, lambda p: p.update(vct="urn:elicence:vct:other"))
    elif defect == "disclosure_forged":
        forged = b64url(json.dumps(["c2FsdA", "vehicle_classes", ["A1", "B1"]]).encode())
        parts = exported.split("~")
        job["sd_jwt"] = "~".join([p for p in parts[:-1]
                                  if not _names(p, "vehicle_classes")] + [forged, ""])
    elif defect == "wrong_nonce":
        job["verify_nonce"] = "n-other"
    elif defect == "wrong_audience":
        job["verify_audience"] = "https://elsewhere.example.org"
    elif defect == "other_holder_key":
        job["holder_private_jwk"] = device_jwks()[1]
    elif defect == "other_issuer_key":
        other = Authority.make()
        job["sd_jwt"] = sd_jwt_vc(facts, other.signer, now=now, holder_jwk=public)
    verdict = check("check_sd_jwt_vc.mjs", job)
    assert not verdict["accepted"], verdict
    assert SD_JWT_REASONS[defect] in verdict["error"], verdict


def _names(disclosure: str, name: str) -> bool:
    try:
        return json.loads(base64.urlsafe_b64decode(disclosure + "=="))[1] == name
    except ValueError:
        return False


def test_vc_jwt_genuine_is_accepted_by_jose(authority) -> None:
    exported = vc_jwt(authority.facts(), authority.signer, now=int(time.time()))
    verdict = check("check_vc_jwt.mjs", {"vc_jwt": exported, "jwks": authority.jwks()})
    assert verdict["accepted"], verdict
    assert verdict["kid"] == "2"
    assert verdict["type"] == ["VerifiableCredential", "ElicenceDrivingLicence"]
    assert verdict["subject"]["licence_number"] == authority.facts().claims["licence_number"]


@pytest.mark.parametrize("defect", ["payload_changed", "other_issuer_key", "expired"])
def test_vc_jwt_tampered_is_rejected_by_jose(authority, defect: str) -> None:
    now = int(time.time())
    facts = authority.facts(valid_until=now - 60) if defect == "expired" else authority.facts()
    signer = Authority.make().signer if defect == "other_issuer_key" else authority.signer
    exported = vc_jwt(facts, signer, now=now)
    if defect == "payload_changed":
        exported = flip_payload(exported,
                                lambda p: p["credentialSubject"].update(vehicle_classes=["A1"]))
    verdict = check("check_vc_jwt.mjs", {"vc_jwt": exported, "jwks": authority.jwks()})
    assert not verdict["accepted"], verdict
    assert VC_REASONS[defect] in verdict["error"], verdict


def mdoc_job(authority: Authority, exported: bytes, private: dict, **extra) -> dict:
    return {"mdoc_b64": b64url(exported), "iaca_root_pem": authority.root_pem(),
            "device_private_jwk": private, "elements": ["family_name", "driving_privileges"],
            "transcript_b64": base64.b64encode(b"session-1").decode(), **extra}


def test_mdoc_genuine_is_accepted_by_auth0_mdl(authority, holder) -> None:
    public, private = holder
    exported = mdoc(authority.facts(), authority.signer, ds_certificate=authority.ds_der(),
                    device_jwk=public, now=int(time.time()))
    verdict = check("check_mdoc.mjs", mdoc_job(authority, exported, private))
    assert verdict["accepted"], verdict
    assert verdict["docType"] == "org.iso.18013.5.1.mDL"
    classes = authority.facts().claims["vehicle_classes"]
    assert verdict["disclosed"]["driving_privileges"] == [{"vehicle_category_code": c}
                                                          for c in classes]


def _tamper_element(exported: bytes) -> bytes:
    """The mdoc with one issuer-signed element's value changed (its digest kept)."""
    doc = cbor2.loads(exported)
    items = doc["documents"][0]["issuerSigned"]["nameSpaces"]["org.iso.18013.5.1"]
    for i, tagged in enumerate(items):
        item = cbor2.loads(tagged.value)
        if item["elementIdentifier"] == "driving_privileges":
            item["elementValue"] = [{"vehicle_category_code": "A1"}]
            items[i] = cbor2.CBORTag(24, cbor2.dumps(item))
    return cbor2.dumps(doc)


@pytest.mark.parametrize("defect", ["element_changed", "other_root", "other_device_key",
                                    "other_transcript", "other_issuer_key"])
def test_mdoc_tampered_is_rejected_by_auth0_mdl(authority, holder, defect: str) -> None:
    public, private = holder
    signer = Authority.make().signer if defect == "other_issuer_key" else authority.signer
    exported = mdoc(authority.facts(), signer, ds_certificate=authority.ds_der(),
                    device_jwk=public, now=int(time.time()))
    job = mdoc_job(authority, exported, private)
    if defect == "element_changed":
        job["mdoc_b64"] = b64url(_tamper_element(exported))
    elif defect == "other_root":
        job["iaca_root_pem"] = Authority(**{**authority.__dict__,
                                            "iaca_secret": b"\x08" * 32}).root_pem()
    elif defect == "other_device_key":
        job["device_private_jwk"] = device_jwks()[1]
    elif defect == "other_transcript":
        job["verify_transcript_b64"] = base64.b64encode(b"session-2").decode()
    verdict = check("check_mdoc.mjs", job)
    assert not verdict["accepted"], verdict
    assert MDOC_REASONS[defect] in verdict["error"], verdict
