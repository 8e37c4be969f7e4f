"""Appending to and reading an authority's audit log in the issuer store.

Appends from several processes (commands, the claim server) may race for the next
sequence number; the unique (authority, sequence) constraint makes the loser retry on the
new head, so the chain never forks."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import desc, select
from sqlalchemy.exc import IntegrityError, OperationalError

from issuer.audit.entry import GENESIS, AuditRecord, entry_hash, hashed_fields
from issuer.store import AuditEntry, AuditLicence, Store, utc_now

RETRIES = 20


def append(store: Store, record: AuditRecord, *, now: int | None = None) -> AuditEntry:
    """Appends `record` as the authority's next entry and returns it."""
    for attempt in range(RETRIES):
        try:
            return _append_once(store, record, utc_now() if now is None else now)
        except (IntegrityError, OperationalError):
            if attempt == RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _append_once(store: Store, record: AuditRecord, now: int) -> AuditEntry:
    count = len(record.licences) if record.licence_count is None else record.licence_count
    with store.session() as s:
        last = s.scalars(select(AuditEntry).where(AuditEntry.authority_id == record.authority_id)
                         .order_by(desc(AuditEntry.sequence)).limit(1)).first()
        sequence, previous = (last.sequence + 1, last.hash) if last else (1, GENESIS)
        fields = hashed_fields(
            authority_id=record.authority_id, sequence=sequence, at=now,
            operator=record.operator, action=record.action, outcome=record.outcome[:128],
            case_number=record.case_number, licences=list(record.licences),
            licence_count=count, file_sha256=record.file_sha256,
            tx_hashes=list(record.tx_hashes), approved_by=record.approved_by,
            detail=dict(record.detail))
        entry = AuditEntry(
            authority_id=record.authority_id, sequence=sequence, at=now,
            operator=record.operator, action=record.action, outcome=fields["outcome"],
            case_number=record.case_number, licences=fields["licences"],
            licence_count=count, file_sha256=record.file_sha256,
            tx_hashes=fields["tx_hashes"], approved_by=record.approved_by,
            detail=fields["detail"], prev_hash=previous, hash=entry_hash(previous, fields))
        s.add(entry)
        s.flush()
        s.add_all(AuditLicence(entry_id=entry.id, licence_number=number)
                  for number in dict.fromkeys(record.licences))
    return entry


def head(store: Store, authority_id: str) -> tuple[int, bytes]:
    """(count, hash of the last entry); (0, GENESIS) for an empty log."""
    with store.session() as s:
        last = s.scalars(select(AuditEntry).where(AuditEntry.authority_id == authority_id)
                         .order_by(desc(AuditEntry.sequence)).limit(1)).first()
        return (last.sequence, last.hash) if last else (0, GENESIS)


def entries(store: Store, authority_id: str, *, licence: str | None = None,
            operator: str | None = None, since: int | None = None,
            file_hashes: Sequence[str] = ()) -> list[AuditEntry]:
    """The authority's entries in order, filtered: naming `licence` (or, for issuance,
    carrying one of `file_hashes`, the input files that issued it), by `operator`, at or
    after `since`."""
    query = select(AuditEntry).where(AuditEntry.authority_id == authority_id)
    if licence is not None:
        named = select(AuditLicence.entry_id).where(AuditLicence.licence_number == licence)
        condition = AuditEntry.id.in_(named)
        if file_hashes:
            condition = condition | AuditEntry.file_sha256.in_(list(file_hashes))
        query = query.where(condition)
    if operator is not None:
        query = query.where(AuditEntry.operator == operator)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    with store.session() as s:
        return list(s.scalars(query.order_by(AuditEntry.sequence)))
