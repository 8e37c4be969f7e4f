"""Claiming a licence into a holder's wallet: claim code + device key + proof of possession
→ a copy of the licence bound to that device key, signed and anchored by the authority.

The wallet first asks for a challenge, then signs (ES256, its non-extractable WebCrypto
key) the claim message below. The authority answers with a bound copy: the same claims,
validity and status reference, committed to the device key, in a batch of its own that is
anchored before it is released — so a bound copy is exactly as trustworthy as the printed
licence, and revoking one revokes both.

    message = "elicence/claim/v1" 0x00 challenge 0x00 code (16 chars) 0x00 device key (33 B)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlalchemy import select

from issuer.authority import IssuingAuthority
from issuer.batches import anchor_now
from issuer.claim_codes import ClaimCodeError, code_hash, normalise
from issuer.store import (
    Batch,
    BatchRoot,
    BatchState,
    Binding,
    IssuedLicence,
    LicenceStatus,
    Store,
)
from licence import Licence, LicenceItem, build_batch, compressed_public_key, load_schema

CHALLENGE_SECONDS = 300
MESSAGE_LABEL = b"elicence/claim/v1\0"


class ClaimError(Exception):
    """A claim refused; `status` is the HTTP status that fits, `reason` a stable code."""

    def __init__(self, status: int, reason: str, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message, self.message_zh = (
            status, reason, message, message_zh)


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
            raise ClaimError(400, "challenge_invalid",
                             "The claim challenge is not one this service issued: start the "
                             "claim again.", "领取验证信息无效，请重新开始领取。")
        (issued,) = struct.unpack(">Q", challenge[:8])
        if not issued <= now + 5 or now - issued > CHALLENGE_SECONDS:
            raise ClaimError(400, "challenge_expired",
                             "The claim challenge has expired: start the claim again.",
                             "领取验证信息已过期，请重新开始领取。")


def claim_message(challenge: bytes, code: str, device_key: bytes) -> bytes:
    return MESSAGE_LABEL + challenge + b"\0" + normalise(code).encode() + b"\0" + device_key


def check_possession(device_key: bytes, signature: bytes, message: bytes) -> None:
    """The wallet holds the private half of `device_key` (ES256, r‖s as WebCrypto signs)."""
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), device_key)
        if len(signature) != 64:
            raise ValueError
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                   int.from_bytes(signature[32:], "big"))
        public.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except (ValueError, InvalidSignature):
        raise ClaimError(401, "possession_unproven",
                         "The device could not prove it holds its key: reload the wallet and "
                         "try again.", "设备未能证明持有密钥，请刷新钱包后重试。") from None


def claim(store: Store, authorities: Callable[[str], IssuingAuthority], *, code: str,
          device_key: bytes, challenge: bytes, signature: bytes, now: int,
          challenges: Challenges) -> ClaimResult:
    """Checks the claim and returns the bound copy (made and anchored on first claim)."""
    challenges.check(challenge, now)
    try:
        wanted = code_hash(code)
        message = claim_message(challenge, code, device_key)
    except ClaimCodeError as exc:
        raise ClaimError(400, "claim_code_malformed", exc.message,
                         "领取码为16位字母和数字，请核对证照函上的领取码。") from None
    check_possession(device_key, signature, message)
    # One canonical form of the key: what the bound copy commits to.
    device_key = compressed_public_key(
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), device_key))
    with store.session() as s:
        record = s.scalars(select(IssuedLicence).where(
            IssuedLicence.claim_code_hash == wanted)).first()
        if record is None:
            raise ClaimError(404, "claim_code_unknown",
                             "This claim code is not known: check it against your licence "
                             "letter.", "领取码不存在，请与证照函核对。")
        existing = s.scalars(select(Binding).where(Binding.licence_id == record.id,
                                                    Binding.device_key == device_key)).first()
    if existing is not None:  # the same wallet retrying (a lost answer): same copy again
        return _result(record, existing.encoded)
    _check_claimable(record, now)
    authority = authorities(record.authority_id)
    bound = _bind(store, authority, record, device_key, now)
    return _result(record, bound)


def _check_claimable(record: IssuedLicence, now: int) -> None:
    if record.claimed_at is not None:
        raise ClaimError(410, "claim_code_used",
                         "This claim code has already been used on another device: ask the "
                         "issuing authority for a new code.",
                         "此领取码已在其他设备上使用，请向发证机关申请新的领取码。")
    if now > record.claim_expires_at:
        raise ClaimError(410, "claim_code_expired",
                         "This claim code has expired: ask the issuing authority for a new "
                         "code.", "领取码已过期，请向发证机关申请新的领取码。")
    if record.status != LicenceStatus.ACTIVE or record.encoded is None:
        raise ClaimError(409, "licence_not_active",
                         f"This licence is {record.status} and cannot be added to a wallet.",
                         "该证照当前状态不可领取。")


def _bind(store: Store, authority: IssuingAuthority, record: IssuedLicence,
          device_key: bytes, now: int) -> bytes:
    item = LicenceItem(Licence.from_bytes_unverified(record.encoded).claims, record.valid_from,
                       record.valid_until, record.status_ref, device_key)
    built = build_batch(authority.number, authority.key.key_id, authority.signing_key,
                        record.licence_type, now, [item])
    (signed_root,), (bound,) = built.roots, built.licences
    encoded = bound.to_bytes()
    with store.session() as s:
        batch = Batch(job_id=None, authority_id=authority.id,
                      authority_number=authority.number, licence_type=record.licence_type,
                      key_id=authority.key.key_id, sequence=0, count=1,
                      roots=signed_root.root, issued_at=now, state=BatchState.SIGNED)
        s.add(batch)
        s.flush()
        s.add(BatchRoot(batch_id=batch.id, position=0, root=signed_root.root,
                        protected=signed_root.protected, signature=signed_root.signature))
    anchor_now(store, authority, batch)  # released only once anchored and confirmed
    with store.session() as s:
        s.add(Binding(licence_id=record.id, device_key=device_key, batch_id=batch.id,
                      encoded=encoded, created_at=now))
        s.get(IssuedLicence, record.id).claimed_at = now
    return encoded


def _result(record: IssuedLicence, encoded: bytes | None) -> ClaimResult:
    return ClaimResult(record.id, record.authority_id, load_schema(record.licence_type).name,
                       encoded or b"", str(record.status))


def device_key_id(device_key: bytes) -> str:
    """A pseudonymous handle for a device key (never the key itself) for logs."""
    return hashlib.sha256(device_key).hexdigest()[:16]
