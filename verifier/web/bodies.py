"""Reading request bodies and fields: every limit checked before parsing, and one
RequestError with a plain sentence for anything else."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import request

from licence.errors import TEXT_FIELD_PROBLEMS, text_field_problem

from ..errors import RequestError

MAX_JSON_BYTES = 64 * 1024  # a QR code holds at most 4,296 characters


def json_body(limit: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """The Flask request's JSON object; RequestError for anything else."""
    length = request.content_length

    def read(most: int) -> bytes:
        # With a Content-Length the stream is bounded by it; without one (chunked), read
        # at most `most` bytes.
        return request.get_data(cache=False) if length is not None else \
            request.stream.read(most)

    return parse_json_body(request.mimetype, length, read, limit)


def parse_json_body(mimetype: str, length: int | None, read: Callable[[int], bytes],
                    limit: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """A request body's JSON object; RequestError for anything else.

    `length` is the Content-Length (None when chunked); `read(n)` returns the whole body
    when its length is known, else at most n bytes of it.
    """
    if mimetype != "application/json":
        raise RequestError("Send a JSON object with Content-Type: application/json.",
                           reason="unsupported_media_type")
    too_large = RequestError(f"The request body is too large: send at most {limit // 1024} "
                             "KiB of JSON.", reason="too_large", limit=f"{limit // 1024} KiB")
    if (length or 0) > limit:
        raise too_large
    data = read(limit + 1)  # one byte past the limit tells an oversized chunked body
    if len(data) > limit:
        raise too_large
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        raise RequestError("The request body is not valid JSON.", reason="bad_json") from None
    if not isinstance(body, dict):
        raise RequestError("Send a JSON object.")
    return body


def b64_field(body: Mapping[str, Any], field: str, size: int | None = None) -> bytes:
    """A base64url field of the body (of exactly `size` bytes when given)."""
    value = body.get(field)
    wrong = RequestError(f"The field {field} must be base64url text"
                         + (f" of {size} bytes." if size else "."), field=field)
    if not isinstance(value, str) or len(value) > 1024:
        raise wrong
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise wrong from None
    if size is not None and len(raw) != size:
        raise wrong
    return raw


def qr_text(value: object, what: str = "the scanned text") -> str:
    """A request's `qr` field, `what` naming it in the refusal: RequestError saying whether
    it is missing, not text or empty (its `problem`, for the Chinese sentence)."""
    problem = text_field_problem(value)
    if problem is not None:
        raise RequestError(f"The field qr ({what}) {TEXT_FIELD_PROBLEMS[problem]}: send the "
                           'text read from the QR code, as {"qr": "ELC1:…"}.', field="qr",
                           problem=problem)
    assert isinstance(value, str)  # text_field_problem said so
    return value
