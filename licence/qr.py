"""QR text: a versioned prefix, then base45 of (zlib-compressed or stored) CBOR.

The decoder tells the two apart by the first byte: zlib (RFC 1950) streams start with
0x78, which no top-level CBOR item of the format does (maps are 0xA0-0xBF, arrays
0x80-0x9F). The encoder keeps whichever is shorter (docs/decisions/0006-qr-layout.md).
"""

from __future__ import annotations

import zlib

from ._base45 import b45decode, b45encode
from .errors import DecodeError, LimitError
from .limits import MAX_CBOR_BYTES, MAX_PAYLOAD_BYTES, MAX_TEXT_CHARS

LICENCE_PREFIX = "ELC1:"
PRESENTATION_PREFIX = "ELP1:"
PREFIXES = (LICENCE_PREFIX, PRESENTATION_PREFIX)
_ZLIB_FIRST_BYTE = 0x78


# Shorter payloads are stored without trying zlib: measured, they never compress (random
# nodes, CJK text), and the attempt costs ~40 µs per licence when issuing millions.
COMPRESS_FROM = 512


def encode_text(prefix: str, cbor_bytes: bytes) -> str:
    payload = cbor_bytes
    if len(cbor_bytes) >= COMPRESS_FROM:
        packed = zlib.compress(cbor_bytes, 9)
        if len(packed) < len(cbor_bytes):
            payload = packed
    return prefix + b45encode(payload)


def decode_text(text: str, prefixes: tuple[str, ...] = PREFIXES) -> tuple[str, bytes]:
    """Returns (prefix, CBOR bytes) after checking length and decompressed size limits;
    `prefixes`: the kinds of code the caller reads."""
    if not isinstance(text, str):
        raise DecodeError("The QR content is not text.", reason="prefix_unknown")
    if len(text) > MAX_TEXT_CHARS:
        raise LimitError(f"The QR text is longer than {MAX_TEXT_CHARS} characters; it is not "
                         "an elicence code.", reason="text_too_long")
    prefix = text[:5]
    if prefix not in prefixes:
        raise DecodeError("This QR code is not an electronic licence (it should start with "
                          "ELC1: or ELP1:).", reason="prefix_unknown")
    payload = b45decode(text[5:])
    if len(payload) > MAX_PAYLOAD_BYTES:  # unreachable given the text limit; kept explicit
        raise LimitError("The QR payload is too large.", reason="text_too_long")
    if not payload:
        raise DecodeError("The QR code carries no data; scan it again.", reason="cbor_invalid")
    if payload[0] != _ZLIB_FIRST_BYTE:
        return prefix, payload
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(payload, MAX_CBOR_BYTES + 1)
    except zlib.error:
        raise DecodeError("The QR data is corrupted (bad compression); scan again.",
                          reason="zlib_invalid") from None
    if len(data) > MAX_CBOR_BYTES or inflater.unconsumed_tail:
        raise LimitError(f"The QR data expands beyond {MAX_CBOR_BYTES} bytes; it is not a "
                         "licence.", reason="decompressed_too_large")
    if not inflater.eof or inflater.unused_data:
        raise DecodeError("The QR data is corrupted (truncated or trailing compression "
                          "data); scan again.", reason="zlib_invalid")
    return prefix, data
