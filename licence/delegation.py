"""Delegations: the holder's device key lets another wallet (an agent, a relative) show
its licence, limited to some claims and until a date (docs/decisions/0220).

The holder's device signs ES256 (raw r||s) over
  Sig_structure ["Signature1", h'', "elicence/delegation/v1", body]
  body = deterministic CBOR {1: holder key, 2: delegate key, 3: licence status ref,
                             4: claim bit set (bit k: claim key k may be shown),
                             5: valid until (unix s)}
Every code carries the delegation in its COMPACT form, [{1: holder key, 4: claims,
5: until, 6: delegate kid}, signature]: the delegate key and the status ref are already in
the live code (its signer and its licence), so the verifier rebuilds the signed body from
them and the holder's signature covers them without sending them twice (33 + 16 bytes of
a QR code that must stay within version 20). The kid (4 bytes of SHA-256 of the delegate
key) is not signed; it only lets a verifier tell "shown by another phone" from "altered".

The same compact form travels from the holder's wallet to the delegate's, in an ELD1 code
holding [licence map without device digest, delegation]. A delegation's id (16 bytes of
SHA-256 of its body) is what the holder's revocation names.

Making one (`licence.delegate`) and an agent's code (`licence.present_delegated`) live in
presentation.py: the holder's wallet measures the agent's code before it signs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import _cose
from ._base45 import b45encode
from ._cbor import dumps, loads_limited
from ._hash import NODE_BYTES
from .errors import DecodeError, ExpiredError, LicenceError, PresentationError
from .licence import K_DEVICE, Licence, int_keyed_map
from .qr import decode_text

DELEGATION_CONTEXT = b"elicence/delegation/v1"
REVOCATION_CONTEXT = b"elicence/delegation-revocation/v1"
DELEGATED_COPY_PREFIX = "ELD1:"
D_HOLDER, D_DELEGATE, D_LICENCE, D_CLAIMS, D_UNTIL, D_KID = 1, 2, 3, 4, 5, 6
KEY_BYTES = 33
KID_BYTES = 4
MAX_CLAIM_KEY = 63  # the bit set fits an unsigned 64-bit integer
LIVE_CODE_MAX_CHARS = 970  # alphanumeric characters of a version-20 QR code at level M
AGENT_CHALLENGE_BYTES = 4  # a counter challenge (verifier/challenges.py)


def delegate_kid(delegate_key: bytes) -> bytes:
    return hashlib.sha256(delegate_key).digest()[:KID_BYTES]


def claim_bits(keys: Iterable[int]) -> int:
    bits = 0
    for key in keys:
        if not 0 <= key <= MAX_CLAIM_KEY:
            raise LicenceError("A claim key is outside the delegation's bit set.",
                               reason="claim_unknown")
        bits |= 1 << key
    return bits


def _bad(message: str) -> DecodeError:
    return DecodeError(message, reason="delegation_malformed")


@dataclass(frozen=True)
class Delegation:
    """A delegation as signed. Unverified until `verify_signature` returns."""

    holder_key: bytes
    delegate_key: bytes
    licence_ref: bytes
    claims: int  # bit set of claim keys
    valid_until: int
    signature: bytes
    kid: bytes = b""  # as carried in the compact form ("" for one built here)

    def body(self) -> bytes:
        return dumps({D_HOLDER: self.holder_key, D_DELEGATE: self.delegate_key,
                      D_LICENCE: self.licence_ref, D_CLAIMS: self.claims,
                      D_UNTIL: self.valid_until})

    @property
    def id(self) -> bytes:
        """What a revocation names: 16 bytes of SHA-256 of the signed body."""
        return hashlib.sha256(self.body()).digest()[:NODE_BYTES]

    def allows(self, claim_key: int) -> bool:
        return claim_key <= MAX_CLAIM_KEY and bool(self.claims >> claim_key & 1)

    # ------------------------------------------------------------------ checks
    def verify_signature(self) -> None:
        """Raises PresentationError unless the holder's key signed this delegation for this
        delegate key and licence; `delegate_key_mismatch` when the compact form's kid names
        another phone than the one showing it."""
        if self.kid and self.kid != delegate_kid(self.delegate_key):
            raise PresentationError("The delegation was given to another phone than the one "
                                    "showing the licence.", reason="delegate_key_mismatch")
        try:
            public = _cose.public_key_from_bytes(self.holder_key)
            _cose.verify(public, self.signature, delegation_tbs(self.body()),
                         reason="delegation_signature_invalid")
        except LicenceError:
            raise PresentationError("The delegation is not signed by the licence's holder: it "
                                    "was altered or forged.",
                                    reason="delegation_signature_invalid") from None

    def check_claims(self, licence: Licence) -> None:
        """Raises PresentationError if `licence` discloses a claim the holder did not allow
        (a full licence with its seed discloses every claim it carries)."""
        schema = licence.schema
        extra = sorted(n for n in licence.claims if not self.allows(schema.by_name[n].key))
        if extra:
            raise PresentationError("The agent shows more than the holder allowed: "
                                    + ", ".join(extra) + ".", reason="delegation_claims_exceeded",
                                    claims=extra)

    def check_time(self, now: int) -> None:
        if now > self.valid_until:
            raise ExpiredError("The holder's authorisation of this agent has ended.",
                               reason="delegation_expired", until=self.valid_until)

    # ------------------------------------------------------------------ wire forms
    def compact(self) -> list[Any]:
        """The form codes carry: [{1, 4, 5, 6}, signature]."""
        return [{D_HOLDER: self.holder_key, D_CLAIMS: self.claims, D_UNTIL: self.valid_until,
                 D_KID: self.kid or delegate_kid(self.delegate_key)}, self.signature]

    def to_bytes(self) -> bytes:
        """The full form, cbor([body, signature]): what a holder's revocation sends."""
        return dumps([self.body(), self.signature])

    @classmethod
    def from_bytes_unverified(cls, data: bytes) -> Delegation:
        outer = loads_limited(data, max_depth=1, max_items=3)
        if not (isinstance(outer, list) and len(outer) == 2
                and all(type(x) is bytes for x in outer)):
            raise _bad("The delegation is not [body, signature].")
        m = loads_limited(outer[0], max_depth=1, max_items=11)
        if not int_keyed_map(m) or set(m) != {D_HOLDER, D_DELEGATE, D_LICENCE, D_CLAIMS,
                                              D_UNTIL}:
            raise _bad("The delegation lacks its fields.")
        delegate, ref = m[D_DELEGATE], m[D_LICENCE]
        if type(delegate) is not bytes or len(delegate) != KEY_BYTES \
                or type(ref) is not bytes or len(ref) != NODE_BYTES:
            raise _bad("The delegation's delegate key or licence reference is malformed.")
        return _checked(m, delegate, ref, outer[1], b"")

    @classmethod
    def from_compact_unverified(cls, value: Any, delegate_key: bytes,
                                licence_ref: bytes) -> Delegation:
        """The compact form, completed with the key showing it and the licence it shows."""
        if not (isinstance(value, list) and len(value) == 2 and type(value[1]) is bytes):
            raise _bad("The delegation is not [fields, signature].")
        m = value[0]
        if not int_keyed_map(m) or set(m) != {D_HOLDER, D_CLAIMS, D_UNTIL, D_KID}:
            raise _bad("The delegation lacks its fields.")
        kid = m[D_KID]
        if type(kid) is not bytes or len(kid) != KID_BYTES:
            raise _bad("The delegation's delegate key id is malformed.")
        return _checked(m, delegate_key, licence_ref, value[1], kid)


