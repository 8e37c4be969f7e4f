"""Storing a signed batch: the batch, its signed roots and every licence in one database
transaction. Called by the signing workers for bulk issuance (each with its own
connection), and in process for replacements and renewals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, insert

from issuer.issue.rows import RowProblem
from issuer.store import Batch, BatchRoot, BatchState, IssuedLicence, Store
from licence.vocabulary import LicenceState


class SignedLicence(NamedTuple):  # a tuple: ten thousand of them cross a pipe per batch
    row_number: int
    licence_number: str
    status_ref: bytes
    root_position: int
    leaf_index: int
    valid_from: int
    valid_until: int
    encoded: bytes  # the full licence as CBOR
    claim_code_hash: bytes


@dataclass(frozen=True)
class SignedBatch:
    sequence: int
    issued_at: int
    roots: list[tuple[bytes, bytes, bytes]]  # (root, protected header, signature)
    licences: list[SignedLicence]
    rejected: list[RowProblem]  # rows of this chunk that failed validation
    region: str = ""  # the scope region the batch is anchored under


class BatchOwner(NamedTuple):
    """The authority a batch is stored for, and the key that signed it."""

    id: str
    number: int
    key_id: int


def store_batch(store: Store, owner: BatchOwner, licence_type: int,
                signed: SignedBatch, claim_expires_at: int, *, job_id: int | None = None,
                replaces: Sequence[int | None] | None = None) -> Batch:
    """One database transaction: the batch, its signed roots and every licence, or nothing."""
    with store.session() as s:
        batch = Batch(job_id=job_id, authority_id=owner.id,
                      authority_number=owner.number, licence_type=licence_type,
                      key_id=owner.key_id, sequence=signed.sequence,
                      count=len(signed.licences), roots=b"".join(r[0] for r in signed.roots),
                      region=signed.region,
                      issued_at=signed.issued_at, state=BatchState.SIGNED)
        s.add(batch)
        s.flush()
        # Core inserts (executemany): the ORM's unit of work costs ~10x per row here.
        connection = s.connection()
        connection.execute(insert(BatchRoot.__table__), [
            {"batch_id": batch.id, "position": p, "root": root, "protected": protected,
             "signature": signature}
            for p, (root, protected, signature) in enumerate(signed.roots)])
        bulk_insert(connection, IssuedLicence.__table__, [
            {"authority_id": owner.id, "licence_type": licence_type,
             "licence_number": lic.licence_number, "status_ref": lic.status_ref,
             "batch_id": batch.id, "root_position": lic.root_position,
             "leaf_index": lic.leaf_index, "encoded": lic.encoded,
             "valid_from": lic.valid_from,
             "valid_until": lic.valid_until, "row_number": lic.row_number,
             "status": LicenceState.ACTIVE.value,
             "replaces": replaces[i] if replaces else None,
             "claim_code_hash": lic.claim_code_hash, "claim_expires_at": claim_expires_at}
            for i, lic in enumerate(signed.licences)])
    return batch


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany with values already in database form (JSON as text, bytes, ints):
    SQLAlchemy's per-row parameter processing cost ~100 µs a licence, this ~5 µs."""
    if not rows:
        return
    columns = list(rows[0])
    named = ", ".join(
        f"%({c})s" if connection.dialect.paramstyle == "pyformat" else f":{c}" for c in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({named})", rows)
