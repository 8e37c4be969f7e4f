"""A licence's wallet copies: which devices hold it, stopping one of them, and a fresh
claim code for a holder who needs to add the licence to a new device.

Each copy (a `bindings` row) has its own status reference, derived from the licence's
reference and the copy's device key (licence.copy_status_ref). Revoking that reference on
chain makes every verifier answer "revoked" for that copy only: the printed licence and the
other copies stay valid. See docs/decisions/0142 and 0143.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_, select, update

from issuer.claims.codes import code_hash, derive
from issuer.errors import ClaimError
from issuer.store import Binding, CopyState, IssuedLicence, Store
from licence import (
    SignatureError,
    compressed_public_key,
    public_key_from_bytes,
    verify_device_signature,
)
from licence.vocabulary import LicenceState

FINGERPRINT_HEX = 8  # how a copy is named to operators: the start of its status reference
DAY = 86_400


@dataclass(frozen=True)
class CopyInfo:
    fingerprint: str  # hex start of the copy's status reference
    device_label: str | None
    added_at: int
    state: str  # active | revoked
    revoked_at: int | None


def current_licence(store: Store, authority_id: str, number: str) -> IssuedLicence:
    """The authority's newest licence with this number, or ClaimError `licence_unknown`."""
    with store.session() as s:
        found = s.scalars(select(IssuedLicence).where(
            IssuedLicence.authority_id == authority_id,
            IssuedLicence.licence_number == number).order_by(IssuedLicence.id.desc())).first()
    if found is None:
        raise ClaimError(f"{authority_id} has issued no licence with this number: check it.",
                         reason="licence_unknown")
    return found


def list_copies(store: Store, licence_id: int) -> list[CopyInfo]:
    """The licence's wallet copies, oldest first."""
    with store.session() as s:
        rows = s.scalars(select(Binding).where(Binding.licence_id == licence_id)
                         .order_by(Binding.created_at, Binding.id)).all()
    return [CopyInfo((row.copy_ref or b"").hex()[:FINGERPRINT_HEX], row.device_label,
                     row.created_at, row.state, row.revoked_at) for row in rows]


def find_copy(store: Store, licence_id: int, fingerprint: str) -> Binding:
    """The licence's copy whose status reference starts with `fingerprint` (as listed)."""
    wanted = fingerprint.strip().lower()
    with store.session() as s:
        rows = s.scalars(select(Binding).where(Binding.licence_id == licence_id)).all()
    matches = [r for r in rows if len(wanted) >= 4 and (r.copy_ref or b"").hex().startswith(
        wanted)]
    if len(matches) != 1:
        raise ClaimError(f"This licence has no copy {fingerprint!r}: list them with `elicence "
                         "copies` and give the copy as shown there.", reason="copy_unknown")
    return matches[0]


def new_claim_code(store: Store, claim_secret: bytes, licence: IssuedLicence, *,
                   now: int, days: int) -> tuple[str, int]:
    """A fresh one-time code for the licence (the old one stops working), valid `days`
    days; returns (code, expires_at). Copies already made stay as they are."""
    if licence.status != LicenceState.ACTIVE or licence.encoded is None:
        raise ClaimError(f"This licence is {licence.status} and cannot be added to a wallet.",
                         reason="licence_not_active")
    generation = licence.claim_generation + 1
    code = derive(claim_secret, licence.authority_id, licence.status_ref, generation)
    expires = now + days * DAY
    with store.session() as s:
        s.execute(update(IssuedLicence).where(IssuedLicence.id == licence.id).values(
            claim_generation=generation, claim_code_hash=code_hash(code),
            claim_expires_at=expires, claimed_at=None, claim_reserved_at=None,
            claim_reserved_by=None))
    return code, expires


# --- the holder's view: POST /api/v1/claims/copies -------------------------------------

COPIES_LABEL = b"elicence/copies/v1\0"
MAX_CLOCK_SKEW = 120  # seconds between the phone's clock and the server's


