"""The wallet's JS builds ELP1 presentations the Python reference accepts, byte for byte."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from licence._cose import verify
from licence.errors import ExpiredError
from licence.presentation import Presentation

from .jsformat import run_js, task

NOW = 1_767_225_600
DRIVING = {
    "family_name": "欧阳", "given_name": "慧敏", "birth_date": "1988-11-30",
    "licence_number": "310115198811304527", "vehicle_classes": "C1,D",
    "issue_date": "2021-06-15", "expiry_date": "2031-06-15", "sex": "F", "nationality": "CHN",
}
BUSINESS = {
    "credit_code": "913201004JURQ283FN", "company_name": "南京恒达科技有限公司",
    "legal_representative": "王芳", "company_type": "有限责任公司",
    "registered_capital": "100万元人民币", "established_date": "2015-03-02",
    "business_scope": "软件开发", "address": "江苏省南京市玄武区1号", "expiry_date": "",
}
PRESETS = [None, ["age_over_18"], ["expiry_date", "vehicle_classes"],
           ["birth_date", "family_name", "nationality"]]


def bound_copy(row: dict[str, str], type_name: str, device: ec.EllipticCurvePrivateKey,
               authority: ec.EllipticCurvePrivateKey, batch_size: int = 5) -> licence.Licence:
    schema = licence.load_schema(type_name)
    claims = schema.validate(row)
    bound_at = batch_size // 2
    items = [licence.LicenceItem(claims, NOW, NOW + 86400 * 365, bytes([i]) * 16,
                                 licence.compressed_public_key(device) if i == bound_at else None)
             for i in range(batch_size)]
    return licence.build_batch(7, 2, authority, schema.code, NOW, items).licences[bound_at]


@pytest.fixture(scope="module")
def keys() -> tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePrivateKey]:
    return ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())


def test_js_presentations_verify_and_match_python(keys) -> None:
    device, authority = keys
    bound = bound_copy(DRIVING, "driving", device, authority)
    authority_key = licence.compressed_public_key(authority)
    challenge = bytes(range(16))
    tasks = [task(bound, device, NOW + 10, d, authority_key=authority_key) for d in PRESETS]
    tasks.append(task(bound, device, NOW + 10, ["age_over_18"], challenge=challenge))
    results = run_js(tasks)
    for t, result in zip(tasks, results, strict=True):
        assert result["reencoded"] == bound.to_bytes().hex()  # JS CBOR round trip is exact
        assert result["verified"] == bound.subtree_root().hex()
        decoded = licence.decode_unverified(result["qr"])
        assert isinstance(decoded, Presentation)
        want = bytes.fromhex(t["challenge"]) or None
        decoded.verify_device(NOW + 10, challenge=want)
        decoded.licence.verify_signature(authority.public_key())
        shown = t["disclose"]
        expected = set(bound.claims) if shown is None else set(shown)
        assert set(decoded.licence.claims) == expected
        assert decoded.licence.is_full == (shown is None)
        reference = licence.present(bound, shown, device, NOW + 10, want or b"")
        assert decoded.body == reference.body  # byte for byte the Python reference
        with pytest.raises(ExpiredError) as stale:
            decoded.verify_device(NOW + 100)
        assert stale.value.reason == "presentation_stale"


def test_js_rejects_a_copy_bound_to_another_key_or_tampered(keys) -> None:
    device, authority = keys
    bound = bound_copy(DRIVING, "driving", device, authority)
    other = ec.generate_private_key(ec.SECP256R1())
    wrong_authority = licence.compressed_public_key(other)
    results = run_js([task(bound, other, NOW, ["age_over_18"]),
                      task(bound, device, NOW, ["age_over_18"], authority_key=wrong_authority)])
    assert results[0]["verified"] == "error:device_key_mismatch"
    assert results[1]["verified"] == "error:signature_invalid"


def test_js_business_licence_and_receipts_signature(keys) -> None:
    device, authority = keys
    bound = bound_copy(BUSINESS, "business", device, authority, batch_size=1)
    (result,) = run_js([task(bound, device, NOW, ["credit_code", "company_name"])])
    decoded = licence.decode_unverified(result["qr"])
    decoded.verify_device(NOW)
    decoded.licence.verify_signature(authority.public_key())
    assert set(decoded.licence.claims) == {"credit_code", "company_name"}
    query = result["receipts"]
    key = base64.urlsafe_b64decode(query["device_key"] + "==")
    signature = base64.urlsafe_b64decode(query["signature"] + "==")
    message = (b"elicence/receipts/v1\x00list\x00" + NOW.to_bytes(8, "big") + key)
    verify(licence.public_key_from_bytes(key), signature, message)
