"""The wallet's exports, beside the claim exchange (same prefix, same service):

    POST /api/v1/claims/export  {"format", "device_key", "status_ref", "signature"} (b64url),
                                "time" → {"format", "export" (the SD-JWT VC or JWT text; for
                                mdoc base64url CBOR), "media_type", "authority", "key_id"}

Its own blueprint so the claim module stays as it is; registered by the app next to it.
"""

from __future__ import annotations

import base64
import logging
import threading
from time import monotonic

from flask import Blueprint, Flask, current_app, jsonify

from chain.errors import ChainError
from chain.keystore import SIGNING
from chain.trust_material import authority_trust
from issuer.audit.entry import COPY_EXPORT
from issuer.claims.exchange import device_key_id
from issuer.claims.export import MEDIA_TYPES, ExportKey, export_copy
from issuer.claims.web import (
    ClaimService,
    _audit_claim,
    _b64,
    _json_body,
    _request_time,
    _service,
)
from issuer.errors import AuthorityError, ClaimError
from issuer.store import utc_now
from licence import ES256
from licence.exports import ExportError
from licence.exports._jose import SM2_REFUSAL
from licence.signer import Signer

bp = Blueprint("claims_export", __name__, url_prefix="/api/v1/claims")
log = logging.getLogger("elicence.claims")


class ExportKeys:
    """Each authority's export key: its current signing key when that is ES256 (already
    open, and rechecked, in the claim service), else its newest current ES256 key whose key
    file this installation holds (an authority moving to SM2 keeps exporting, as `elicence
    export` does). Read again when the authority's signing key changes, and a separate
    export key's record at most every `key_check_seconds` too, like the signing key's
    (docs/decisions/0290): a rotated or compromised export key stops signing."""

    def __init__(self, service: ClaimService) -> None:
        self._service = service
        self._held: dict[str, tuple[int, ExportKey, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, authority_id: str) -> ExportKey:
        authority = self._service.authority(authority_id)  # ClaimError when no key in force
        current = authority.key.key_id
        with self._lock:
            held = self._held.get(authority_id)
            if held is None or held[0] != current or not self._fresh(held, utc_now()):
                self._held.pop(authority_id, None)
                held = (current, self._read(authority_id, authority.signing_key, current),
                        monotonic())
                self._held[authority_id] = held
            return held[1]

    def _fresh(self, held: tuple[int, ExportKey, float], now: int) -> bool:
        """Whether a held export key may still sign without a look at the chain: the
        signing key itself is rechecked by the claim service; another key by its age."""
        current, export_key, read_at = held
        if export_key.key.key_id == current:
            return True
        key = export_key.key
        return (key.valid_from <= now < key.valid_until and not key.compromised_at
                and monotonic() - read_at < self._service.key_check_seconds)

    def _read(self, authority_id: str, current_signer: Signer, current: int) -> ExportKey:
        installation = self._service.installation
        material = authority_trust(installation, installation.registry(), authority_id)
        if current_signer.suite is ES256:
            return ExportKey(material.key(current), current_signer, material)
        now = utc_now()
        for key in reversed(material.es256_keys):
            name = f"{authority_id}-{key.key_id}"
            if (key.valid_from <= now < key.valid_until and not key.compromised_at
                    and installation.keystore.has(SIGNING, name)):
                return ExportKey(key, installation.keystore.signing_key(name), material)
        raise ExportError(SM2_REFUSAL, reason="export_algorithm_unsupported")


def init_app(app: Flask, service: ClaimService) -> None:
    app.extensions["elicence.claims.export_keys"] = ExportKeys(service)
    app.register_blueprint(bp)


@bp.post("/export")
def export():
    """The asking device's copy as an SD-JWT VC, vc+jwt or mdoc bound to its device key."""
    body = _json_body("export request")
    time = _request_time(body)
    device_key = _b64(body.get("device_key"), "device_key")
    service = _service()
    try:
        result = export_copy(service.store, current_app.extensions["elicence.claims.export_keys"],
                             fmt=body.get("format"), device_key=device_key,
                             status_ref=_b64(body.get("status_ref"), "status_ref"), time=time,
                             signature=_b64(body.get("signature"), "signature"),
                             now=utc_now())
    except (ChainError, AuthorityError) as exc:
        log.warning("export failed on the chain side: %s", exc.reason)
        raise ClaimError("The issuing authority cannot sign exports right now: try again in a "
                         "few minutes.", reason="issuer_unavailable") from None
    device = device_key_id(device_key)
    log.info("licence %s exported as %s for device %s", result.licence_id, result.format,
             device)
    _audit_claim(service.store, result.licence_id, result.authority_id, device, COPY_EXPORT)
    text = (base64.urlsafe_b64encode(result.data).decode().rstrip("=")
            if result.format == "mdoc" else result.data.decode("ascii"))
    return jsonify(format=result.format, export=text, media_type=MEDIA_TYPES[result.format],
                   authority=result.authority_id, key_id=result.key_id)
