"""Delegations: the holder's wallet lets an agent's wallet show its licence, within a set
of claims and until a date; the agent's live code carries the delegation."""

from __future__ import annotations

import dataclasses
import os

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from licence.delegation import delegate_kid
from licence.limits import MAX_CHALLENGE_BYTES

from .licence_testdata import NOW, YEAR, counter_bytes

UNTIL = NOW + 30 * 86400
AGENT = ec.derive_private_key(0xA6E47, ec.SECP256R1())
AGENT_KEY = licence.compressed_public_key(AGENT)
STRANGER = ec.derive_private_key(0x57A4, ec.SECP256R1())


def qr_version(text: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return code.version


def handed_over(bound, device_key, names=("age_over_18", "vehicle_classes"), until=UNTIL):
    """What the agent's wallet holds after scanning the holder's handover code."""
    delegation, shared = licence.delegate(bound, names, device_key, AGENT_KEY, until)
    return licence.read_delegated_copy(licence.delegated_copy_text(shared, delegation),
                                       AGENT_KEY)


def test_agent_code_round_trip_verifies(bound, device_key, authority_key):
    shared, delegation = handed_over(bound, device_key)
    assert set(shared.claims) == {"age_over_18", "vehicle_classes"} and shared.seed is None
    text = licence.present_delegated(shared, delegation, AGENT, NOW + 5, b"\x01\x02\x03\x04")
    shown = licence.decode_unverified(text.to_qr())
    assert isinstance(shown, licence.Presentation)
    assert shown.device_key == AGENT_KEY
    assert shown.delegations[0].holder_key == licence.compressed_public_key(device_key)
    shown.verify_device(NOW + 10, b"\x01\x02\x03\x04")
    shown.licence.verify_signature(authority_key.public_key())  # bound to the holder's key
    (d,) = shown.delegations
    d.verify_signature()
    d.check_claims(shown.licence)
    d.check_time(UNTIL)
    assert d.id == delegation.id and len(d.id) == 16


def test_full_preset_hands_over_the_seed(bound, device_key):
    shared, delegation = handed_over(bound, device_key, names=None)
    assert shared.seed is not None
    delegation.check_claims(shared)


@pytest.mark.parametrize("challenge", [b"\x01\x02\x03\x04", bytes(MAX_CHALLENGE_BYTES)])
def test_agent_code_with_the_full_preset_fits_version_20(authority_key, device_key,
                                                         challenge):
    # The bench's worst-ish row (compound names, a long CJK address), in a 256-licence batch.
    from bench.qr_size import ROW
    claims = licence.load_schema("driving").validate(ROW)
    items = [(claims, NOW, NOW + YEAR, os.urandom(16),
              licence.compressed_public_key(device_key))] * 256
    bound = licence.build_batch(1, 1, authority_key, 1, NOW, items).licences[-1]
    delegation, shared = licence.delegate(bound, None, device_key, AGENT_KEY, UNTIL)
    text = licence.present_delegated(shared, delegation, AGENT, NOW, challenge).to_qr()
    plain = licence.present(bound, None, device_key, NOW, challenge).to_qr()
    print(f"full preset: plain {len(plain)} chars v{qr_version(plain)}, "
          f"agent {len(text)} chars v{qr_version(text)}")
    assert qr_version(text) <= 20
    assert qr_version(licence.delegated_copy_text(shared, delegation)) <= 20


def test_altered_delegation_is_refused(bound, device_key):
    _, delegation = handed_over(bound, device_key)
    wider = dataclasses.replace(delegation, claims=delegation.claims | 1 << 1)
    with pytest.raises(licence.PresentationError) as info:
        wider.verify_signature()
    assert info.value.reason == "delegation_signature_invalid"


def test_code_shown_by_another_phone_names_the_mismatch(bound, device_key):
    shared, delegation = handed_over(bound, device_key)
    with pytest.raises(licence.PresentationError) as info:
        licence.present_delegated(shared, delegation, STRANGER, NOW)
    assert info.value.reason == "delegate_key_mismatch"
    # A stranger who builds the code anyway: the kid names the agent's phone, not theirs.
    stolen = dataclasses.replace(delegation, delegate_key=licence.compressed_public_key(STRANGER))
    shown = licence.decode_unverified(
        licence.present_delegated(shared, stolen, STRANGER, NOW).to_qr())
    with pytest.raises(licence.PresentationError) as info:
        shown.delegations[0].verify_signature()
    assert info.value.reason == "delegate_key_mismatch"
    assert shown.delegations[0].kid == delegate_kid(AGENT_KEY)


def test_claims_beyond_the_delegation_are_refused(bound, device_key):
    _, delegation = handed_over(bound, device_key, names=["age_over_18"])
    wider = bound.disclose(["age_over_18", "licence_number"])
    with pytest.raises(licence.PresentationError) as info:
        delegation.check_claims(wider)
    assert info.value.reason == "delegation_claims_exceeded"
    assert info.value.context["claims"] == ["licence_number"]


def test_delegation_ends(bound, device_key):
    _, delegation = handed_over(bound, device_key)
    delegation.check_time(UNTIL)
    with pytest.raises(licence.ExpiredError) as info:
        delegation.check_time(UNTIL + 1)
    assert info.value.reason == "delegation_expired"


def test_only_the_bound_wallet_can_delegate(bound, other_key):
    with pytest.raises(licence.PresentationError) as info:
        licence.delegate(bound, None, other_key, AGENT_KEY, UNTIL)
    assert info.value.reason == "device_key_mismatch"


def test_handover_code_for_another_wallet_is_refused(bound, device_key):
    delegation, shared = licence.delegate(bound, ["age_over_18"], device_key, AGENT_KEY, UNTIL)
    text = licence.delegated_copy_text(shared, delegation)
    with pytest.raises(licence.PresentationError) as info:
        licence.read_delegated_copy(text, licence.compressed_public_key(STRANGER))
    assert info.value.reason == "delegate_key_mismatch"


def test_full_form_round_trips(bound, device_key):
    _, delegation = handed_over(bound, device_key)
    again = licence.Delegation.from_bytes_unverified(delegation.to_bytes())
    again.verify_signature()
    assert again.id == delegation.id


@pytest.mark.parametrize("mangle", ["empty_list", "three_deep", "not_a_list"])
def test_malformed_delegation_in_a_live_code_is_a_decode_error(bound, device_key, mangle):
    import cbor2

    from licence._cbor import dumps
    from licence.qr import PRESENTATION_PREFIX, encode_text
    shared, delegation = handed_over(bound, device_key)
    code = licence.present_delegated(shared, delegation, AGENT, NOW)
    body = cbor2.loads(code.body)
    body[5] = {"empty_list": [], "three_deep": [delegation.compact()] * 3,
               "not_a_list": b"x"}[mangle]
    text = encode_text(PRESENTATION_PREFIX, dumps([dumps(body), code.signature]))
    with pytest.raises(licence.DecodeError) as info:
        licence.decode_unverified(text)
    assert info.value.reason == "delegation_malformed"


def test_handover_batch_is_deterministic(authority_key, driving_claims, device_key):
    # Two delegations of the same licence to the same agent until the same date are the
    # same bytes (RFC 6979 signatures): the holder's wallet can re-show a handover code.
    items = [(driving_claims, NOW, NOW + YEAR, bytes([9]) * 16,
              licence.compressed_public_key(device_key))]
    bound = licence.build_batch(3, 2, authority_key, 1, NOW, items,
                                random_bytes=counter_bytes(b"x")).licences[0]
    a, _ = licence.delegate(bound, ["age_over_18"], device_key, AGENT_KEY, UNTIL)
    b, _ = licence.delegate(bound, ["age_over_18"], device_key, AGENT_KEY, UNTIL)
    assert a.to_bytes() == b.to_bytes()


def test_business_licence_presets_fit_and_a_too_long_whole_licence_is_refused(
        authority_key, device_key):
    # The bench's business row: long Chinese texts (scope, company type) and predicates.
    from bench.qr_size import BUSINESS_ROW
    claims = licence.load_schema("business").validate(BUSINESS_ROW)
    items = [(claims, NOW, NOW + YEAR, os.urandom(16),
              licence.compressed_public_key(device_key))] * 256
    bound = licence.build_batch(1, 1, authority_key, 2, NOW, items).licences[-1]
    for preset in licence.load_schema("business").presets:
        delegation, shared = licence.delegate(bound, preset.claims, device_key, AGENT_KEY,
                                              UNTIL)
        text = licence.present_delegated(shared, delegation, AGENT, NOW, b"\x01\x02\x03\x04")
        assert qr_version(text.to_qr()) <= 20
    with pytest.raises(licence.LicenceError) as info:
        licence.delegate(bound, None, device_key, AGENT_KEY, UNTIL)
    assert info.value.reason == "delegation_too_large"
    assert info.value.context["chars"] > 970
