"""The issuer side of the wallet's claim exchange, as a Flask blueprint.

    POST /api/v1/claims/challenge   → {"challenge": b64url, "expires_in": 300}
    POST /api/v1/claims             {"code", "device_key", "challenge", "signature"} (b64url)
                                    [, "device_label"] → {"licence": b64url CBOR of the
                                    bound copy, ...}
    POST /api/v1/claims/copies      {"device_key", "status_ref", "signature"} (b64url),
                                    "time" → {"count": active copies, "copies": [{"added_at",
                                    "device_label", "state", "this_device"}, ...]}
    POST /api/v1/claims/refresh     {"device_key", "status_ref", "signature"} (b64url),
                                    "time" → {"licence": b64url CBOR of the copy signed
                                    again, "refreshed", "changed": [predicate names], ...}

Routes raise our errors (issuer.errors); the app's web edge answers them. Logs name a
pseudonymous device-key handle, never a code, a name or a number.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from dataclasses import dataclass, replace
from time import monotonic
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request

from chain.config import ConfigError, Settings
from chain.errors import ChainError
from chain.installation import Installation
from chain.records import KeyRecord
from issuer.audit import AuditRecord, append
from issuer.audit.entry import CLAIM, CLAIM_SERVER, REFRESH
from issuer.authority import IssuingAuthority, current_key, load_authority
from issuer.claims.copies import copies_for_holder
from issuer.claims.exchange import CHALLENGE_SECONDS, Challenges, claim, device_key_id
from issuer.claims.refresh import refresh_copy
from issuer.errors import AuthorityError, ClaimError
from issuer.store import IssuedLicence, Store, utc_now
from licence.errors import TEXT_FIELD_PROBLEMS, text_field_problem

bp = Blueprint("claims", __name__, url_prefix="/api/v1/claims")
log = logging.getLogger("elicence.claims")
MAX_BODY = 4096


KEY_CHECK_SECONDS = 5  # how stale the claim service's view of a signing key may be (0290)


def signs_now(key: KeyRecord, now: int) -> bool:
    """Whether a key may sign a new copy now: within its validity and never marked
    compromised (a mark, even one dated later, ends its use for anything new)."""
    return key.valid_from <= now < key.valid_until and key.compromised_at is None


def no_key_in_force(authority_id: str) -> ClaimError:
    return ClaimError(f"{authority_id} has no signing key in force right now (its key was "
                      "withdrawn or has expired), so nothing is signed: try again once the "
                      "authority has registered a new key.", reason="issuer_unavailable")


def key_check_setting(settings: Settings) -> float:
    """`claims_key_check_seconds` from config.json (default KEY_CHECK_SECONDS), or
    ConfigError: a server that would never look again must not start."""
    value = settings.extra.get("claims_key_check_seconds", KEY_CHECK_SECONDS)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 300:
        raise ConfigError(f"claims_key_check_seconds in {settings.config_file} must be a "
                          f"number of seconds from 0 to 300, not {value!r}: fix or remove it.")
    return float(value)


@dataclass(frozen=True)
class _Held:
    authority: IssuingAuthority
    checked_at: float  # monotonic() of the last look at the on-chain key record


class ClaimService:
    """What the blueprint needs, opened once per app: store, challenges, authorities.

    An authority (its role accounts and signing key, slow to unlock) is opened once and
    kept, but its on-chain key record is looked at again at most every `key_check_seconds`
    and whenever the key's known validity has run out: a rotated key is followed, a key
    marked compromised stops signing within that bound (docs/decisions/0290)."""

    def __init__(self, installation: Installation, store: Store, challenge_secret: bytes,
                 key_check_seconds: float | None = None) -> None:
        self.installation, self.store = installation, store
        self.challenges = Challenges(challenge_secret)
        self.key_check_seconds = (key_check_setting(installation.settings)
                                  if key_check_seconds is None else key_check_seconds)
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def authority(self, authority_id: str) -> IssuingAuthority:
        """The authority with the signing key in force now, or ClaimError when it has none."""
        now = utc_now()
        with self._lock:  # one look at the chain (or one unlock) at a time
            held = self._held.get(authority_id)
            if (held is not None and signs_now(held.authority.key, now)
                    and monotonic() - held.checked_at < self.key_check_seconds):
                return held.authority
            self._held.pop(authority_id, None)  # never sign with what we could not recheck
            authority = self._current(authority_id, held, now)
            self._held[authority_id] = _Held(authority, monotonic())
            return authority

    def _current(self, authority_id: str, held: _Held | None, now: int) -> IssuingAuthority:
        """The held authority with its key record as the chain has it now; loaded afresh
        (the new key unlocked) when the key in force is another one or it is suspended."""
        try:
            if held is not None:
                reader = held.authority.registry  # its anchor client reads as well
                record = reader.authority(held.authority.number)
                key = current_key(self.installation, reader, record, now)
                if key.key_id == held.authority.key.key_id and not record.suspended:
                    if not signs_now(key, now):
                        raise no_key_in_force(authority_id)
                    return replace(held.authority, record=record, key=key)
            authority = load_authority(self.installation, authority_id, licence_type=None,
                                       now=now)
        except AuthorityError as exc:
            if exc.reason == "no_signing_key":
                raise no_key_in_force(authority_id) from None
            raise
        if not signs_now(authority.key, now):
            raise no_key_in_force(authority_id)
        if held is not None and held.authority.key.key_id != authority.key.key_id:
            log.info("%s now signs with key %s (was key %s)", authority_id,
                     authority.key.key_id, held.authority.key.key_id)
        return authority


def _audit_claim(store: Store, licence_id: int, authority_id: str, device: str,
                 action: str = CLAIM) -> None:
    """The claim (or refresh) in the authority's audit log (anchored by the next command or
    by the periodic `elicence audit anchor`: one transaction per claim would be too many)."""
    with store.session() as s:
        number = s.get(IssuedLicence, licence_id).licence_number
    append(store, AuditRecord(authority_id, CLAIM_SERVER, action, licences=[number],
                              detail={"device": device}))


def init_app(app: Flask, service: ClaimService) -> None:
    app.extensions["elicence.claims"] = service
    app.register_blueprint(bp)


def _service() -> ClaimService:
    return current_app.extensions["elicence.claims"]


def _json_body(what: str) -> dict[str, Any]:
    """The request's JSON object body, within MAX_BODY; `what` names it in refusals."""
    if (request.content_length or 0) > MAX_BODY:
        raise ClaimError(f"The {what} is too large.", reason="too_large",
                         limit=f"{MAX_BODY // 1024} KiB")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ClaimError(f"Send the {what} as a JSON object.",
                         reason="unsupported_media_type" if not request.is_json
                         else "bad_request")
    return body


