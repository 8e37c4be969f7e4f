"""Revoking one wallet copy: its own status reference (issuer.claims.copies) goes on chain
as revoked, sent exactly once like every status change (status_changes), by the
authority's status account. The licence and its other copies are not touched."""

from __future__ import annotations

from issuer.authority import IssuingAuthority
from issuer.lifecycle import status_changes
from issuer.store import Binding, CopyState, Store
from licence.vocabulary import StatusCode


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
