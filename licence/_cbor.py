"""Deterministic CBOR (RFC 8949 §4.2) with hard limits checked before cbor2 parses anything.

The format uses only unsigned/negative integers, byte and text strings, arrays, maps,
false/true/null. Tags, floats, indefinite lengths and non-deterministic encodings are
rejected, so every accepted document has exactly one byte representation.
"""

from __future__ import annotations

from typing import Any

import cbor2

from .errors import DecodeError, LimitError
from .limits import MAX_CBOR_DEPTH, MAX_CBOR_ITEMS


def dumps(value: Any) -> bytes:
    return cbor2.dumps(value, canonical=True)


def dumps_small_keys(value: dict[int, Any]) -> bytes:
    """Deterministic CBOR of a map whose keys (and those of maps among its values) are
    integers 0..23, as every licence map's are: with such keys in ascending order, plain
    encoding is already the deterministic one, at half the cost of the canonical encoder
    (issuance encodes a million licences in a run)."""
    ordered = {}
    for key in sorted(value):
        if key.__class__ is not int or not 0 <= key <= 23:
            return dumps(value)
        item = value[key]
        if item.__class__ is dict:
            if not all(k.__class__ is int and 0 <= k <= 23 for k in item):
                return dumps(value)
            item = {k: item[k] for k in sorted(item)}
        ordered[key] = item
    return cbor2.dumps(ordered)


def _scan(data: bytes, max_depth: int, max_items: int) -> None:
    """Walks the item structure without building objects; raises on anything outside limits."""
    pos, end, items = 0, len(data), 0
    remaining = [1]  # items still expected at each open nesting level
    while remaining:
        if remaining[-1] == 0:
            remaining.pop()
            continue
        remaining[-1] -= 1
        if pos >= end:
            raise DecodeError("The licence data ends early; scan the code again.",
                              reason="cbor_invalid")
        items += 1
        if items > max_items:
            raise LimitError(f"The licence data has more than {max_items} items; it is not "
                             "a licence.", reason="cbor_too_many_items")
        initial = data[pos]
        major, info = initial >> 5, initial & 31
        pos += 1
        if info < 24:
            arg = info
        elif info <= 27:
            size = 1 << (info - 24)
            if pos + size > end:
                raise DecodeError("The licence data ends early; scan the code again.",
                                  reason="cbor_invalid")
            arg = int.from_bytes(data[pos : pos + size], "big")
            pos += size
        else:
            raise DecodeError("The licence data uses an unsupported CBOR encoding "
                              "(indefinite length or reserved value).", reason="cbor_invalid")
        if major in (2, 3):
            if arg > end - pos:
                raise DecodeError("The licence data ends early; scan the code again.",
                                  reason="cbor_invalid")
            pos += arg
        elif major in (4, 5):
            count = arg * 2 if major == 5 else arg
            if count > end - pos:
                raise DecodeError("The licence data declares more items than it holds.",
                                  reason="cbor_invalid")
            if count:
                if len(remaining) > max_depth:
                    raise LimitError(f"The licence data nests deeper than {max_depth} levels.",
                                     reason="cbor_too_deep")
                remaining.append(count)
        elif major == 6:
            raise DecodeError("The licence data contains a CBOR tag, which the format does "
                              "not use.", reason="cbor_invalid")
        elif major == 7 and info not in (20, 21, 22):
            raise DecodeError("The licence data contains a float or unknown simple value.",
                              reason="cbor_invalid")
    if pos != end:
        raise DecodeError("The licence data has trailing bytes after its end.",
                          reason="cbor_invalid")


def loads_limited(data: bytes, *, max_depth: int = MAX_CBOR_DEPTH,
                  max_items: int = MAX_CBOR_ITEMS) -> Any:
    """Parses one deterministic CBOR document after checking depth and item limits."""
    _scan(data, max_depth, max_items)
    try:
        value = cbor2.loads(data)
    except Exception as exc:  # cbor2 raises several types (and ValueError for bad UTF-8)
        raise DecodeError("The licence data is not valid CBOR; scan the code again.",
                          reason="cbor_invalid") from exc
    try:
        canonical = dumps(value)
    except Exception as exc:  # e.g. a map key that is itself a map (unhashable)
        raise DecodeError("The licence data is not valid CBOR; scan the code again.",
                          reason="cbor_invalid") from exc
    if canonical != data:
        raise DecodeError("The licence data is not in deterministic CBOR encoding.",
                          reason="cbor_not_canonical")
    return value
