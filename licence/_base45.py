"""Base45 (RFC 9285): bytes <-> the QR alphanumeric alphabet."""

from __future__ import annotations

import struct
from functools import cache
from operator import itemgetter

from .errors import DecodeError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


@cache
def _pairs() -> tuple[str, ...]:
    """The three characters for every 16-bit value: issuance encodes a million QR texts,
    and a table lookup per byte pair is ten times faster than the arithmetic."""
    a = ALPHABET
    return tuple(a[n % 45] + a[n // 45 % 45] + a[n // 2025] for n in range(65536))


@cache
def _pair_struct(pairs: int) -> struct.Struct:
    return struct.Struct(f">{pairs}H")


def b45encode(data: bytes) -> str:
    even = len(data) - len(data) % 2
    values = _pair_struct(even // 2).unpack_from(data)
    # itemgetter looks all pairs up in one C call: twice as fast as a map over them.
    text = "".join(itemgetter(*values)(_pairs())) if len(values) > 1 else \
        "".join(_pairs()[v] for v in values)
    if even != len(data):
        n = data[-1]
        text += ALPHABET[n % 45] + ALPHABET[n // 45]
    return text


@cache
def _inverse() -> tuple[dict[str, bytes], dict[str, bytes]]:
    """3 characters -> 2 bytes for every 16-bit value; 2 characters -> 1 byte for 256.
    Anything else (a character outside the alphabet, a group over 0xFFFF) is not a key."""
    a = ALPHABET
    triples = {a[n % 45] + a[n // 45 % 45] + a[n // 2025]: n.to_bytes(2, "big")
               for n in range(65536)}
    pairs = {a[n % 45] + a[n // 45]: bytes((n,)) for n in range(256)}
    return triples, pairs


def b45decode(text: str) -> bytes:
    tail = len(text) % 3
    if tail == 1:
        raise DecodeError("The QR text has a broken length; scan the code again.",
                          reason="base45_invalid")
    triples, pairs = _inverse()
    groups = iter(text[:len(text) - tail])
    try:
        out = b"".join(map(triples.__getitem__, map("".join, zip(groups, groups, groups,
                                                                    strict=True))))
        if tail:
            out += pairs[text[-2:]]
    except KeyError:
        raise DecodeError("The QR text contains a character or group outside base45; scan "
                          "the code again.", reason="base45_invalid") from None
    return out
