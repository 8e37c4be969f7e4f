"""From a loaded authority to signing and storing: the setup the signing workers get, and
small batches signed in this process (replacements and renewals), so every licence is
signed and stored the same way."""

from __future__ import annotations

from issuer.authority import IssuingAuthority
from issuer.issue.rows import Row
from issuer.issue.saving import BatchOwner
from issuer.issue.signing import SignedBatch, SigningSetup, init_worker, sign_batch


def signing_setup(authority: IssuingAuthority, licence_type: int,
                  store_url: str | None = None) -> SigningSetup:
    return SigningSetup(authority.number, authority.key.key_id, authority.signing_key,
                        licence_type,
                        authority.id, authority.claim_secret, store_url,
                        authority.record.regions_for(licence_type))


def sign_here(authority: IssuingAuthority, licence_type: int, rows: list[Row],
              issued_at: int) -> SignedBatch:
    """Signs a small batch in this process (lifecycle jobs), not in workers."""
    init_worker(signing_setup(authority, licence_type))
    return sign_batch(0, rows, issued_at)


def batch_owner(authority: IssuingAuthority) -> BatchOwner:
    """Who a batch signed in this process is stored for, and the key that signed it."""
    return BatchOwner(authority.id, authority.number, authority.key.key_id)
