"""A licence's whole lifecycle for authorised staff: every licence the authority issued
under one number (first issue, replacements, renewals) with what the chain index holds for
each: its anchoring (block, time, scope region), each status change with its public reason
class, block and time, and the council's actions marked as such.

The chain facts come from the local index only; the precise reason is the store's and is
shown to staff, never put on chain (docs/decisions/0133-status-history.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from chain.index import LicenceIndex
from chain.licence_history import anchoring, changes
from issuer.store import Batch, BatchRoot, IssuedLicence, Store
from licence.status_reasons import describe
from licence.vocabulary import StatusCode

_STATUS_WORDS: dict[int, str] = {StatusCode.REVOKED: "revoked", StatusCode.SUSPENDED: "suspended",
                 StatusCode.REINSTATED: "reinstated", StatusCode.SUPERSEDED: "superseded",
                 StatusCode.BATCH_WITHDRAWN: "batch withdrawn"}


@dataclass(frozen=True)
class Step:
    time: int
    block: int
    what: str  # "anchored", "revoked", ...
    reason_class: str | None  # the public class, as the chain holds it
    by_council: bool
    note: str = ""


@dataclass
class LicenceTrace:
    licence_id: int
    status_ref: str
    root: str
    store_status: str
    store_reason: str | None  # the precise reason: staff only
    replaces: int | None
    steps: list[Step] = field(default_factory=list)


def utc(unix: int) -> str:
    return dt.datetime.fromtimestamp(unix, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def trace(store: Store, index: LicenceIndex | None, authority_id: str,
          licence_number: str) -> list[LicenceTrace]:
    """The trace of every licence the authority issued under `licence_number`, oldest
    first; empty when it issued none."""
    with store.session() as s:
        rows = s.execute(
            select(IssuedLicence, Batch, BatchRoot)
            .join(Batch, Batch.id == IssuedLicence.batch_id)
            .join(BatchRoot, (BatchRoot.batch_id == Batch.id)
                  & (BatchRoot.position == IssuedLicence.root_position))
            .where(IssuedLicence.authority_id == authority_id,
                   IssuedLicence.licence_number == licence_number.strip().upper())
            .order_by(IssuedLicence.id)).all()
    traces = []
    for record, batch, root in rows:
        reason = None if record.status_reason is None else describe(record.status_reason).name
        item = LicenceTrace(record.id, record.status_ref.hex(), root.root.hex(),
                            str(record.status), reason, record.replaces)
        if index is not None:
            item.steps = _chain_steps(index, batch.authority_number, record.status_ref,
                                      root.root)
        traces.append(item)
    return traces


def _chain_steps(index: LicenceIndex, authority: int, ref: bytes, root: bytes) -> list[Step]:
    steps: list[Step] = []
    anchored = anchoring(index, authority, root)
    if anchored is not None:
        scope = f"region {anchored.region or 'nationwide'}"
        steps.append(Step(anchored.time, anchored.block, "anchored", None, False,
                          f"under scope {scope}, tx 0x{anchored.tx_hash.hex()}"))
    for change in changes(index, authority, ref, root):
        note = ""
        if change.status == StatusCode.SUSPENDED:
            note = f"until {utc(change.until)}"
        steps.append(Step(change.time, change.block,
                          _STATUS_WORDS.get(change.status, f"status {change.status}"),
                          change.reason.name, change.by_council, note))
    return steps


def as_json(traces: list[LicenceTrace]) -> list[dict[str, Any]]:
    return [{"licence_id": t.licence_id, "status_ref": t.status_ref, "batch_root": t.root,
             "store_status": t.store_status, "store_reason": t.store_reason,
             "replaces": t.replaces,
             "chain": [{"time": s.time, "block": s.block, "event": s.what,
                        "reason_class": s.reason_class, "by_council": s.by_council,
                        "note": s.note} for s in t.steps]} for t in traces]


def lines(traces: list[LicenceTrace]) -> list[str]:
    out = []
    for t in traces:
        head = f"licence #{t.licence_id} (status ref {t.status_ref}, batch root {t.root})"
        if t.replaces:
            head += f", replaces #{t.replaces}"
        out.append(head)
        out.append(f"  store: {t.store_status}"
                   + (f", reason {t.store_reason} (staff only, not on chain)"
                      if t.store_reason else ""))
        if not t.steps:
            out.append("  chain: nothing in the index yet")
        for s in t.steps:
            who = "COUNCIL" if s.by_council else "authority"
            reason = f" — {s.reason_class}" if s.reason_class else ""
            note = f" ({s.note})" if s.note else ""
            out.append(f"  {utc(s.time)}  block {s.block:>8}  {s.what}{reason}{note}  "
                       f"[{who}]")
    return out
