"""base45, limited CBOR and the QR text layer."""

from __future__ import annotations

import zlib

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

import licence
from licence import _base45 as b45
from licence import _cbor, qr
from licence._base45 import b45decode, b45encode


@pytest.mark.parametrize(("raw", "text"), [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"),
                                           (b"base-45", "UJCLQE7W581"), (b"", ""),
                                           (b"\xff\xff", "FGW"), (b"\xff", "U5")])
def test_base45_matches_rfc9285_examples(raw, text):
    assert b45encode(raw) == text and b45decode(text) == raw


def reference_b45decode(text: str) -> bytes:
    """RFC 9285 §4.2 step by step: the definition the fast decoder must agree with."""
    values = [b45.ALPHABET.index(c) for c in text]
    out = b""
    for i in range(0, len(values) - len(values) % 3, 3):
        out += (values[i] + 45 * values[i + 1] + 2025 * values[i + 2]).to_bytes(2, "big")
    if len(values) % 3:
        out += bytes((values[-2] + 45 * values[-1],))
    return out


@given(st.binary(max_size=600))
def test_base45_round_trips_and_agrees_with_the_rfc_definition(raw):
    text = b45encode(raw)
    assert b45decode(text) == raw == reference_b45decode(text)


@pytest.mark.parametrize("text", [
    "GGW", "a", "ZZZZ", "abc", "GG",
    "000GGW000", ":::", "ÄBC", "BB8BB8ÿ8", "BB8\n00", "BB8:6"])
def test_bad_base45_is_a_decode_error(text):
    with pytest.raises(licence.DecodeError) as info:
        b45decode(text)
    assert info.value.reason == "base45_invalid"


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x81" * 6 + b"\x01", "cbor_too_deep"),
    (cbor2.dumps(list(range(600))), "cbor_too_many_items"),
    (b"\x9f\x01\xff", "cbor_invalid"),  # indefinite length
    (b"\xc1\x01", "cbor_invalid"),  # tag
    (b"\xf9\x3c\x00", "cbor_invalid"),  # half float
    (b"\x01\x02", "cbor_invalid"),  # trailing bytes
    (b"\x9a\xff\xff\xff\xff", "cbor_invalid"),  # claims more items than bytes
    (b"\x18\x01", "cbor_not_canonical"),  # 1 in two bytes
    (b"\xa2\x02\x00\x01\x00", "cbor_not_canonical"),  # unsorted map
    (b"\xa1\x01\xa2\x02\x00\x01\x00", "cbor_not_canonical"),  # unsorted map in a map
    (b"\x81\xa2\x02\x00\x01\x00", "cbor_not_canonical"),  # unsorted map in an array
    (b"\xa2\x01\x00\x01\x01", "cbor_not_canonical"),  # a key twice
    (b"\xa2\x18\x18\x00\x01\x00", "cbor_not_canonical"),  # 24 before 1
    (b"\xa2\x61\x61\x00\x01\x00", "cbor_not_canonical"),  # text key before integer key
    (b"\x62\xff\xfe", "cbor_invalid"),  # bad UTF-8
    (b"", "cbor_invalid"),
])
def test_limited_cbor_rejects(data, reason):
    with pytest.raises(licence.DecodeError) as info:
        _cbor.loads_limited(data)
    assert info.value.reason == reason


def test_limited_cbor_accepts_deterministic_documents():
    value = {1: b"x", 2: [1, "二"], -65537: {1: True, 2: None}}
    assert _cbor.loads_limited(_cbor.dumps(value)) == value


@given(st.recursive(
    st.integers(-2**64, 2**64 - 1) | st.text(max_size=5) | st.binary(max_size=5)
    | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.integers(-30, 30) | st.text(max_size=2), inner, max_size=4),
    max_leaves=12))
def test_limited_cbor_accepts_exactly_the_canonical_encoding(value):
    """Whatever shortcut the decoder takes, it accepts the canonical encoding of a value and
    rejects the plain encoding whenever that differs (maps in another order)."""
    canonical, plain = _cbor.dumps(value), cbor2.dumps(value)
    assert _cbor.loads_limited(canonical, max_depth=20) == value
    if plain != canonical:
        with pytest.raises(licence.DecodeError) as info:
            _cbor.loads_limited(plain, max_depth=20)
        assert info.value.reason == "cbor_not_canonical"


def test_qr_text_prefers_the_shorter_payload():
    compressible = _cbor.dumps({1: "A" * 600})
    assert len(qr.encode_text("ELC1:", compressible)) < 100
    assert qr.decode_text(qr.encode_text("ELC1:", compressible)) == ("ELC1:", compressible)
    short = _cbor.dumps({1: "A" * 300})  # below the threshold: stored, never compressed
    assert qr.decode_text(qr.encode_text("ELC1:", short)) == ("ELC1:", short)
    assert len(qr.encode_text("ELC1:", short)) > len(short)
    random_like = _cbor.dumps({1: bytes(range(200))})
    assert qr.decode_text(qr.encode_text("ELP1:", random_like)) == ("ELP1:", random_like)


@pytest.mark.parametrize(("text", "reason"), [
    ("HC1:6BFOXN", "prefix_unknown"),
    ("ELC1:" + "0" * 4300, "text_too_long"),
    ("ELC1:", "cbor_invalid"),
    ("ELC1:" + b45encode(zlib.compress(b"\xa0" * 9000)), "decompressed_too_large"),
    ("ELC1:" + b45encode(zlib.compress(b"\xa0" * 50)[:-3]), "zlib_invalid"),
    ("ELC1:" + b45encode(b"\x78\x00\x00\x00"), "zlib_invalid"),
    ("ELC1:" + b45encode(zlib.compress(b"\xa0") + b"\x00"), "zlib_invalid"),
])
def test_qr_text_limits(text, reason):
    with pytest.raises(licence.DecodeError) as info:
        qr.decode_text(text)
    assert info.value.reason == reason


def test_non_text_input_is_a_decode_error():
    with pytest.raises(licence.DecodeError):
        licence.decode_unverified(b"ELC1:")  # type: ignore[arg-type]


@given(st.dictionaries(st.integers(0, 23), st.one_of(
    st.integers(-2**63, 2**64 - 1), st.text(max_size=40), st.binary(max_size=40),
    st.booleans(), st.lists(st.text(max_size=5), max_size=4),
    st.dictionaries(st.integers(0, 23), st.one_of(st.text(max_size=20), st.integers(),
                                                   st.booleans()), max_size=8)), max_size=12))
def test_small_key_encoding_is_the_deterministic_one(value):
    assert _cbor.dumps_small_keys(value) == _cbor.dumps(value)
