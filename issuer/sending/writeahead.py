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
    """SIGNED → SUBMITTED: prepare, record, then send, holding the account's nonce lock
    throughout so no other sender of this installation takes the nonce meanwhile. Only a
    sender outside the installation can still take it; then the recorded transaction can
    never be mined: prepare a new one (recorded over it) and send that."""
    for attempt in range(ATTEMPTS):
        with registry.sending():
            if attempt == 0 and _submitted_elsewhere(store, record):
                if record.state == BatchState.SUBMITTED and record.raw_tx:
                    # Sent, or lost with a crash between record and send: the same bytes.
                    registry.send_raw(record.raw_tx, record.nonce)
                return
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


def _submitted_elsewhere(store: Store, record: Batch | StatusChange) -> bool:
    """Whether another process submitted `record` since the caller read it (a concurrent
    command finishing work it took for a crashed run's): then it is theirs to send, and
    signing a second transaction would carry it out twice. Read under the account's lock,
    so every record written before a send is seen."""
    with store.session() as s:
        row = s.get(type(record), record.id)
        if row.state == BatchState.SIGNED:
            return False
        record.state, record.tx_hash, record.raw_tx, record.nonce, record.block_number = (
            row.state, row.tx_hash, row.raw_tx, row.nonce, row.block_number)
    return True
