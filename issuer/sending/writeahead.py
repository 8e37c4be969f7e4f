"""Write-ahead sending, shared by batch anchoring and status changes: a signed transaction
is recorded in the store before it is sent, so a crash can always send the same bytes
again and nothing is ever sent twice."""

from __future__ import annotations

from collections.abc import Callable

from chain.errors import NonceUsed
from chain.registry import Registry
from chain.transactions import PreparedTx
from issuer.store import Batch, BatchState, StatusChange, Store

ATTEMPTS = 3


def submit_recorded(store: Store, registry: Registry, record: Batch | StatusChange,
                    prepare: Callable[[], PreparedTx]) -> None:
    """SIGNED → SUBMITTED: prepare, record, then send. When another process took the
    account's nonce in between, the recorded transaction can never be mined: prepare a
    new one (recorded over it) and send that."""
    for attempt in range(ATTEMPTS):
        prepared = prepare()
        with store.session() as s:
            row = s.get(type(record), record.id)
            row.state, row.tx_hash, row.raw_tx, row.nonce = (
                BatchState.SUBMITTED, prepared.tx_hash, prepared.raw, prepared.nonce)
        record.state, record.tx_hash, record.raw_tx, record.nonce = (
            BatchState.SUBMITTED, prepared.tx_hash, prepared.raw, prepared.nonce)
        try:
            registry.send_raw(prepared.raw, prepared.nonce)
            return
        except NonceUsed:
            if attempt == ATTEMPTS - 1:
                raise