def copies_message(time: int, status_ref: bytes, device_key: bytes) -> bytes:
    """What a wallet signs to ask which devices hold its licence:
    "elicence/copies/v1" 0x00 time (8 B) status ref (16 B) device key (33 B)."""
    return COPIES_LABEL + time.to_bytes(8, "big") + status_ref + device_key


def signed_device_key(*, device_key: bytes, status_ref: bytes, time: int, signature: bytes,
                      now: int, message: Callable[[int, bytes, bytes], bytes]) -> bytes:
    """The compressed key of a device that signed `message(time, status_ref, key)` within the
    allowed clock skew of `now`; ClaimError (one sentence) for a request that is not that."""
    if abs(now - time) > MAX_CLOCK_SKEW:
        raise ClaimError("The request time is more than 2 minutes from the server's clock: "
                         "set the phone's clock and try again.", reason="request_time_invalid")
    if len(status_ref) != 16:
        raise ClaimError("The field status_ref must be 16 bytes.", reason="bad_request",
                         field="status_ref")
    try:
        key = compressed_public_key(public_key_from_bytes(device_key))
        verify_device_signature(key, signature, message(time, status_ref, key))
    except SignatureError:
        raise ClaimError("The device could not prove it holds its key: reload the wallet and "
                         "try again.", reason="possession_unproven") from None
    return key


def copies_for_holder(store: Store, *, device_key: bytes, status_ref: bytes, time: int,
                      signature: bytes, now: int) -> tuple[bytes, list[CopyInfo]]:
    """The copies of the licence `status_ref`, for a device holding an active copy of it
    that signed this request; returns (that device's copy ref, every copy oldest first)."""
    key = signed_device_key(device_key=device_key, status_ref=status_ref, time=time,
                            signature=signature, now=now, message=copies_message)
    with store.session() as s:
        own = s.execute(select(Binding, IssuedLicence.id).join(
            IssuedLicence, IssuedLicence.id == Binding.licence_id).where(
            IssuedLicence.status_ref == status_ref, Binding.device_key == key)).first()
    if own is None:
        raise ClaimError("This device holds no copy of that licence.", reason="copy_unknown")
    binding, licence_id = own
    if binding.state == CopyState.REVOKED:
        raise ClaimError("This device's copy of the licence has been withdrawn by the issuing "
                         "authority.", reason="copy_revoked")
    return binding.copy_ref or b"", list_copies(store, licence_id)


def device_copy(store: Store, key: bytes, status_ref: bytes, action: str
                ) -> tuple[Binding, IssuedLicence]:
    """The copy of the licence `status_ref` bound to device `key`, and its licence, for a
    signed device request that would `action` it ("refresh", "export")."""
    with store.session() as s:
        found = s.execute(select(Binding, IssuedLicence).join(
            IssuedLicence, IssuedLicence.id == Binding.licence_id).where(
            IssuedLicence.status_ref == status_ref, Binding.device_key == key)).first()
    if found is None or found[0].encoded is None:  # none, or its copy purged with the licence
        raise ClaimError("This device holds no copy of that licence: only the device a copy "
                         f"is bound to can {action} it.", reason="copy_unknown")
    return found[0], found[1]


def accept_once(store: Store, binding_id: int, time: int, action: str) -> None:
    """Records `time` as the copy's newest signed request, or refuses it as replayed. One
    clock per copy for every kind of request: a refresh and an export cannot share a time."""
    with store.session() as s:
        won = s.execute(
            update(Binding).execution_options(synchronize_session=False)
            .where(Binding.id == binding_id,
                   or_(Binding.refresh_time.is_(None), Binding.refresh_time < time))
            .values(refresh_time=time)).rowcount
    if won != 1:
        raise ClaimError(f"This {action} request was already used: the wallet makes a new one "
                         "each time, so try again from the wallet.", reason="request_replayed")