MAX_B64_CHARS = 512  # the largest field (a signature, a key) is far shorter


def _b64(value: Any, field: str) -> bytes:
    """A base64url field's bytes; ClaimError saying whether it is missing (absent or
    null), not text, empty, too long or not base64url."""
    problem = text_field_problem(value, MAX_B64_CHARS)
    if problem is not None:
        limit = f" of at most {MAX_B64_CHARS} characters" if problem == "too_long" else ""
        raise ClaimError(f"The field {field} {TEXT_FIELD_PROBLEMS[problem]}: send it as "
                         f"base64url text{limit}.", reason="bad_request", field=field,
                         problem=problem, limit=MAX_B64_CHARS)
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_",
                                validate=True)
    except (binascii.Error, ValueError):
        raise ClaimError(f"The field {field} is not base64url.", reason="bad_request",
                         field=field) from None


def _request_time(body: dict) -> int:
    """A signed device request's time (unix seconds), or ClaimError."""
    time = body.get("time")
    if type(time) is not int or not 0 <= time < 1 << 63:
        raise ClaimError("The field time must be the request time in unix seconds.",
                         reason="bad_request", field="time")
    return time


def _label(value: Any) -> str | None:
    """The wallet's name for its device ("Android phone"), shown back in the devices list."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40 or not value.isprintable():
        raise ClaimError("The field device_label must be short text (40 characters at most).",
                         reason="bad_request", field="device_label")
    return value.strip() or None


@bp.post("/challenge")
def challenge():
    value = _service().challenges.issue(utc_now())
    return jsonify(challenge=base64.urlsafe_b64encode(value).decode().rstrip("="),
                   expires_in=CHALLENGE_SECONDS)


@bp.post("")
def claim_licence():
    body = _json_body("claim request")
    code = body.get("code")
    problem = text_field_problem(code)
    if problem is not None:
        raise ClaimError(f"The field code {TEXT_FIELD_PROBLEMS[problem]}: send the claim "
                         "code printed on the licence letter.", reason="bad_request",
                         field="code", problem=problem)
    device_key = _b64(body.get("device_key"), "device_key")
    service = _service()
    try:
        result = claim(service.store, service.authority, code=code, device_key=device_key,
                       challenge=_b64(body.get("challenge"), "challenge"),
                       signature=_b64(body.get("signature"), "signature"), now=utc_now(),
                       challenges=service.challenges,
                       device_label=_label(body.get("device_label")))
    except (ChainError, AuthorityError) as exc:
        log.warning("claim failed on the chain side: %s", exc.reason)
        raise ClaimError("The issuing authority cannot anchor the licence right now: try "
                         "again in a few minutes.", reason="issuer_unavailable") from None
    log.info("licence %s claimed by device %s", result.licence_id, device_key_id(device_key))
    _audit_claim(service.store, result.licence_id, result.authority_id,
                 device_key_id(device_key))
    return jsonify(
        licence=base64.urlsafe_b64encode(result.bound_licence).decode().rstrip("="),
        authority=result.authority_id, licence_type=result.licence_type,
        status=result.status)


@bp.post("/copies")
def holder_copies():
    """Which devices hold the asking device's licence, and since when (signed by it)."""
    body = _json_body("request")
    time = _request_time(body)
    own, copies = copies_for_holder(
        _service().store, device_key=_b64(body.get("device_key"), "device_key"),
        status_ref=_b64(body.get("status_ref"), "status_ref"), time=time,
        signature=_b64(body.get("signature"), "signature"), now=utc_now())
    fingerprint = own.hex()[:8]
    return jsonify(
        count=sum(c.state == "active" for c in copies),
        copies=[{"added_at": c.added_at, "device_label": c.device_label, "state": c.state,
                 "this_device": c.fingerprint == fingerprint} for c in copies])


@bp.post("/refresh")
def refresh():
    """The asking device's copy signed again today (predicates recomputed), replacing the
    old one; signed by that copy's device key, no claim code."""
    body = _json_body("refresh request")
    time = _request_time(body)
    device_key = _b64(body.get("device_key"), "device_key")
    service = _service()
    try:
        result = refresh_copy(service.store, service.authority, device_key=device_key,
                              status_ref=_b64(body.get("status_ref"), "status_ref"), time=time,
                              signature=_b64(body.get("signature"), "signature"),
                              now=utc_now())
    except (ChainError, AuthorityError) as exc:
        log.warning("refresh failed on the chain side: %s", exc.reason)
        raise ClaimError("The issuing authority cannot anchor the licence right now: try "
                         "again in a few minutes.", reason="issuer_unavailable") from None
    if result.resigned:
        log.info("licence %s refreshed for device %s", result.licence_id,
                 device_key_id(device_key))
        _audit_claim(service.store, result.licence_id, result.authority_id,
                     device_key_id(device_key), REFRESH)
    return jsonify(
        licence=base64.urlsafe_b64encode(result.copy).decode().rstrip("="),
        authority=result.authority_id, licence_type=result.licence_type,
        refreshed=result.resigned, changed=list(result.changed))
