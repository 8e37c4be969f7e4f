"""Anchoring batch roots exactly once, whatever crashes in between.

The signed transaction is written to the store *before* it is sent (write-ahead). After a
crash the same bytes are sent again: a transaction can be mined only once, so a batch is
never anchored twice. Only when the chain shows the stored transaction's nonce used by
something else, and no receipt for it exists, can the stored transaction never be mined;
then, and only then, it is signed again with a fresh nonce.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from chain.errors import ChainError
from chain.registry import Registry
from issuer.sending.writeahead import submit_recorded
from issuer.store import Batch, BatchState, Store


class AnchorMismatch(ChainError):
    reason = "anchor_mismatch"


def submit(store: Store, registry: Registry, batch: Batch, region: str) -> None:
    """SIGNED → SUBMITTED (see writeahead.submit_recorded), declared under the authority's
    scope (batch's licence type, `region`)."""
    submit_recorded(store, registry, batch, lambda: registry.prepare_anchor(
        batch.licence_type, region, batch.count, _split(batch.roots)))


def resume_submitted(store: Store, registry: Registry, batches: Iterable[Batch]) -> list[Batch]:
    """Sends again what a crash may have lost; returns batches that need a new transaction
    (their stored one can never be mined)."""
    stale: list[Batch] = []
    mined_nonce = registry.mined_nonce()
    for batch in sorted(batches, key=lambda b: b.nonce or 0):
        if registry.receipt(batch.tx_hash) is not None:
            continue
        if batch.nonce is not None and batch.nonce >= mined_nonce:
            registry.send_raw(batch.raw_tx)
        else:
            stale.append(batch)
    for batch in stale:
        with store.session() as s:
            s.get(Batch, batch.id).state = BatchState.SIGNED
        batch.state = BatchState.SIGNED
    return stale


def try_confirm(store: Store, registry: Registry, batch: Batch) -> bool:
    """Confirms the batch if its transaction is already buried deep enough; never waits."""
    result = registry.receipt(batch.tx_hash)
    if result is None:
        return False
    depth = registry.w3.eth.block_number - result.block_number + 1
    if depth < registry.wait_policy.confirmations:
        return False
    confirm(store, registry, batch)
    return True


def confirm(store: Store, registry: Registry, batch: Batch) -> None:
    """SUBMITTED → CONFIRMED once buried under the configured confirmations."""
    result = registry.wait(batch.tx_hash)
    events = [e for e in result.events if e.name == "BatchAnchored"]
    if not events or bytes(events[0].args["roots"]) != batch.roots:
        raise AnchorMismatch(
            f"Transaction {batch.tx_hash} did not anchor batch {batch.id}'s roots: run "
            "`elicence reconcile` to repair the store.")
    with store.session() as s:
        row = s.get(Batch, batch.id)
        row.state = BatchState.CONFIRMED
        row.block_number = result.block_number
        row.anchored_at = int(events[0].args["anchoredAt"])
        row.raw_tx = None  # no longer needed once mined and confirmed
    batch.state, batch.block_number = BatchState.CONFIRMED, result.block_number


def pending_batches(store: Store, authority_id: str, job_id: int | None = None) -> list[Batch]:
    with store.session() as s:
        query = select(Batch).where(Batch.authority_id == authority_id,
                                    Batch.state != BatchState.CONFIRMED)
        if job_id is not None:
            query = query.where(Batch.job_id == job_id)
        return list(s.scalars(query.order_by(Batch.id)))


def _split(packed: bytes) -> list[bytes]:
    return [packed[i:i + 16] for i in range(0, len(packed), 16)]
