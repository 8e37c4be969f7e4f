"""Claiming a licence into a holder's wallet: claim code + device key + proof of possession
→ a copy of the licence bound to that device key, signed and anchored by the authority.

The wallet first asks for a challenge, then signs (ES256, its non-extractable WebCrypto
key) the claim message below. The authority answers with a bound copy: the same claims,
validity and status reference, committed to the device key, in a batch of its own that is
anchored before it is released — so a bound copy is exactly as trustworthy as the printed
licence, and revoking the licence revokes its copies. Each copy also has its own status
reference (licence.copy_status_ref), so one device's copy can be revoked alone.

The code is reserved atomically before anything is signed or anchored (reservation): of
parallel claims with one code, one binds a copy and the others are refused.

    message = "elicence/claim/v1" 0x00 challenge 0x00 code (16 chars) 0x00 device key (33 B)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from issuer.authority import IssuingAuthority
from issuer.claims import reservation
from issuer.claims.codes import code_hash, normalise
from issuer.errors import ClaimCodeError, ClaimError
from issuer.sending import anchoring
from issuer.store import (
    Batch,
    BatchRoot,
    BatchState,
    Binding,
    CopyState,
    IssuedLicence,
    Store,
)
from licence import (
    Licence,
    LicenceItem,
    SignatureError,
    build_batch,
    compressed_public_key,
    copy_status_ref,
    device_key_digest,
    load_schema,
    public_key_from_bytes,
    verify_device_signature,
)
from licence.predicates import signing_day
from licence.vocabulary import LicenceState

CHALLENGE_SECONDS = 300
MESSAGE_LABEL = b"elicence/claim/v1\0"


@dataclass(frozen=True)
class ClaimResult:
    licence_id: int
    authority_id: str
    licence_type: str
    bound_licence: bytes  # CBOR of the device-bound copy (carries claims and salt seed)
    status: str


class Challenges:
    """Stateless, expiring challenges: time ‖ random ‖ MAC, checked without a database."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def issue(self, now: int) -> bytes:
        body = struct.pack(">Q", now) + os.urandom(16)
        return body + hmac.digest(self._secret, body, "sha256")[:16]

    def check(self, challenge: bytes, now: int) -> None:
        if len(challenge) != 40 or not hmac.compare_digest(
                challenge[24:], hmac.digest(self._secret, challenge[:24], "sha256")[:16]):
            raise ClaimError("The claim challenge is not one this service issued: start the "
                             "claim again.", reason="challenge_invalid")
        (issued,) = struct.unpack(">Q", challenge[:8])
        if not issued <= now + 5 or now - issued > CHALLENGE_SECONDS:
            raise ClaimError("The claim challenge has expired: start the claim again.",
                             reason="challenge_expired")


def claim_message(challenge: bytes, code: str, device_key: bytes) -> bytes:
    return MESSAGE_LABEL + challenge + b"\0" + normalise(code).encode() + b"\0" + device_key


def check_possession(device_key: bytes, signature: bytes, message: bytes) -> None:
    """The wallet holds the private half of `device_key` (ES256, r‖s as WebCrypto signs)."""
    try:
        verify_device_signature(device_key, signature, message)
    except SignatureError:
        raise ClaimError("The device could not prove it holds its key: reload the wallet and "
                         "try again.", reason="possession_unproven") from None


def claim(store: Store, authorities: Callable[[str], IssuingAuthority], *, code: str,
          device_key: bytes, challenge: bytes, signature: bytes, now: int,
          challenges: Challenges, device_label: str | None = None) -> ClaimResult:
    """Checks the claim and returns the bound copy (made and anchored on first claim)."""
    challenges.check(challenge, now)
    try:
        wanted = code_hash(code)
        message = claim_message(challenge, code, device_key)
    except ClaimCodeError as exc:
        raise ClaimError(exc.message, reason="claim_code_malformed") from None
    check_possession(device_key, signature, message)
    # One canonical form of the key: what the bound copy commits to.
    device_key = compressed_public_key(public_key_from_bytes(device_key))
    with store.session() as s:
        record = s.scalars(select(IssuedLicence).where(
            IssuedLicence.claim_code_hash == wanted)).first()
        if record is None:
            raise ClaimError("This claim code is not known: check it against your licence "
                             "letter.", reason="claim_code_unknown")
        existing = s.scalars(select(Binding).where(Binding.licence_id == record.id,
                                                    Binding.device_key == device_key)).first()
    if existing is not None:  # the same wallet retrying (a lost answer): same copy again
        if existing.state == CopyState.REVOKED:
            raise ClaimError("This device's copy of the licence has been withdrawn by the "
                             "issuing authority.", reason="copy_revoked")
        return _result(record, existing.encoded)
    _check_claimable(record, now)
    authority = authorities(record.authority_id)
    digest = device_key_digest(device_key)
    reservation.reserve(store, record.id, digest, now=now)
    try:
        bound = _bind(store, authority, record, device_key, now, device_label)
    except BaseException:
        reservation.release(store, record.id, digest)
        raise
    return _result(record, bound)


