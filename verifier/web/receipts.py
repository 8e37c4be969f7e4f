"""The holder's usage records, asked for and deleted by requests signed by the device key:

    POST /api/v1/receipts/query   {"device_key", "time", "signature"} → {"receipts": [...]}
    POST /api/v1/receipts/delete  {..., "ids": [...] (empty: all)} → {"deleted": n}
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ..errors import RequestError
from ..receipts import MAX_RECEIPTS_PER_DEVICE, check_request
from .blueprint import bp, service
from .bodies import b64_field, json_body

MAX_IDS = MAX_RECEIPTS_PER_DEVICE  # all of a device's receipts in one request
MAX_ID_CHARS = 64
# Room for MAX_IDS ids of MAX_ID_CHARS (quoted, comma) beside the signed fields.
MAX_BODY = MAX_IDS * (MAX_ID_CHARS + 3) + 4096


def _signed_request(word: str) -> tuple[bytes, dict[str, Any]]:
    body = json_body(MAX_BODY)
    device_key = b64_field(body, "device_key", 33)
    signature = b64_field(body, "signature", 64)
    when = body.get("time")
    if not isinstance(when, int) or isinstance(when, bool) or not 0 <= when < 2**63:
        raise RequestError("The field time must be unix seconds (an integer).", field="time")
    check_request(word, device_key, when, signature, now=service().now())
    return device_key, body


@bp.post("/api/v1/receipts/query")
def receipts_query():
    device_key, _ = _signed_request("list")
    return jsonify(receipts=[r.to_json() for r in service().receipts.list(device_key)])


@bp.post("/api/v1/receipts/delete")
def receipts_delete():
    device_key, body = _signed_request("delete")
    ids = body.get("ids", [])
    if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(
            isinstance(i, str) and len(i) <= MAX_ID_CHARS for i in ids):
        raise RequestError(f"The field ids must be a list of at most {MAX_IDS} receipt ids "
                           "(empty: delete all).", field="ids")
    return jsonify(deleted=service().receipts.delete(device_key, ids))
