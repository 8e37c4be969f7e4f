"""ELP1 live presentations: device binding, signature, challenge, freshness."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence

from .licence_testdata import NOW


@pytest.mark.parametrize("names", [None, ["age_over_18"], ["age_over_18", "vehicle_classes"]])
def test_presentation_round_trip_verifies(bound, device_key, authority_key, names):
    text = licence.present(bound, names, device_key, NOW + 10, b"counter-7").to_qr()
    assert text.startswith("ELP1:")
    pres = licence.decode_unverified(text)
    assert isinstance(pres, licence.Presentation)
    pres.verify_device(NOW + 30, b"counter-7")
    pres.licence.verify_signature(authority_key.public_key())
    assert pres.licence.subtree_root() == bound.subtree_root()
    assert set(pres.licence.claims) == (set(bound.claims) if names is None else set(names))


@pytest.mark.parametrize(("now", "reason"), [(NOW + 71, "presentation_stale"),
                                             (NOW - 21, "presentation_from_future")])
def test_freshness_window_is_60_seconds_with_30_seconds_of_skew(bound, device_key, now, reason):
    pres = licence.decode_unverified(licence.present(bound, None, device_key, NOW + 10).to_qr())
    pres.verify_device(NOW + 70)
    pres.verify_device(NOW - 20)
    with pytest.raises(licence.ExpiredError) as info:
        pres.verify_device(now)
    assert info.value.reason == reason


def test_wrong_challenge_is_rejected(bound, device_key):
    pres = licence.present(bound, ["age_over_18"], device_key, NOW, b"abc")
    with pytest.raises(licence.PresentationError) as info:
        pres.verify_device(NOW, b"abd")
    assert info.value.reason == "challenge_mismatch"


def test_another_device_cannot_present(bound, other_key):
    with pytest.raises(licence.PresentationError) as info:
        licence.present(bound, None, other_key, NOW)
    assert info.value.reason == "device_key_mismatch"


def test_unbound_licence_cannot_be_presented(batch, device_key):
    with pytest.raises(licence.PresentationError) as info:
        licence.present(batch.licences[0], None, device_key, NOW)
    assert info.value.reason == "licence_not_bound"


def test_swapped_device_key_breaks_the_issuer_signature(bound, device_key, authority_key):
    thief = ec.generate_private_key(ec.SECP256R1())
    pres = licence.present(bound, ["age_over_18"], device_key, NOW)
    forged = licence.present(dataclasses.replace(
        bound, device_digest=licence.device_key_digest(licence.compressed_public_key(thief))),
        ["age_over_18"], thief, NOW)
    decoded = licence.decode_unverified(forged.to_qr())
    decoded.verify_device(NOW)  # the thief's own signature is fine...
    with pytest.raises(licence.SignatureError):  # ...but the issuer never signed that binding
        decoded.licence.verify_signature(authority_key.public_key())
    pres.licence.verify_signature(authority_key.public_key())


def test_altered_presentation_fails_the_device_signature(bound, device_key):
    pres = licence.present(bound, None, device_key, NOW)
    stamp = NOW.to_bytes(4, "big")
    later = pres.body.replace(stamp, (NOW + 1).to_bytes(4, "big"))
    assert later != pres.body
    for changed in (dataclasses.replace(pres, body=later),
                    dataclasses.replace(pres, signature=pres.signature[:-1] + b"\x00")):
        decoded = licence.decode_unverified(changed.to_qr())
        with pytest.raises(licence.SignatureError) as info:
            decoded.verify_device(NOW)
        assert info.value.reason == "device_signature_invalid"


def test_challenge_longer_than_16_bytes_is_refused(bound, device_key):
    with pytest.raises(licence.LicenceError) as info:
        licence.present(bound, None, device_key, NOW, b"x" * 17)
    assert info.value.reason == "challenge_too_long"
