"""GET /api/v1/alerts[?since=unix seconds][&limit=n]: the installation's alerts, for its
operators (Authorization: Bearer <ELICENCE_OPERATOR_TOKEN>), oldest first."""

from __future__ import annotations

import hashlib
import hmac

from flask import jsonify, request

from ..errors import OperatorAuthError, RequestError
from .blueprint import bp, service

MAX_LIMIT = 1000


@bp.get("/api/v1/alerts")
def alerts():
    verifier = service()
    _check_token(verifier.config.operator_token, request.headers.get("Authorization", ""))
    since = _whole_number(request.args.get("since", "0"))
    limit = _whole_number(request.args.get("limit", str(MAX_LIMIT)))
    if since is None or limit is None or not 1 <= limit <= MAX_LIMIT:
        raise RequestError(f"Give since as unix seconds and limit as a number from 1 to "
                           f"{MAX_LIMIT}.", field="since")
    found = verifier.alerts.store.since(since, limit=limit)
    return jsonify(alerts=[a.to_json() for a in found])


def _check_token(expected: str | None, header: str) -> None:
    scheme, _, given = header.partition(" ")
    # Digests of both, compared in constant time: neither the token's characters nor its
    # length show in the answer's timing.
    same = hmac.compare_digest(hashlib.sha256(given.strip().encode()).digest(),
                               hashlib.sha256((expected or "").encode()).digest())
    if expected is None or scheme.lower() != "bearer" or not same:
        raise OperatorAuthError("Send the installation's operator token as "
                                "\"Authorization: Bearer <token>\" (ELICENCE_OPERATOR_TOKEN).",
                                www_authenticate='Bearer realm="elicence operators"')


def _whole_number(text: str) -> int | None:
    """ASCII digits only: str.isdigit() also takes "²", which int() refuses."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 20 else None
