"""Storing a signed batch and anchoring it: shared by bulk issuance, replacements,
renewals and wallet-bound copies, so every licence reaches the chain the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert

from issuer import anchoring
from issuer.authority import IssuingAuthority
from issuer.rows import Row
from issuer.signing import SignedBatch, SigningSetup, init_worker, sign_batch
from issuer.store import Batch, BatchRoot, BatchState, IssuedLicence, LicenceStatus, Store


def signing_setup(authority: IssuingAuthority, licence_type: int) -> SigningSetup:
    return SigningSetup(authority.number, authority.key.key_id,
                        authority.signing_key.private_numbers().private_value, licence_type,
                        authority.id, authority.claim_secret)


def sign_here(authority: IssuingAuthority, licence_type: int, rows: list[Row],
              issued_at: int) -> SignedBatch:
    """Signs a small batch in this process (lifecycle jobs, claims), not in workers."""
    init_worker(signing_setup(authority, licence_type))
    return sign_batch(0, rows, issued_at)


def store_batch(store: Store, authority: IssuingAuthority, licence_type: int,
                signed: SignedBatch, claim_expires_at: int, *, job_id: int | None = None,
                replaces: Sequence[int | None] | None = None) -> Batch:
    """One database transaction: the batch, its signed roots and every licence, or nothing."""
    with store.session() as s:
        batch = Batch(job_id=job_id, authority_id=authority.id,
                      authority_number=authority.number, licence_type=licence_type,
                      key_id=authority.key.key_id, sequence=signed.sequence,
                      count=len(signed.licences), roots=b"".join(r[0] for r in signed.roots),
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
            {"authority_id": authority.id, "licence_type": licence_type,
             "licence_number": lic.licence_number, "status_ref": lic.status_ref,
             "batch_id": batch.id, "root_position": lic.root_position,
             "leaf_index": lic.leaf_index, "proof": lic.proof, "seed": lic.seed,
             "encoded": lic.encoded, "claims": lic.claims_json, "valid_from": lic.valid_from,
             "valid_until": lic.valid_until, "row_number": lic.row_number,
             "status": LicenceStatus.ACTIVE.value,
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


def anchor_now(store: Store, authority: IssuingAuthority, batch: Batch) -> Batch:
    """Anchors one stored batch and waits for its confirmations."""
    anchoring.submit(store, authority.registry, batch)
    anchoring.confirm(store, authority.registry, batch)
    return batch
