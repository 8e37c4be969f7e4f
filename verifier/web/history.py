"""POST /api/v1/history {"qr": text}: the licence's history (verifier.history), for the
counter page's "history" tap and the wallet's cards. The code itself is the key: a code
that is not a genuine licence is refused (`licence_not_genuine`, 422)."""

from __future__ import annotations

from flask import jsonify

from ..errors import RequestError
from .blueprint import bp, service
from .bodies import json_body


@bp.post("/api/v1/history")
def history():
    body = json_body()
    text = body.get("qr")
    if not isinstance(text, str) or not text.strip():
        raise RequestError("The field qr (the licence's scanned text) is missing or not "
                           "text.", field="qr")
    return jsonify(service().history(text.strip()))
