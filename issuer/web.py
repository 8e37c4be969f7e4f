"""The issuer side of the wallet's claim exchange, as a Flask blueprint.

    POST /api/v1/claims/challenge   → {"challenge": b64url, "expires_in": 300}
    POST /api/v1/claims             {"code", "device_key", "challenge", "signature"} (b64url)
                                    → {"licence": b64url CBOR of the bound copy, ...}

Errors are JSON {"error": {"reason", "message", "message_zh"}} with a fitting status;
logs name a pseudonymous device-key handle, never a code, a name or a number.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request

from chain.cli.context import AdminContext
from chain.errors import ChainError
from issuer.authority import AuthorityError, IssuingAuthority, load_authority
from issuer.claiming import Challenges, ClaimError, claim, device_key_id
from issuer.store import Store, utc_now

bp = Blueprint("claims", __name__, url_prefix="/api/v1/claims")
log = logging.getLogger("elicence.claims")
MAX_BODY = 4096


class ClaimService:
    """What the blueprint needs, opened once per app: store, challenges, authorities."""

    def __init__(self, admin: AdminContext, store: Store, challenge_secret: bytes) -> None:
        self.admin, self.store = admin, store
        self.challenges = Challenges(challenge_secret)
        self._authorities: dict[str, IssuingAuthority] = {}
        self._lock = threading.Lock()

    def authority(self, authority_id: str) -> IssuingAuthority:
        with self._lock:  # unlocking keys takes a moment: once per authority per process
            if authority_id not in self._authorities:
                self._authorities[authority_id] = load_authority(
                    self.admin, authority_id, licence_type=None, now=utc_now())
            return self._authorities[authority_id]


def init_app(app: Flask, service: ClaimService) -> None:
    app.extensions["elicence.claims"] = service
    app.register_blueprint(bp)


def _service() -> ClaimService:
    return current_app.extensions["elicence.claims"]


def _b64(value: Any, field: str) -> bytes:
    if not isinstance(value, str) or len(value) > 512:
        raise ClaimError(400, "bad_request", f"The field {field} is missing or not text.",
                         f"字段 {field} 缺失或格式错误。")
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_",
                                validate=True)
    except (binascii.Error, ValueError):
        raise ClaimError(400, "bad_request", f"The field {field} is not base64url.",
                         f"字段 {field} 不是 base64url 编码。") from None


@bp.errorhandler(ClaimError)
def _claim_error(exc: ClaimError):
    return jsonify(error={"reason": exc.reason, "message": exc.message,
                          "message_zh": exc.message_zh}), exc.status


@bp.post("/challenge")
def challenge():
    value = _service().challenges.issue(utc_now())
    return jsonify(challenge=base64.urlsafe_b64encode(value).decode().rstrip("="),
                   expires_in=300)


@bp.post("")
def claim_licence():
    if (request.content_length or 0) > MAX_BODY:
        raise ClaimError(413, "too_large", "The claim request is too large.", "请求过大。")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ClaimError(415 if not request.is_json else 400, "bad_request",
                         "Send the claim as a JSON object.", "请以 JSON 对象提交领取请求。")
    code = body.get("code")
    if not isinstance(code, str):
        raise ClaimError(400, "bad_request", "The field code is missing.", "缺少领取码。")
    device_key = _b64(body.get("device_key"), "device_key")
    service = _service()
    try:
        result = claim(service.store, service.authority, code=code, device_key=device_key,
                       challenge=_b64(body.get("challenge"), "challenge"),
                       signature=_b64(body.get("signature"), "signature"), now=utc_now(),
                       challenges=service.challenges)
    except (ChainError, AuthorityError) as exc:
        log.warning("claim failed on the chain side: %s", getattr(exc, "reason", "authority"))
        raise ClaimError(503, "issuer_unavailable",
                         "The issuing authority cannot anchor the licence right now: try "
                         "again in a few minutes.", "发证机关暂时无法完成上链，请稍后再试。"
                         ) from None
    log.info("licence %s claimed by device %s", result.licence_id, device_key_id(device_key))
    return jsonify(
        licence=base64.urlsafe_b64encode(result.bound_licence).decode().rstrip("="),
        authority=result.authority_id, licence_type=result.licence_type,
        status=result.status)
