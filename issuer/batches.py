"""Signing in process and anchoring a stored batch: shared by replacements, renewals and
wallet-bound copies, so every licence reaches the chain the same way."""

from __future__ import annotations

from issuer import anchoring
from issuer.authority import IssuingAuthority
from issuer.rows import Row
from issuer.signing import SignedBatch, SigningSetup, init_worker, sign_batch
from issuer.store import Batch, Store


def signing_setup(authority: IssuingAuthority, licence_type: int,
                  store_url: str | None = None) -> SigningSetup:
    return SigningSetup(authority.number, authority.key.key_id,
                        authority.signing_key.private_numbers().private_value, licence_type,
                        authority.id, authority.claim_secret, store_url)


def sign_here(authority: IssuingAuthority, licence_type: int, rows: list[Row],
              issued_at: int) -> SignedBatch:
    """Signs a small batch in this process (lifecycle jobs, claims), not in workers."""
    init_worker(signing_setup(authority, licence_type))
    return sign_batch(0, rows, issued_at)


def anchor_now(store: Store, authority: IssuingAuthority, batch: Batch) -> Batch:
    """Anchors one stored batch and waits for its confirmations."""
    anchoring.submit(store, authority.registry, batch, authority.region_for(batch.licence_type))
    anchoring.confirm(store, authority.registry, batch)
    return batch
