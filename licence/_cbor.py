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


def _early() -> DecodeError:
    return DecodeError("The licence data ends early; scan the code again.", reason="cbor_invalid")


def _scan(data: bytes, max_depth: int, max_items: int) -> None:
    """Walks the item structure without building objects; raises on anything outside limits.

    Every scanned code passes through here, so the loop keeps the current level's count in
    a local and reads one-byte arguments directly."""
    end = len(data)
    pos = items = 0
    outer: list[int] = []  # items still expected at each enclosing level
    left = 1  # items still expected at the current level
    while True:
        if not left:
            if not outer:
                break
            left = outer.pop()
            continue
        left -= 1
        if pos >= end:
            raise _early()
        items += 1
        if items > max_items:
            raise LimitError(f"The licence data has more than {max_items} items; it is not "
                             "a licence.", reason="cbor_too_many_items")
        initial = data[pos]
        pos += 1
        major = initial >> 5
        arg = initial & 31
        if arg >= 24:
            if arg == 24:
                if pos >= end:
                    raise _early()
                arg = data[pos]
                pos += 1
            elif arg <= 27:
                size = 1 << (arg - 24)
                if pos + size > end:
                    raise _early()
                arg = int.from_bytes(data[pos : pos + size], "big")
                pos += size
            else:
                raise DecodeError("The licence data uses an unsupported CBOR encoding "
                                  "(indefinite length or reserved value).", reason="cbor_invalid")
            info = 24
        else:
            info = arg
        if major == 2 or major == 3:
            if arg > end - pos:
                raise _early()
            pos += arg
        elif major == 4 or major == 5:
            if major == 5:
                arg *= 2
            if arg > end - pos:
                raise DecodeError("The licence data declares more items than it holds.",
                                  reason="cbor_invalid")
            if arg:
                if len(outer) >= max_depth:
                    raise LimitError(f"The licence data nests deeper than {max_depth} levels.",
                                     reason="cbor_too_deep")
                outer.append(left)
                left = arg
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
        # Plain encoding writes maps in their decoded (= received) order; where every map's
        # keys are small integers in ascending order that is the deterministic encoding, at
        # a quarter of the canonical encoder's cost.
        canonical = cbor2.dumps(value) if _small_sorted_keys(value) else dumps(value)
    except Exception as exc:  # e.g. a map key that is itself a map (unhashable)
        raise DecodeError("The licence data is not valid CBOR; scan the code again.",
                          reason="cbor_invalid") from exc
    if canonical != data:
        raise DecodeError("The licence data is not in deterministic CBOR encoding.",
                          reason="cbor_not_canonical")
    return value


def _small_sorted_keys(value: Any) -> bool:
    """Whether every map in `value` has integer keys 0..23 in strictly ascending order."""
    if value.__class__ is dict:
        previous = -1
        for key, item in value.items():
            if key.__class__ is not int or not previous < key <= 23:
                return False
            if item.__class__ in _CONTAINERS and not _small_sorted_keys(item):
                return False
            previous = key
        return True
    if value.__class__ is list:
        return all(item.__class__ not in _CONTAINERS or _small_sorted_keys(item)
                   for item in value)
    return True


_CONTAINERS = (dict, list)
