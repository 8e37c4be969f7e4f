"""Live presentations (ELP1): a wallet-bound licence disclosure signed by the device key.

ELP1 payload = cbor([body, signature]); body is the deterministic CBOR of
  {1: licence map, 2: device key (33 B), 3: time (unix s), 4: challenge (1-16 B, optional)}
where the licence map is a disclosure of a bound copy WITHOUT its device digest (key 8):
the verifier recomputes it from the device key, so a wrong key breaks the issuer's
signature. signature = ES256 r||s by the device key over
  Sig_structure ["Signature1", h'', "elicence/presentation/v1", body].
The body bytes are signed as received, so verifiers never re-encode before checking.

An agent's code (docs/decisions/0220) adds {5: [delegation]} (licence.delegation's compact
form): the device key is then the agent's, and the licence's device digest is recomputed
from the HOLDER's key the delegation names. The list form lets a chain of delegations be
written down, so that a verifier refuses it by name (`redelegation_refused`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from . import _cose
from ._cbor import dumps, loads_limited
from ._hash import device_key_digest
from .delegation import (
    AGENT_CHALLENGE_BYTES,
    KEY_BYTES,
    LIVE_CODE_MAX_CHARS,
    Delegation,
    claim_bits,
    delegation_tbs,
)
from .device import compressed_public_key
from .errors import DecodeError, ExpiredError, LicenceError, PresentationError
from .licence import K_DEVICE, Licence, int_keyed_map
from .limits import MAX_CHALLENGE_BYTES, PRESENTATION_CLOCK_SKEW, PRESENTATION_MAX_AGE
from .qr import PRESENTATION_PREFIX, encode_text

B_LICENCE, B_DEVICE_KEY, B_TIME, B_CHALLENGE, B_DELEGATION = 1, 2, 3, 4, 5
DEVICE_KEY_BYTES = 33
MAX_DELEGATIONS = 2  # enough to read (and refuse) a re-delegation; only 1 is ever valid

__all__ = ["Presentation", "compressed_public_key", "delegate", "present",
           "present_delegated"]


@dataclass(frozen=True)
class Presentation:
    """A decoded or freshly built ELP1; unverified until `verify_device` returns."""

    licence: Licence
    device_key: bytes
    time: int
    challenge: bytes
    body: bytes  # the exact signed bytes
    signature: bytes
    # An agent's code: the holder's delegation (a longer chain is decoded to be refused).
    delegations: tuple[Delegation, ...] = ()

    @property
    def bound_key(self) -> bytes:
        """The device key the licence copy must be bound to: the holder's for an agent."""
        return self.delegations[0].holder_key if self.delegations else self.device_key

    def to_qr(self) -> str:
        return encode_text(PRESENTATION_PREFIX, dumps([self.body, self.signature]))

    def verify_device(self, now: int, challenge: bytes | None = None) -> None:
        """Checks binding, the device signature, the challenge and freshness (`check_time`).

        The licence itself (authority signature, proof, status) is checked separately via
        `self.licence.verify_signature(...)` and the verifier's chain checks.
        """
        if device_key_digest(self.bound_key, self.licence.header.suite.new) \
                != self.licence.device_digest:
            raise PresentationError("The presenting device is not the one this licence copy "
                                    "is bound to.", reason="device_key_mismatch")
        public = _cose.public_key_from_bytes(self.device_key)
        _cose.verify(public, self.signature, _tbs(self.body), reason="device_signature_invalid")
        if challenge is not None and challenge != self.challenge:
            raise PresentationError("The code answers a different challenge; ask the holder "
                                    "to scan this counter's challenge again.",
                                    reason="challenge_mismatch")
        self.check_time(now)

    def check_time(self, now: int, *, max_age: int = PRESENTATION_MAX_AGE,
                   clock_skew: int = PRESENTATION_CLOCK_SKEW) -> None:
        """The one freshness rule of live codes: not older than `max_age` seconds, not
        dated more than `clock_skew` seconds ahead of `now`. Raises ExpiredError."""
        if self.time < now - max_age:
            raise ExpiredError(f"The live code is more than {max_age} seconds old (a "
                               "screenshot?); ask the holder to refresh it.",
                               reason="presentation_stale", max_age=max_age,
                               age=now - self.time)
        if self.time > now + clock_skew:
            raise ExpiredError("The live code is dated in the future; the phone's clock is "
                               "wrong, ask the holder to fix it.",
                               reason="presentation_from_future")

    @classmethod
    def from_bytes_unverified(cls, data: bytes) -> Presentation:
        outer = loads_limited(data, max_depth=1, max_items=3)
        if not (isinstance(outer, list) and len(outer) == 2
                and all(type(x) is bytes for x in outer)):
            raise DecodeError("The live code is not a presentation.", reason="structure_invalid")
        body, signature = outer
        if len(signature) != _cose.SIGNATURE_BYTES:
            raise DecodeError("The live code's signature has the wrong length.",
                              reason="structure_invalid")
        m: Any = loads_limited(body)
        if not int_keyed_map(m) or not {B_LICENCE, B_DEVICE_KEY, B_TIME} <= set(m) \
                or not set(m) <= {B_LICENCE, B_DEVICE_KEY, B_TIME, B_CHALLENGE, B_DELEGATION}:
            raise DecodeError("The live code lacks presentation fields.",
                              reason="structure_invalid")
        device_key, time = m[B_DEVICE_KEY], m[B_TIME]
        challenge = m.get(B_CHALLENGE, b"")
        if type(device_key) is not bytes or len(device_key) != DEVICE_KEY_BYTES \
                or type(time) is not int or not 0 <= time < 1 << 63 \
                or type(challenge) is not bytes or len(challenge) > MAX_CHALLENGE_BYTES \
                or (B_CHALLENGE in m and not challenge):
            raise DecodeError("The live code's device key, time or challenge is malformed.",
                              reason="structure_invalid")
        if not isinstance(m[B_LICENCE], dict) or K_DEVICE in m[B_LICENCE]:
            raise DecodeError("The live code's licence must not carry a device digest.",
                              reason="structure_invalid")
        unbound = Licence.from_map_unverified(m[B_LICENCE])
        delegations = _delegations(m.get(B_DELEGATION), device_key, unbound.status_ref) \
            if B_DELEGATION in m else ()
        bound_key = delegations[0].holder_key if delegations else device_key
        licence = replace(unbound, device_digest=device_key_digest(
            bound_key, unbound.header.suite.new))
        return cls(licence=licence, device_key=device_key, time=time, challenge=challenge,
                   body=body, signature=signature, delegations=delegations)


