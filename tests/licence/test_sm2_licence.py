"""Licences signed with SM2 and hashed with SM3: round trips, disclosure, live presentation,
tampering, and refusal of any key or header of the other suite."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from licence import _cbor, _sm2, _suites
from licence.licence import H_ALG

from .licence_testdata import NOW, YEAR, counter_bytes


@pytest.fixture(scope="module")
def sm2_key() -> licence.Sm2PrivateKey:
    return licence.generate_private_key(licence.SM2_SM3)


@pytest.fixture(scope="module")
def sm2_batch(sm2_key, driving_claims, device_key) -> licence.Batch:
    items = [(driving_claims, NOW, NOW + YEAR, bytes([i]) * 16) for i in range(40)]
    items.append((driving_claims, NOW, NOW + YEAR, b"\xbb" * 16,
                  licence.compressed_public_key(device_key)))
    return licence.build_batch(3, 2, sm2_key, 1, NOW, items, random_bytes=counter_bytes(b"sm2"))


def test_sm2_licences_verify_after_a_qr_round_trip(sm2_batch, sm2_key):
    for lic in sm2_batch.licences[:-1]:  # the last is wallet-bound: shown live only
        decoded = licence.decode_unverified(lic.to_qr())
        assert decoded.header.algorithm == _suites.ALG_SM2_SM3
        assert decoded.header.suite is licence.SM2_SM3
        decoded.verify_signature(sm2_key.public_key())


def test_sm2_licence_hashes_with_sm3_not_sha256(sm2_batch, authority_key):
    lic = sm2_batch.licences[0]
    as_es256 = dataclasses.replace(lic, header=dataclasses.replace(lic.header, algorithm=-7))
    assert lic.claims_root() != as_es256.claims_root()
    assert lic.leaf_hash() != as_es256.leaf_hash()
    # the same seed under the ES256 suite gives the unchanged SHA-256 commitments
    es = licence.build_batch(3, 2, authority_key, 1, NOW,
                             [(lic.claims, NOW, NOW + YEAR, lic.status_ref)],
                             random_bytes=lambda n: lic.seed[:n])
    assert es.licences[0].claims_root() == as_es256.claims_root()


def test_sm2_disclosure_and_live_presentation(sm2_batch, sm2_key, device_key):
    lic = sm2_batch.licences[3]
    shown = licence.decode_unverified(lic.disclose(["family_name", "vehicle_classes"]).to_qr())
    assert set(shown.claims) == {"family_name", "vehicle_classes"}
    shown.verify_signature(sm2_key.public_key())
    bound = sm2_batch.licences[-1]
    assert bound.device_digest == licence.device_key_digest(
        licence.compressed_public_key(device_key), _sm2.sm3)
    live = licence.present(bound, ["given_name"], device_key, NOW + 10, b"counter-7")
    again = licence.decode_unverified(live.to_qr())
    again.verify_device(NOW + 12, b"counter-7")  # device keys stay P-256
    again.licence.verify_signature(sm2_key.public_key())


def test_tampered_sm2_licence_is_refused(sm2_batch, sm2_key):
    lic = sm2_batch.licences[5]
    changed = dataclasses.replace(lic, claims={**lic.claims, "family_name": "王"})
    with pytest.raises(licence.SignatureError) as caught:
        changed.verify_signature(sm2_key.public_key())
    assert caught.value.reason == "signature_invalid"
    other = licence.generate_private_key(licence.SM2_SM3).public_key()
    with pytest.raises(licence.SignatureError):
        lic.verify_signature(other)


def test_sm2_licence_under_an_es256_key_is_refused(sm2_batch, authority_key):
    with pytest.raises(licence.SignatureError) as caught:
        sm2_batch.licences[0].verify_signature(authority_key.public_key())
    assert caught.value.reason == "algorithm_mismatch"
    assert "SM2 with SM3" in caught.value.message


def test_es256_licence_under_an_sm2_key_is_refused(batch, sm2_key):
    with pytest.raises(licence.SignatureError) as caught:
        batch.licences[0].verify_signature(sm2_key.public_key())
    assert caught.value.reason == "algorithm_mismatch"


def test_relabelled_header_does_not_downgrade(sm2_batch, sm2_key, authority_key):
    """An SM2 signature under a header rewritten to say ES256 (or the reverse) never verifies:
    the algorithm is inside the signed bytes, and the key names its own suite."""
    lic = sm2_batch.licences[1]
    m = _cbor.loads_limited(lic.protected)
    m[H_ALG] = -7
    relabelled = licence.Licence.from_map_unverified({**lic.to_map(), 1: _cbor.dumps(m)})
    assert relabelled.header.algorithm == -7
    for key in (sm2_key.public_key(), authority_key.public_key()):
        with pytest.raises(licence.SignatureError) as caught:
            relabelled.verify_signature(key)
        assert caught.value.reason in {"algorithm_mismatch", "signature_invalid"}


@pytest.mark.parametrize("alg", [-8, -35, -65537, -65539, True])
def test_unknown_algorithms_are_refused_at_decode(sm2_batch, alg):
    lic = sm2_batch.licences[0]
    m = _cbor.loads_limited(lic.protected)
    m[H_ALG] = alg
    with pytest.raises(licence.DecodeError) as caught:
        licence.Licence.from_map_unverified({**lic.to_map(), 1: _cbor.dumps(m)})
    assert caught.value.reason in {"algorithm_unsupported", "header_invalid"}


def test_registered_key_bytes_name_exactly_one_suite(sm2_key, authority_key):
    es = licence.authority_key_from_bytes(licence.encoded_public_key(authority_key))
    assert isinstance(es, ec.EllipticCurvePublicKey) and licence.suite_of_key(es) is licence.ES256
    sm = licence.authority_key_from_bytes(licence.encoded_public_key(sm2_key))
    assert sm == sm2_key.public_key() and licence.suite_of_key(sm) is licence.SM2_SM3
    with pytest.raises(licence.SignatureError) as caught:
        licence.authority_key_from_bytes(b"\x02" + b"\xff" * 32)
    assert caught.value.reason == "key_invalid"


def test_private_key_never_printed(sm2_key):
    assert sm2_key.secret.hex() not in repr(sm2_key)
