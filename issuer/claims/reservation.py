"""One claim at a time per code: the code is reserved in the store before anything is
anchored, by a conditional UPDATE that only one transaction can win.

    reserve   unclaimed and not reserved (or reserved longer than STALE_SECONDS ago, by a
              claim that crashed) → reserved by this device key, now
    release   the anchoring failed: the code is free again at once
    complete  the copy is anchored and stored: claimed, in the unit of work that stores it

The database decides the race (SQLite serialises writers, PostgreSQL re-checks the WHERE
on the row it locks), so parallel claims on one or many processes or replicas get one
winner; the others are told the code is in use. See docs/decisions/0140.
"""

from __future__ import annotations

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from issuer.errors import ClaimError
from issuer.store import IssuedLicence, Store

# Longer than anchoring ever takes (a send plus its confirmations), so a live claim is never
# taken over; short enough that a holder whose claim crashed can retry the same day.
STALE_SECONDS = 600


def reserve(store: Store, licence_id: int, device: bytes, *, now: int) -> None:
    """Reserves the licence's claim code for `device` (its key digest) or raises
    ClaimError `claim_code_used`."""
    with store.session() as s:
        won = s.execute(
            update(IssuedLicence).execution_options(synchronize_session=False)
            .where(IssuedLicence.id == licence_id, IssuedLicence.claimed_at.is_(None),
                   or_(IssuedLicence.claim_reserved_at.is_(None),
                       IssuedLicence.claim_reserved_at < now - STALE_SECONDS))
            .values(claim_reserved_at=now, claim_reserved_by=device)).rowcount
    if won != 1:
        raise ClaimError("This claim code has already been used on another device: ask the "
                         "issuing authority for a new code.", reason="claim_code_used")


def release(store: Store, licence_id: int, device: bytes) -> None:
    """Frees a reservation this device holds (its claim failed before completing)."""
    with store.session() as s:
        s.execute(update(IssuedLicence).execution_options(synchronize_session=False)
                  .where(IssuedLicence.id == licence_id,
                         IssuedLicence.claim_reserved_by == device,
                         IssuedLicence.claimed_at.is_(None))
                  .values(claim_reserved_at=None, claim_reserved_by=None))


def complete(session: Session, licence_id: int, device: bytes, *, now: int) -> None:
    """Marks the code claimed, in the caller's unit of work (the one storing the copy), if
    this device still holds the reservation; otherwise ClaimError and the unit rolls back:
    a claim that outlived STALE_SECONDS and was taken over never releases its copy."""
    done = session.execute(
        update(IssuedLicence).execution_options(synchronize_session=False)
        .where(IssuedLicence.id == licence_id, IssuedLicence.claim_reserved_by == device,
               IssuedLicence.claimed_at.is_(None))
        .values(claimed_at=now, claim_reserved_at=None, claim_reserved_by=None)).rowcount
    if done != 1:
        raise ClaimError("This claim code has already been used on another device: ask the "
                         "issuing authority for a new code.", reason="claim_code_used")
