"""Storing a signed batch and anchoring it: shared by bulk issuance, replacements,
renewals and wallet-bound copies, so every licence reaches the chain the same way."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert

from issuer import anchoring
from issuer.authority import IssuingAuthority
from issuer.claim_codes import code_hash, derive
from issuer.rows import Row
from issuer.signing import SignedBatch, SigningSetup, init_worker, sign_batch
from issuer.store import Batch, BatchRoot, BatchState, IssuedLicence, LicenceStatus, Store


def signing_setup(authority: IssuingAuthority, licence_type: int) -> SigningSetup:
    return SigningSetup(authority.number, authority.key.key_id,
                        authority.signing_key.private_numbers().private_value, licence_type)


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
        s.execute(insert(BatchRoot), [
            {"batch_id": batch.id, "position": p, "root": root, "protected": protected,
             "signature": signature}
            for p, (root, protected, signature) in enumerate(signed.roots)])
        secret = authority.claim_secret
        s.execute(insert(IssuedLicence), [
            {"authority_id": authority.id, "licence_type": licence_type,
             "licence_number": lic.licence_number, "status_ref": lic.status_ref,
             "batch_id": batch.id, "root_position": lic.root_position,
             "leaf_index": lic.leaf_index, "proof": lic.proof, "seed": lic.seed,
             "claims": lic.claims, "valid_from": lic.valid_from,
             "valid_until": lic.valid_until, "row_number": lic.row_number,
             "status": LicenceStatus.ACTIVE, "replaces": replaces[i] if replaces else None,
             "claim_code_hash": code_hash(derive(secret, authority.id, lic.status_ref)),
             "claim_expires_at": claim_expires_at}
            for i, lic in enumerate(signed.licences)])
    return batch


def anchor_now(store: Store, authority: IssuingAuthority, batch: Batch) -> Batch:
    """Anchors one stored batch and waits for its confirmations."""
    anchoring.submit(store, authority.registry, batch)
    anchoring.confirm(store, authority.registry, batch)
    return batch
