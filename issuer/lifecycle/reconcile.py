"""`elicence reconcile`: make the store and the chain agree again, repairing what it can.

The store is the authority's record of what it meant to put on chain; the chain is what
actually happened. They drift apart when a command is killed mid-way (transactions written
but never sent, or sent and never confirmed) and when the chain loses blocks the store saw
confirmed (a node restarted without its recent state, or a reorganisation deeper than the
configured confirmations). Reconciling:

1. checks every CONFIRMED batch and status change still has its transaction on chain; one
   that vanished is anchored/sent again (a new transaction; the roots and refs are the
   same, so the licences already handed out stay good);
2. resends every SUBMITTED transaction (the very same bytes: mined at most once), or signs
   it again when its nonce was used by something else;
3. sends what is SIGNED but was never sent, in the order it was first meant to happen;
4. waits for the confirmations, and finishes unfinished lifecycle requests (supersessions,
   their report.json).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from web3.exceptions import TransactionNotFound

from issuer.authority import IssuingAuthority
from issuer.lifecycle import jobs, status_changes
from issuer.sending import anchoring
from issuer.store import Batch, BatchState, StatusChange, Store
from licence.vocabulary import StatusCode

NEVER = 1 << 62  # sorts after every block number and nonce
CHANGE_WORDS = {StatusCode.REVOKED: "revocation", StatusCode.SUSPENDED: "suspension",
                StatusCode.REINSTATED: "reinstatement", StatusCode.SUPERSEDED: "supersession"}

Item = Batch | StatusChange


@dataclass
class ReconcileReport:
    checked_batches: int = 0
    checked_changes: int = 0
    lines: list[str] = field(default_factory=list)  # one per repair
    repairs: int = 0

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.repairs += 1

    def summary(self) -> str:
        found = (f"{self.repairs:,} repairs" if self.repairs else "nothing to repair")
        return (f"Checked {self.checked_batches:,} batches and {self.checked_changes:,} "
                f"status changes: {found}.")


def reconcile(store: Store, authority: IssuingAuthority, *, now: int) -> ReconcileReport:
    """Needs the authority loaded with its anchor and status accounts: batches are sent by
    the one, status changes by the other."""
    report = ReconcileReport()
    anchor, status = authority.registry, authority.status
    with store.session() as s:
        batches = list(s.scalars(select(Batch).where(Batch.authority_id == authority.id)
                                 .order_by(Batch.id)))
        changes = list(s.scalars(select(StatusChange).where(
            StatusChange.authority_id == authority.id).order_by(StatusChange.id)))
    report.checked_batches, report.checked_changes = len(batches), len(changes)

    waiting: list[Item] = []  # mined again by the node on its own (still in its pool)
    for item in [*batches, *changes]:
        if item.state == BatchState.CONFIRMED:
            _check_confirmed(store, authority, item, report, waiting)

    repaired = {_key(i) for i in waiting} | {
        _key(i) for i in [*batches, *changes] if i.state == BatchState.SIGNED and i.tx_hash}
    submitted = [i for i in [*batches, *changes]
                 if i.state == BatchState.SUBMITTED and _key(i) not in repaired]
    unmined = [i for i in submitted if _client(authority, i).receipt(i.tx_hash) is None]
    stale = {_key(i) for i in [
        *anchoring.resume_submitted(store, anchor,
                                    [i for i in submitted if isinstance(i, Batch)]),
        *status_changes.resume_submitted(store, status,
                                         [i for i in submitted if isinstance(i, StatusChange)])]}
    for item in unmined:
        repaired.add(_key(item))
        if _key(item) in stale:
            report.add(f"{_name(item)}: transaction {item.tx_hash} can never be mined (its "
                       "nonce was used by another); signed again with a new nonce.")
        else:
            report.add(f"{_name(item)}: transaction {item.tx_hash} was not mined; sent again.")

    unsent = sorted((i for i in [*batches, *changes] if i.state == BatchState.SIGNED),
                    key=_first_meant)
    for item in unsent:
        if _key(item) not in repaired:
            report.add(f"{_name(item)}: was never sent; sent now.")
        if isinstance(item, Batch):
            anchoring.submit(store, anchor, item,
                             authority.anchor_region(item.licence_type, item.region))
        else:
            status_changes.submit(store, status, item)

    for item in [*batches, *changes]:
        if item.state == BatchState.SUBMITTED:
            if isinstance(item, Batch):
                anchoring.confirm(store, anchor, item)
            else:
                status_changes.confirm(store, status, item, now=now)

    for job in jobs.unfinished_jobs(store, authority.id):
        jobs.finish_job(store, authority, job, now=now, render=False)
        report.add(f"{job.action} request {job.id}: finished"
                   + (f" (report in {job.out_dir})." if job.out_dir else "."))
    return report


def _client(authority: IssuingAuthority, item: Item):
    """The role account that sends this kind of item."""
    return authority.registry if isinstance(item, Batch) else authority.status


def _check_confirmed(store: Store, authority: IssuingAuthority, item: Item,
                     report: ReconcileReport, waiting: list[Item]) -> None:
    receipt = _client(authority, item).receipt(item.tx_hash)
    if receipt is not None:
        if receipt.block_number != item.block_number:
            _set(store, item, block_number=receipt.block_number)
            report.add(f"{_name(item)}: now in block {receipt.block_number} (was "
                       f"{item.block_number}).")
        return
    gone = f"{_name(item)}: transaction {item.tx_hash} (block {item.block_number}) is no " \
           "longer on chain"
    if _pending(authority, item.tx_hash):
        _set(store, item, state=BatchState.SUBMITTED)
        waiting.append(item)
        report.add(f"{gone}; the node holds it again, waiting for it.")
    else:
        # Keep the old block and nonce on the object (not in the row) to send in order.
        _set(store, item, state=BatchState.SIGNED, tx_hash=None, raw_tx=None, nonce=None)
        item.state = BatchState.SIGNED
        report.add(f"{gone}; {'anchored' if isinstance(item, Batch) else 'sent'} again.")


def _pending(authority: IssuingAuthority, tx_hash: str) -> bool:
    try:
        authority.registry.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return False
    return True


def _set(store: Store, item: Item, **values) -> None:
    with store.session() as s:
        row = s.get(type(item), item.id)
        for name, value in values.items():
            setattr(row, name, value)
    for name, value in values.items():
        if name in ("state", "block_number"):
            setattr(item, name, value)


def _first_meant(item: Item) -> tuple[int, int, int, int]:
    """The order things were first meant to happen: a batch before the supersession of the
    licences it replaces, a suspension before its reinstatement."""
    return (item.block_number or NEVER, item.nonce if item.nonce is not None else NEVER,
            0 if isinstance(item, Batch) else 1, item.id)


def _key(item: Item) -> tuple[str, int]:
    return type(item).__name__, item.id


def _name(item: Item) -> str:
    if isinstance(item, Batch):
        return f"batch {item.id}"
    count = len(item.refs) // 16
    return f"status change {item.id} ({CHANGE_WORDS.get(item.status, 'status')} of {count})"
