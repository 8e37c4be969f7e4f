"""Sending status changes exactly once, the way `anchoring` sends batch roots.

A StatusChange row holds up to `CHUNK` status references and is written before anything is
sent. `submit` stores the signed transaction, then sends it (write-ahead); after a crash
`resume_submitted` sends the very same bytes again, or, when the chain shows that nonce
used by something else and no receipt exists, hands the change back for a new transaction.
The licence rows change only in `confirm`, once the transaction has its confirmations.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from chain.errors import ChainError
from chain.registry import MAX_REFS, Registry
from issuer.sending.writeahead import submit_recorded
from issuer.store import BatchState, IssuedLicence, StatusChange, Store
from licence.status_reasons import public_class
from licence.vocabulary import LicenceState, StatusCode

CHUNK = MAX_REFS  # status refs per setStatus call: the registry's cap
IN_CHUNK = 900  # values per SQL IN (...) list


class StatusMismatch(ChainError):
    reason = "status_change_mismatch"


def split(packed: bytes) -> list[bytes]:
    return [packed[i:i + 16] for i in range(0, len(packed), 16)]


def new_changes(authority_id: str, status: int, refs: list[bytes], *, now: int,
                job_id: int | None, until: int = 0, reason: int = 0,
                successors: list[bytes] | None = None) -> list[StatusChange]:
    """Unsent StatusChange rows covering `refs`, `CHUNK` at a time."""
    changes = []
    for start in range(0, len(refs), CHUNK):
        part = slice(start, start + CHUNK)
        changes.append(StatusChange(
            authority_id=authority_id, status=status, until=until, reason=reason,
            refs=b"".join(refs[part]), successors=b"".join((successors or [])[part]),
            state=BatchState.SIGNED, created_at=now, job_id=job_id))
    return changes


def submit(store: Store, registry: Registry, change: StatusChange) -> None:
    """SIGNED → SUBMITTED (see writeahead.submit_recorded)."""
    # The store keeps the precise reason; the chain gets its public class only.
    submit_recorded(store, registry, change, lambda: registry.prepare_set_status(
        change.status, split(change.refs), until=change.until,
        reason_class=public_class(change.reason),
        successors=split(change.successors)))


def resume_submitted(store: Store, registry: Registry,
                     changes: Iterable[StatusChange]) -> list[StatusChange]:
    """Sends again what a crash may have lost; returns the changes whose stored transaction
    can never be mined (now SIGNED again, to be submitted anew)."""
    stale: list[StatusChange] = []
    mined_nonce = registry.mined_nonce()
    for change in sorted(changes, key=lambda c: c.nonce or 0):
        if registry.receipt(change.tx_hash) is not None:
            continue
        if change.nonce is not None and change.nonce >= mined_nonce and change.raw_tx:
            registry.send_raw(change.raw_tx)
        else:
            stale.append(change)
    for change in stale:
        with store.session() as s:
            row = s.get(StatusChange, change.id)
            row.state, row.tx_hash, row.raw_tx, row.nonce = BatchState.SIGNED, None, None, None
        change.state = BatchState.SIGNED
    return stale


def confirm(store: Store, registry: Registry, change: StatusChange, *, now: int) -> None:
    """SUBMITTED → CONFIRMED, and the licence rows take the new status, in one unit."""
    result = registry.wait(change.tx_hash)
    events = [e for e in result.events if e.name == "StatusChanged"]
    if not events or bytes(events[0].args["refs"]) != change.refs \
            or int(events[0].args["status"]) != change.status:
        raise StatusMismatch(
            f"Transaction {change.tx_hash} did not carry status change {change.id}: run "
            "`elicence reconcile` to repair the store.")
    with store.session() as s:
        row = s.get(StatusChange, change.id)
        row.state, row.block_number, row.raw_tx = (BatchState.CONFIRMED, result.block_number,
                                                   None)
        apply(s, row, now=now)
    change.state, change.block_number = BatchState.CONFIRMED, result.block_number


def apply(session: Session, change: StatusChange, *, now: int) -> None:
    """Brings the licence rows in line with a confirmed change. Revoked stays revoked, as
    every indexer replaying the events decides."""
    refs = split(change.refs)
    successor_of = dict(zip(refs, split(change.successors), strict=False))
    successor_ids = {}
    if successor_of:
        successor_ids = dict(session.execute(select(
            IssuedLicence.status_ref, IssuedLicence.id).where(
            IssuedLicence.authority_id == change.authority_id,
            IssuedLicence.status_ref.in_(list(successor_of.values())))).all())
    for part in range(0, len(refs), IN_CHUNK):
        for licence in session.scalars(select(IssuedLicence).where(
                IssuedLicence.authority_id == change.authority_id,
                IssuedLicence.status_ref.in_(refs[part:part + IN_CHUNK]))):
            if licence.status == LicenceState.REVOKED:
                continue
            licence.status = _STATUS[change.status]
            suspended = change.status == StatusCode.SUSPENDED
            licence.suspended_until = change.until if suspended else None
            if change.status == StatusCode.SUPERSEDED:
                licence.superseded_by = successor_ids.get(successor_of[licence.status_ref])
            licence.status_reason = change.reason
            licence.status_changed_at = now


_STATUS = {StatusCode.REVOKED: LicenceState.REVOKED, StatusCode.SUSPENDED: LicenceState.SUSPENDED,
           StatusCode.REINSTATED: LicenceState.ACTIVE,
           StatusCode.SUPERSEDED: LicenceState.SUPERSEDED}


def pending_changes(store: Store, authority_id: str,
                    job_id: int | None = None) -> list[StatusChange]:
    with store.session() as s:
        query = select(StatusChange).where(StatusChange.authority_id == authority_id,
                                           StatusChange.state != BatchState.CONFIRMED)
        if job_id is not None:
            query = query.where(StatusChange.job_id == job_id)
        return list(s.scalars(query.order_by(StatusChange.id)))


def send_all(store: Store, registry: Registry, changes: list[StatusChange], *,
             now: int) -> int:
    """Finishes `changes` (any state): resends, submits, confirms. Returns how many new
    transactions were signed."""
    waiting = [c for c in changes if c.state == BatchState.SUBMITTED]
    resume_submitted(store, registry, waiting)
    signed = [c for c in changes if c.state == BatchState.SIGNED]
    for change in signed:
        submit(store, registry, change)
    for change in changes:
        if change.state != BatchState.CONFIRMED:
            confirm(store, registry, change, now=now)
    return len(signed)
