"""Claim codes: typable, forgiving of look-alikes, derived (never stored in clear)."""

from __future__ import annotations

import pytest

from issuer.claims.codes import ALPHABET, ClaimCodeError, code_hash, derive, normalise

SECRET = bytes(range(32))


def test_code_shape_and_determinism() -> None:
    code = derive(SECRET, "CN-31-DMV", b"\x01" * 16)
    assert len(code) == 19 and code.count("-") == 3
    assert all(c in ALPHABET for c in code.replace("-", ""))
    assert derive(SECRET, "CN-31-DMV", b"\x01" * 16) == code


def test_codes_differ_by_licence_authority_generation_and_secret() -> None:
    base = derive(SECRET, "CN-31-DMV", b"\x01" * 16)
    assert derive(SECRET, "CN-31-DMV", b"\x02" * 16) != base
    assert derive(SECRET, "CN-32-AMR", b"\x01" * 16) != base
    assert derive(SECRET, "CN-31-DMV", b"\x01" * 16, generation=1) != base
    assert derive(bytes(32), "CN-31-DMV", b"\x01" * 16) != base


def test_typed_variants_hash_alike() -> None:
    code = "K7Q2-9XHM-3PWD-T8VN"
    assert code_hash(" k7q2 9xhm-3pwd t8vn ") == code_hash(code)
    assert normalise("O0I1-L000-0000-0000") == "0011100000000000"


@pytest.mark.parametrize("typed", ["", "K7Q2-9XHM-3PWD", "K7Q2-9XHM-3PWD-T8VU", "好好好好"])
def test_malformed_codes_are_refused_with_advice(typed: str) -> None:
    with pytest.raises(ClaimCodeError, match="16 letters and digits"):
        normalise(typed)


def test_derived_together_matches_derived_apart() -> None:
    from issuer.claims.codes import derive_with_hash

    code, digest = derive_with_hash(SECRET, "CN-31-DMV", b"\x07" * 16)
    assert code == derive(SECRET, "CN-31-DMV", b"\x07" * 16)
    assert digest == code_hash(code)


@pytest.mark.parametrize("secret_length", [16, 32, 64, 65, 128])
def test_codes_are_hmac_sha256_in_crockford_base32(secret_length: int) -> None:
    """Letters already printed carry codes: the derivation is fixed as the first 80 bits of
    HMAC-SHA256 over the code's message, five bits a character, whatever the secret's length
    (over 64 bytes HMAC hashes the key first)."""
    import hmac

    secret = bytes(range(7, 7 + secret_length))
    for generation, ref in enumerate((b"\x00" * 16, b"\xff" * 16, bytes(range(16)))):
        message = (b"elicence/claim-code/v1\0CN-31-DMV\0" + ref
                   + generation.to_bytes(4, "big"))
        bits = int.from_bytes(hmac.digest(secret, message, "sha256")[:10], "big")
        chars = "".join(ALPHABET[bits >> shift & 31] for shift in range(75, -1, -5))
        expected = "-".join(chars[i:i + 4] for i in range(0, 16, 4))
        assert derive(secret, "CN-31-DMV", ref, generation) == expected