def _check_claimable(record: IssuedLicence, now: int) -> None:
    if record.claimed_at is not None:
        raise ClaimError("This claim code has already been used on another device: ask the "
                         "issuing authority for a new code.", reason="claim_code_used")
    if now > record.claim_expires_at:
        raise ClaimError("This claim code has expired: ask the issuing authority for a new "
                         "code.", reason="claim_code_expired")
    if record.status != LicenceState.ACTIVE or record.encoded is None:
        raise ClaimError(f"This licence is {record.status} and cannot be added to a wallet.",
                         reason="licence_not_active")


def _bind(store: Store, authority: IssuingAuthority, record: IssuedLicence,
          device_key: bytes, now: int, device_label: str | None) -> bytes:
    original = Licence.from_bytes_unverified(record.encoded)
    # Predicates are computed for the day the copy is signed (licence/predicates.py).
    claims = load_schema(record.licence_type).with_predicates(original.claims,
                                                              signing_day(now))
    batch_id, encoded, bound_digest = anchor_copy(store, authority, record, claims,
                                                  device_key, now)
    digest = device_key_digest(device_key)
    with store.session() as s:
        reservation.complete(s, record.id, digest, now=now)
        s.add(Binding(licence_id=record.id, device_key=device_key, batch_id=batch_id,
                      encoded=encoded, created_at=now,
                      # from the copy's own (suite-hashed) device digest, as verifiers do
                      copy_ref=copy_status_ref(record.status_ref, bound_digest),
                      device_label=device_label, state=CopyState.ACTIVE))
    return encoded


def anchor_copy(store: Store, authority: IssuingAuthority, record: IssuedLicence,
                claims: dict, device_key: bytes, now: int) -> tuple[int, bytes, bytes]:
    """Signs a copy of `record` with `claims` bound to `device_key` in a batch of its own,
    anchors it and waits for confirmation; returns (batch id, the copy's CBOR, its device
    digest). Nothing is released before the batch is confirmed."""
    original = Licence.from_bytes_unverified(record.encoded)
    with store.session() as s:
        original_batch = s.get(Batch, record.batch_id)
        region = authority.anchor_region(original_batch.licence_type, original_batch.region)
    # The copy keeps the licence's region and is anchored under its batch's scope region.
    item = LicenceItem(claims, record.valid_from, record.valid_until,
                       record.status_ref, device_key, original.region_in(region))
    built = build_batch(authority.number, authority.key.key_id, authority.signing_key,
                        record.licence_type, now, [item], region=region)
    (signed_root,), (bound,) = built.roots, built.licences
    bound_digest = bound.device_digest or b""
    encoded = bound.to_bytes()
    with store.session() as s:
        batch = Batch(job_id=None, authority_id=authority.id,
                      authority_number=authority.number, licence_type=record.licence_type,
                      key_id=authority.key.key_id, sequence=0, count=1,
                      roots=signed_root.root, region=region, issued_at=now,
                      state=BatchState.SIGNED)
        s.add(batch)
        s.flush()
        s.add(BatchRoot(batch_id=batch.id, position=0, root=signed_root.root,
                        protected=signed_root.protected, signature=signed_root.signature))
    # Released only once anchored and confirmed.
    anchoring.submit(store, authority.registry, batch, region)
    anchoring.confirm(store, authority.registry, batch)
    return batch.id, encoded, bound_digest


def _result(record: IssuedLicence, encoded: bytes | None) -> ClaimResult:
    return ClaimResult(record.id, record.authority_id, load_schema(record.licence_type).name,
                       encoded or b"", str(record.status))


def device_key_id(device_key: bytes) -> str:
    """A pseudonymous handle for a device key (never the key itself) for logs."""
    return hashlib.sha256(device_key).hexdigest()[:16]
