"""The holder withdraws a delegation before its date (verifier.delegations):

    POST /api/v1/delegations/revoke  {"delegation": b64url(cbor([body, signature])),
                                      "signature": b64url(r||s by the holder's device
                                      over the delegation's revocation message)}
      → {"revoked": true, "id": hex, "until": unix s}
"""

from __future__ import annotations

from flask import jsonify

from ..delegations import check_revocation
from .blueprint import bp, service
from .bodies import b64_field, json_body


@bp.post("/api/v1/delegations/revoke")
def delegations_revoke():
    body = json_body(4 * 1024)
    delegation = check_revocation(b64_field(body, "delegation"),
                                  b64_field(body, "signature", 64))
    verifier = service()
    verifier.revoked_delegations.revoke(delegation, now=verifier.now())
    return jsonify(revoked=True, id=delegation.id.hex(), until=delegation.valid_until)
