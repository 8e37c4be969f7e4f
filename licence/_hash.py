"""The suite's hash (SHA-256 for ES256, SM3 for SM2) truncated to 16 bytes, with one
domain-separation byte per kind of node. `new` is the hashlib-style constructor."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

NODE_BYTES = 16

LICENCE_LEAF = b"\x00"  # H(0x00 || cbor(leaf header))
BATCH_NODE = b"\x01"  # H(0x01 || left || right) in a batch subtree
CLAIM_LEAF = b"\x02"  # H(0x02 || salt || cbor([key, value]))
CLAIM_NODE = b"\x03"  # H(0x03 || left || right) in a claims tree
DEVICE_KEY = b"\x04"  # H(0x04 || compressed P-256 device key)
COPY_REF = b"\x05"  # H(0x05 || status ref || device digest): a wallet copy's own ref

_sha256 = hashlib.sha256


def h(data: bytes, new: Callable[..., Any] = _sha256) -> bytes:
    return new(data).digest()[:NODE_BYTES]


def device_key_digest(public_key: bytes, new: Callable[..., Any] = _sha256) -> bytes:
    """Digest of a 33-byte compressed device key, as stored in a bound licence's leaf."""
    return h(DEVICE_KEY + public_key, new)