def _delegations(value: Any, device_key: bytes, licence_ref: bytes) -> tuple[Delegation, ...]:
    """Each delegation's delegate is the next one's holder; the last one's, the signer."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_DELEGATIONS:
        raise DecodeError("The live code's delegation is malformed.",
                          reason="delegation_malformed")
    out: list[Delegation] = []
    for i, item in enumerate(value):
        nxt = value[i + 1][0] if i + 1 < len(value) else None
        delegate_key = device_key if nxt is None else _holder_of(nxt)
        out.append(Delegation.from_compact_unverified(item, delegate_key, licence_ref))
    return tuple(out)


def _holder_of(fields: Any) -> bytes:
    key = fields.get(1) if isinstance(fields, dict) else None
    if type(key) is not bytes or len(key) != DEVICE_KEY_BYTES:
        raise DecodeError("The live code's delegation is malformed.",
                          reason="delegation_malformed")
    return key


def _tbs(body: bytes) -> bytes:
    return _cose.sig_structure(b"", _cose.PRESENTATION_CONTEXT, body)


def present(licence: Licence, disclose: Iterable[str] | None,
            device_private_key: ec.EllipticCurvePrivateKey, now: int,
            challenge: bytes = b"") -> Presentation:
    """Builds and signs a live presentation of a full, device-bound licence.

    `disclose` names the claims to show (None: all of them, sent with the seed).
    """
    if len(challenge) > MAX_CHALLENGE_BYTES:
        raise LicenceError(f"A challenge is at most {MAX_CHALLENGE_BYTES} bytes.",
                           reason="challenge_too_long")
    device_key = compressed_public_key(device_private_key)
    if licence.device_digest is None:
        raise PresentationError("This licence copy is not bound to a device, so it cannot be "
                                "shown live; claim it in the wallet first.",
                                reason="licence_not_bound")
    if licence.device_digest != device_key_digest(device_key, licence.header.suite.new):
        raise PresentationError("This licence copy is not bound to this device key.",
                                reason="device_key_mismatch")
    shown = licence if disclose is None else licence.disclose(disclose)
    return _signed(shown, device_private_key, now, challenge, ())


def present_delegated(shared: Licence, delegation: Delegation,
                      delegate_private_key: ec.EllipticCurvePrivateKey, now: int,
                      challenge: bytes = b"") -> Presentation:
    """The agent's live code: the licence copy the holder handed over (exactly what the
    delegation allows), the delegation, signed by the agent's own device key."""
    if len(challenge) > MAX_CHALLENGE_BYTES:
        raise LicenceError(f"A challenge is at most {MAX_CHALLENGE_BYTES} bytes.",
                           reason="challenge_too_long")
    if compressed_public_key(delegate_private_key) != delegation.delegate_key:
        raise PresentationError("This delegation was given to another wallet.",
                                reason="delegate_key_mismatch")
    shown = replace(shared, device_digest=device_key_digest(
        delegation.holder_key, shared.header.suite.new))
    return _signed(shown, delegate_private_key, now, challenge, (delegation,))