def _checked(m: dict[int, Any], delegate: bytes, ref: bytes, signature: bytes,
             kid: bytes) -> Delegation:
    holder, claims, until = m[D_HOLDER], m[D_CLAIMS], m[D_UNTIL]
    if type(holder) is not bytes or len(holder) != KEY_BYTES \
            or type(claims) is not int or not 0 < claims < 1 << (MAX_CLAIM_KEY + 1) \
            or type(until) is not int or not 0 <= until < 1 << 63 \
            or len(signature) != _cose.SIGNATURE_BYTES:
        raise _bad("The delegation's holder key, claims, end or signature is malformed.")
    return Delegation(holder, delegate, ref, claims, until, signature, kid)


def delegation_tbs(body: bytes) -> bytes:
    """What the holder's device signs for a delegation."""
    return _cose.sig_structure(b"", DELEGATION_CONTEXT, body)


def revocation_message(delegation_id: bytes) -> bytes:
    """What the holder's device signs to revoke a delegation."""
    return _cose.sig_structure(b"", REVOCATION_CONTEXT, delegation_id)


def delegated_copy_text(shared: Licence, delegation: Delegation) -> str:
    """The ELD1 code the holder's wallet shows the delegate's wallet."""
    m = shared.to_map()
    m.pop(K_DEVICE, None)
    # Stored, as the wallet writes it (the payload is mostly salts, nodes and keys).
    return DELEGATED_COPY_PREFIX + b45encode(dumps([m, delegation.compact()]))


def read_delegated_copy(text: str, delegate_key: bytes) -> tuple[Licence, Delegation]:
    """The delegate's side of `delegated_copy_text`, for the wallet of `delegate_key`:
    (licence copy, delegation), both checked: the holder signed this delegation to this
    key for this licence, and the copy shows nothing beyond it. (Whether the licence
    itself is genuine, the counter checks.)"""
    _, data = decode_text(text, (DELEGATED_COPY_PREFIX,))
    outer = loads_limited(data)
    if not (isinstance(outer, list) and len(outer) == 2 and isinstance(outer[0], dict)) \
            or K_DEVICE in outer[0]:
        raise _bad("The handover code is not [licence, delegation].")
    shared = Licence.from_map_unverified(outer[0])
    delegation = Delegation.from_compact_unverified(outer[1], delegate_key, shared.status_ref)
    delegation.verify_signature()
    delegation.check_claims(shared)
    return shared, delegation
