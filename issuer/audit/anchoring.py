"""Anchoring the audit log's head on chain with the authority's anchor account: at the end
of each command and periodically (`elicence audit anchor` from cron), so that rewriting any
anchored entry, or dropping entries after it, no longer matches the chain."""

from __future__ import annotations

from chain.registry import Registry
from issuer.audit.log import head
from issuer.store import AuditAnchorSent, Store, utc_now


def anchor_head(store: Store, registry: Registry, authority_id: str) -> str | None:
    """Anchors the current head unless this store already anchored it; returns the tx hash
    (None when there was nothing new)."""
    count, current = head(store, authority_id)
    if count == 0:
        return None
    with store.session() as s:
        sent = s.get(AuditAnchorSent, authority_id)
        if sent is not None and sent.count == count and sent.head == current:
            return None
    result = registry.anchor_audit(current, count)
    with store.session() as s:
        sent = s.get(AuditAnchorSent, authority_id)
        if sent is None:
            s.add(AuditAnchorSent(authority_id=authority_id, count=count, head=current,
                                  tx_hash=result.tx_hash, at=utc_now()))
        elif sent.count <= count:
            sent.count, sent.head, sent.tx_hash, sent.at = (count, current, result.tx_hash,
                                                            utc_now())
    return result.tx_hash
