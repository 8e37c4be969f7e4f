"""A licence's wallet copies: which devices hold it, stopping one of them, and a fresh
claim code for a holder who needs to add the licence to a new device.

Each copy (a `bindings` row) has its own status reference, derived from the licence's
reference and the copy's device key (licence.copy_status_ref). Revoking that reference on
chain makes every verifier answer "revoked" for that copy only: the printed licence and the
other copies stay valid. See docs/decisions/0142 and 0143.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from issuer.authority import IssuingAuthority
from issuer.claims.codes import code_hash, derive
from issuer.errors import ClaimError
from issuer.lifecycle import status_changes
from issuer.store import Binding, CopyState, IssuedLicence, Store
from licence.vocabulary import LicenceState, StatusCode

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


def revoke_copy(store: Store, authority: IssuingAuthority, binding: Binding, *, reason: int,
                now: int) -> bool:
    """Revokes one copy's status reference on chain (as the authority's status account);
    True if this call revoked it, False if it was revoked before (then only what an
    interrupted earlier call left unsent is sent). The copy is marked revoked in the same
    unit of work that records the status change, before anything is sent (write-ahead)."""
    changed = False
    with store.session() as s:
        row = s.get(Binding, binding.id)
        if row.state != CopyState.REVOKED:
            row.state, row.revoked_at = CopyState.REVOKED, now
            s.add_all(status_changes.new_changes(authority.id, StatusCode.REVOKED,
                                                 [row.copy_ref], now=now, job_id=None,
                                                 reason=reason))
            changed = True
    pending = [c for c in status_changes.pending_changes(store, authority.id)
               if c.job_id is None]
    status_changes.send_all(store, authority.status, pending, now=now)
    return changed


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
