"""GET /api/v1/challenge: this counter's current challenge, for the counter page to show.

    {"challenge": b64url (4 bytes), "text": "7K3M9Q", "qr": "data:image/svg+xml;base64,…",
     "refresh_at": unix s (show the next one from then), "expires_at": unix s (last second
     a live code answering it is accepted), "policy": "required" | "preferred" | "off"}

With a counter token the challenge is that counter's (it answers only verifications sent
with the same token), and `policy` its setting (its own in config.json "counter_policies",
else the installation's); without, this server's (ELICENCE_COUNTER_ID). See
docs/decisions/0286-per-counter-challenges.md.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from flask import jsonify, request

from ..challenges import qr_data_url
from .blueprint import bp, service
from .requester import counter


@lru_cache(maxsize=8)
def _qr(text: str) -> str:
    return qr_data_url(text)


@bp.get("/api/v1/challenge")
def challenge():
    verifier = service()
    asking = counter(request.environ)
    current = verifier.challenges_of(asking).current(verifier.now())
    return jsonify(challenge=base64.urlsafe_b64encode(current.value).decode().rstrip("="),
                   text=current.text, qr=_qr(current.qr_text), refresh_at=current.refresh_at,
                   expires_at=current.expires_at, policy=verifier.policies.of(asking).challenge)
