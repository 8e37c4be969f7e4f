"""Refreshing a wallet copy: the wallet asks, signed by its copy's device key, for the copy
signed again today, so predicates such as `age_over_60` say what is true now. No claim code:
holding the device key of an active copy is the proof.

    POST /api/v1/claims/refresh  {"device_key", "status_ref", "signature"} (b64url), "time"
    message = "elicence/refresh/v1" 0x00 time (8 B, big-endian) status ref (16 B)
              device key (33 B)

The new copy is made exactly as a claim makes one (exchange.anchor_copy: same claims with
predicates computed for the signing day, same validity, status reference and device key,
anchored before release) and replaces the old one in the store; its copy status reference
is the same, so a revoked copy stays revoked. The old copy stays genuine: what it says was
true on the day it was signed.

Replays: the request time must be within MAX_CLOCK_SKEW of the server's clock and later than
the time of the copy's last accepted request, recorded by a conditional UPDATE that one
request alone can win (as reservation.py does for claim codes). Cost: a copy is signed and
anchored again only when one of its predicates changed or it is older than MIN_RESIGN_AGE;
otherwise the wallet gets its current copy back. See docs/decisions/0216-copy-refresh.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update

from issuer.authority import IssuingAuthority
from issuer.claims.copies import accept_once, device_copy, signed_device_key
from issuer.claims.exchange import anchor_copy
from issuer.errors import ClaimError
from issuer.store import Binding, CopyState, Store
from licence import (
    Licence,
    load_schema,
)
from licence.predicates import signing_day
from licence.vocabulary import LicenceState

REFRESH_LABEL = b"elicence/refresh/v1\0"
MIN_RESIGN_AGE = 86_400  # a copy with unchanged predicates is signed again at most daily


@dataclass(frozen=True)
class Refreshed:
    licence_id: int
    authority_id: str
    licence_type: str
    copy: bytes  # CBOR of the device-bound copy the wallet should now hold
    resigned: bool  # False: nothing had changed, this is the copy the wallet already had
    changed: tuple[str, ...]  # the predicates whose value the new copy changes


def refresh_message(time: int, status_ref: bytes, device_key: bytes) -> bytes:
    return REFRESH_LABEL + time.to_bytes(8, "big") + status_ref + device_key


def refresh_copy(store: Store, authorities: Callable[[str], IssuingAuthority], *,
                 device_key: bytes, status_ref: bytes, time: int, signature: bytes,
                 now: int) -> Refreshed:
    """Checks a signed refresh request and returns the copy the wallet should hold."""
    key = signed_device_key(device_key=device_key, status_ref=status_ref, time=time,
                            signature=signature, now=now, message=refresh_message)
    binding, record = device_copy(store, key, status_ref, "refresh")
    if binding.state == CopyState.REVOKED:
        raise ClaimError("This device's copy of the licence has been withdrawn by the issuing "
                         "authority, so it cannot be refreshed.", reason="copy_revoked")
    if record.status != LicenceState.ACTIVE or record.encoded is None:
        raise ClaimError(f"This licence is {record.status}, so its copy cannot be refreshed: "
                         "add the licence that replaced it with its own claim code.",
                         reason="licence_not_active")
    accept_once(store, binding.id, time, "refresh")
    schema = load_schema(record.licence_type)
    current = Licence.from_bytes_unverified(binding.encoded)
    claims = schema.with_predicates(current.claims, signing_day(now))
    changed = tuple(c.name for c in schema.predicates()
                    if claims.get(c.name) != current.claims.get(c.name))
    if not changed and now - current.header.issued_at < MIN_RESIGN_AGE:
        return Refreshed(record.id, record.authority_id, schema.name, binding.encoded, False,
                         ())
    batch_id, encoded, _ = anchor_copy(store, authorities(record.authority_id), record, claims,
                                       key, now)
    with store.session() as s:
        s.execute(update(Binding).where(Binding.id == binding.id)
                  .values(encoded=encoded, batch_id=batch_id))
    return Refreshed(record.id, record.authority_id, schema.name, encoded, True, changed)

