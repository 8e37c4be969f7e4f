"""Property tests: round trips, every subset verifies, any alteration is a typed error."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import licence
from licence import _cbor
from licence._base45 import b45encode

from .licence_testdata import DRIVING_ROW, NOW, YEAR

FAST = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
DRIVING_NAMES = [c.name for c in licence.load_schema("driving").claims if c.name != "sex"]


def check(text: str, public_key, now: int = NOW) -> None:
    """Full offline check of QR text: what a verifier does before chain lookups."""
    decoded = licence.decode_unverified(text)
    if isinstance(decoded, licence.Presentation):
        decoded.verify_device(now)
        decoded.licence.verify_signature(public_key)
    else:
        decoded.verify_signature(public_key)


@FAST
@given(index=st.integers(0, 36), names=st.sets(st.sampled_from(DRIVING_NAMES)))
def test_any_subset_round_trips_and_verifies(batch, authority_key, index, names):
    lic = batch.licences[index].disclose(names)
    text = lic.to_qr()
    decoded = licence.decode_unverified(text)
    assert decoded == lic
    assert decoded.to_qr() == text
    check(text, authority_key.public_key())


@FAST
@given(data=st.data(), full=st.booleans(), live=st.booleans())
def test_flipping_any_payload_byte_is_rejected(batch, bound, device_key, authority_key, data,
                                               full, live):
    names = None if full else ["age_over_18", "vehicle_classes"]
    if live:
        payload = _cbor.dumps([(p := licence.present(bound, names, device_key, NOW)).body,
                               p.signature])
        prefix = "ELP1:"
    else:
        lic = batch.licences[7] if full else batch.licences[7].disclose(names)
        payload, prefix = lic.to_bytes(), "ELC1:"
    position = data.draw(st.integers(0, len(payload) - 1))
    mask = data.draw(st.integers(1, 255))
    mutated = bytearray(payload)
    mutated[position] ^= mask
    with pytest.raises(licence.LicenceError):
        check(prefix + b45encode(bytes(mutated)), authority_key.public_key())


@FAST
@given(text=st.text(alphabet=st.sampled_from(licence._base45.ALPHABET), max_size=700))
def test_random_qr_text_only_raises_typed_errors(authority_key, text):
    for prefix in ("ELC1:", "ELP1:"):
        with pytest.raises(licence.LicenceError):
            check(prefix + text, authority_key.public_key())


@FAST
@given(raw=st.binary(max_size=400))
def test_random_bytes_only_raise_typed_errors(authority_key, raw):
    with pytest.raises(licence.LicenceError):
        check("ELC1:" + b45encode(raw), authority_key.public_key())


cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
              min_size=1, max_size=20)
latin = st.text(alphabet=st.characters(codec="ascii", categories=["L"]), min_size=1, max_size=32)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(family=cjk | latin, given_name=cjk | latin, address=cjk,
       classes=st.lists(st.sampled_from(["A1", "B2", "C1", "D", "M"]), min_size=1, max_size=5,
                        unique=True),
       birth=st.dates(min_value=__import__("datetime").date(1920, 1, 1),
                      max_value=__import__("datetime").date(2005, 1, 1)),
       names=st.sets(st.sampled_from(DRIVING_NAMES)))
def test_generated_rows_issue_and_verify(authority_key, family, given_name, address, classes,
                                         birth, names):
    row = {**DRIVING_ROW, "family_name": family, "given_name": given_name, "address": address,
           "vehicle_classes": classes, "birth_date": birth.isoformat()}
    claims = licence.load_schema("driving").validate(row)
    batch = licence.build_batch(9, 1, authority_key, 1, NOW,
                                [(claims, NOW, NOW + YEAR, os.urandom(16))] * 3)
    for lic in (batch.licences[1], batch.licences[2].disclose(names)):
        decoded = licence.decode_unverified(lic.to_qr())
        assert decoded.claims == lic.claims
        decoded.verify_signature(authority_key.public_key())


@FAST
@given(data=st.data(), full=st.booleans())
def test_changing_any_qr_character_is_rejected(batch, authority_key, data, full):
    lic = batch.licences[30] if full else batch.licences[30].disclose(["age_over_18"])
    text = lic.to_qr()
    position = data.draw(st.integers(5, len(text) - 1))
    alphabet = licence._base45.ALPHABET
    replacement = data.draw(st.sampled_from(alphabet.replace(text[position], "")))
    with pytest.raises(licence.LicenceError):
        check(text[:position] + replacement + text[position + 1 :], authority_key.public_key())
