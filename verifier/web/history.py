"""POST /api/v1/history {"qr": text}: the licence's history (verifier.history), for the
counter page's "history" tap and the wallet's cards. The code itself is the key: a code
that is not a genuine licence is refused (`licence_not_genuine`, 422)."""

from __future__ import annotations

from flask import jsonify

from .blueprint import bp, service
from .bodies import json_body, qr_text


@bp.post("/api/v1/history")
def history():
    text = qr_text(json_body().get("qr"), "the licence's scanned text")
    return jsonify(service().history(text.strip()))