def _signed(shown: Licence, private_key: ec.EllipticCurvePrivateKey, now: int,
            challenge: bytes, delegations: tuple[Delegation, ...]) -> Presentation:
    licence_map = shown.to_map()
    licence_map.pop(K_DEVICE, None)
    device_key = compressed_public_key(private_key)
    m: dict[int, Any] = {B_LICENCE: licence_map, B_DEVICE_KEY: device_key, B_TIME: now}
    if challenge:
        m[B_CHALLENGE] = challenge
    if delegations:
        m[B_DELEGATION] = [d.compact() for d in delegations]
    body = dumps(m)
    signature = _cose.sign(private_key, _tbs(body))
    return Presentation(licence=shown, device_key=device_key, time=now, challenge=challenge,
                        body=body, signature=signature, delegations=delegations)


def delegate(licence: Licence, claim_names: Iterable[str] | None,
             holder_private_key: ec.EllipticCurvePrivateKey, delegate_key: bytes,
             valid_until: int) -> tuple[Delegation, Licence]:
    """The holder's wallet: signs a delegation of `licence` (its own bound copy) to
    `delegate_key`, for `claim_names` (None: every claim) until `valid_until`. Returns the
    delegation and the copy to hand over (the named claims only; the seed only when every
    claim is delegated)."""
    holder_key = compressed_public_key(holder_private_key)
    if len(delegate_key) != KEY_BYTES:
        raise LicenceError("The delegate's key must be a 33-byte compressed P-256 key.",
                           reason="device_key_invalid")
    _cose.public_key_from_bytes(delegate_key)
    if licence.device_digest != device_key_digest(holder_key, licence.header.suite.new):
        raise PresentationError("Only the wallet this licence copy is bound to can delegate it.",
                                reason="device_key_mismatch")
    shared = licence if claim_names is None else licence.disclose(claim_names)
    schema = licence.schema
    unsigned = Delegation(holder_key, delegate_key, licence.status_ref,
                          claim_bits(schema.by_name[n].key for n in shared.claims),
                          valid_until, b"")
    signature = _cose.sign(holder_private_key, delegation_tbs(unsigned.body()))
    delegation = Delegation(holder_key, delegate_key, licence.status_ref, unsigned.claims,
                            valid_until, signature)
    _check_fits(shared, delegation, holder_private_key)
    return delegation, shared


def _check_fits(shared: Licence, delegation: Delegation,
                stand_in: ec.EllipticCurvePrivateKey) -> None:
    """Refuses a delegation whose agent's live code (with a counter challenge) would not fit
    a version-20 QR code: the whole of a licence with long texts can be too much with the
    delegation added (docs/decisions/0220). Measured with a code of the same size signed by
    the holder's key in place of the agent's."""
    stand = replace(delegation, delegate_key=compressed_public_key(stand_in))
    text = _signed(replace(shared, device_digest=None), stand_in, 0xFFFFFFFF,
                   bytes(AGENT_CHALLENGE_BYTES), (stand,)).to_qr()
    if len(text) > LIVE_CODE_MAX_CHARS:
        raise LicenceError("With a delegation, the whole of this licence is too long for one "
                           "QR code; choose fewer items for the agent.",
                           reason="delegation_too_large", chars=len(text))
