"""GET /api/v1/status?authority=N&ref=hex32: a licence's status from the local index, by
the same rule as the verification pipeline (chain.status.licence_state)."""

from __future__ import annotations

from flask import jsonify, request

from chain.status import licence_state
from licence.status_reasons import describe_class
from licence.vocabulary import LicenceState

from ..errors import IndexUnavailable, RequestError
from .blueprint import bp, service
from .requester import requester


@bp.get("/api/v1/status")
def status():
    number, ref_hex = request.args.get("authority", ""), request.args.get("ref", "")
    try:
        # ASCII digits only: int() also reads "1_0", " 1" and "١" (Arabic-Indic one)
        authority = int(number) if number.isascii() and number.isdigit() else 0
        ref = bytes.fromhex(ref_hex) if ref_hex.isascii() and len(ref_hex) == 32 else b""
    except ValueError:
        authority, ref = 0, b""
    if not 1 <= authority < 2**32 or len(ref) != 16:
        raise RequestError("Give authority (the authority's number) and ref (the licence's "
                           "32-hex-digit status reference).")
    verifier = service()
    index = verifier.index()
    state = None if index is None else index.as_of()
    if index is None or state is None:
        raise IndexUnavailable("The status index is not synced yet: try again in a minute.")
    info = index.status(authority, ref)
    now = verifier.now()
    freshness = verifier.config.policy.freshness(state, now)  # the pipeline's rule
    answer = licence_state(info, now=now, freshness=freshness)
    verifier.observe_lookup(requester(request.environ), authority, ref)  # enumeration detector
    reason = None if info is None else describe_class(info.reason_class)
    return jsonify(
        status=answer.state,
        status_reason=answer.reason,
        until=info.until if answer.state == LicenceState.SUSPENDED else None,
        reason=None if reason is None else {"code": reason.code, "en": reason.en,
                                            "zh": reason.zh},
        successor=None if info is None or not info.successor else info.successor.hex(),
        status_as_of={"block": state.block_number, "time": state.block_time,
                      "synced_at": state.synced_at, "checked_at": state.checked_at})
