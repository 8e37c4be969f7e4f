"""One-time claim codes: what a holder types into the wallet to fetch their licence.

A code is 16 Crockford base32 characters (80 bits), shown as four groups of four
("K7Q2-9XHM-3PWD-T8VN"): short enough to type from paper, far too many to guess. Codes are
derived from the authority's claim secret and the licence's status reference, so the store
keeps only a hash of each code (a leaked database does not let anyone claim a licence) and
a crashed run can still write the same codes into its report. `generation` makes a fresh
code when a holder needs a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from issuer.errors import ClaimCodeError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
LENGTH = 16


def derive(secret: bytes, authority_id: str, status_ref: bytes, generation: int = 0) -> str:
    return _grouped(_chars(secret, authority_id, status_ref, generation))


def derive_with_hash(secret: bytes, authority_id: str, status_ref: bytes) -> tuple[str, bytes]:
    """The code and what the store keeps of it, computed together (issuance does a
    million of these)."""
    chars = _chars(secret, authority_id, status_ref, 0)
    return _grouped(chars), _hash(chars)


def _chars(secret: bytes, authority_id: str, status_ref: bytes, generation: int) -> str:
    inner, outer = _keyed(secret)
    mac = inner()
    mac.update(b"elicence/claim-code/v1\0" + authority_id.encode() + b"\0" + status_ref
               + generation.to_bytes(4, "big"))
    digest = outer()
    digest.update(mac.digest())
    value = int.from_bytes(digest.digest()[:10], "big")
    # The 80 bits as eight 10-bit pairs of characters, most significant first.
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in range(70, -1, -10)])


_PAIRS = tuple(a + b for a in ALPHABET for b in ALPHABET)


@lru_cache(maxsize=16)
def _keyed(secret: bytes) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """Copiers of HMAC-SHA256's inner and outer states keyed with `secret` (RFC 2104),
    built once: issuance derives a million codes with one authority's secret, and keying
    again per code cost half of each derivation."""
    padded = (hashlib.sha256(secret).digest() if len(secret) > 64 else secret).ljust(64, b"\0")
    return (hashlib.sha256(bytes(b ^ 0x36 for b in padded)).copy,
            hashlib.sha256(bytes(b ^ 0x5C for b in padded)).copy)


def _grouped(chars: str) -> str:
    return f"{chars[0:4]}-{chars[4:8]}-{chars[8:12]}-{chars[12:16]}"


def _hash(normalised: str) -> bytes:
    # 128 bits: far beyond guessing 80-bit codes, and a smaller index to look them up.
    return hashlib.sha256(b"elicence/claim-code/v1\0" + normalised.encode()).digest()[:16]


def normalise(text: str) -> str:
    """The canonical form of a typed code: case, spaces, dashes and look-alikes forgiven."""
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if len(cleaned) != LENGTH or any(c not in ALPHABET for c in cleaned):
        raise ClaimCodeError(
            "A claim code has 16 letters and digits, like K7Q2-9XHM-3PWD-T8VN: check the code "
            "on your licence letter and type it again."
        )
    return cleaned


def code_hash(code: str) -> bytes:
    """What the store keeps. 80 random bits need no slow hash: they cannot be brute-forced."""
    return _hash(normalise(code))
