"""`elicence audit verify`: the chain of hashes from the first entry, then the heads the
authority anchored on chain. Either check names the first entry that is no longer what was
written: an edit breaks its own hash, a deletion or a reordering breaks the link to the
entry before, and a rewrite that recomputed every hash no longer matches the anchors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from chain.registry import AuditAnchor
from issuer.audit.entry import GENESIS, entry_hash, fields_of
from issuer.store import AuditEntry


@dataclass(frozen=True)
class AuditFinding:
    sequence: int  # the first entry found bad
    reason: str  # entry_changed, entry_missing, entry_out_of_place, anchor_mismatch, …
    message: str


@dataclass
class AuditReport:
    authority_id: str
    entries: int = 0
    anchors: int = 0
    anchored: int = 0  # entries covered by the newest matching anchor
    findings: list[AuditFinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def line(self) -> str:
        if not self.ok:
            return f"Audit log of {self.authority_id} is NOT intact: {self.findings[0].message}"
        tail = self.entries - self.anchored
        note = (f"; the last {tail:,} are not anchored yet (`elicence audit anchor`)"
                if tail else "")
        return (f"Audit log of {self.authority_id} is intact: {self.entries:,} entries, "
                f"{self.anchors:,} anchors on chain match{note}.")


def verify(authority_id: str, rows: Sequence[AuditEntry],
           anchors: Sequence[AuditAnchor]) -> AuditReport:
    report = AuditReport(authority_id, entries=len(rows), anchors=len(anchors))
    _check_links(rows, report)
    _check_anchors(rows, anchors, report)
    report.findings.sort(key=lambda finding: finding.sequence)
    return report


def _check_links(rows: Sequence[AuditEntry], report: AuditReport) -> None:
    previous = GENESIS
    for position, row in enumerate(rows, start=1):
        label = _label(row)
        if row.sequence != position:
            report.findings.append(AuditFinding(position, "entry_missing", (
                f"entry {position} is missing: the log goes from entry {position - 1} to "
                f"{row.sequence} ({label}).")))
            return
        if row.prev_hash != previous:
            report.findings.append(AuditFinding(position, "entry_out_of_place", (
                f"entry {position} ({label}) does not follow entry {position - 1}: an entry "
                "was deleted, moved or replaced here.")))
            return
        if entry_hash(previous, fields_of(row)) != row.hash:
            report.findings.append(AuditFinding(position, "entry_changed", (
                f"entry {position} ({label}) was changed after it was written: its hash no "
                "longer matches its content.")))
            return
        previous = row.hash


def _check_anchors(rows: Sequence[AuditEntry], anchors: Sequence[AuditAnchor],
                   report: AuditReport) -> None:
    good = 0  # entries known to match an anchor
    for anchor in sorted(anchors, key=lambda a: (a.count, a.block_number)):
        if anchor.count > len(rows):
            report.findings.append(AuditFinding(len(rows) + 1, "entries_deleted", (
                f"entry {len(rows) + 1} is missing: the chain anchored {anchor.count:,} entries "
                f"(tx {anchor.tx_hash}) but the log holds {len(rows):,}.")))
            return
        if rows[anchor.count - 1].hash != anchor.head:
            report.findings.append(AuditFinding(good + 1, "anchor_mismatch", (
                f"entries {good + 1} to {anchor.count} were rewritten: entry {anchor.count} no "
                f"longer matches the head anchored on chain in tx {anchor.tx_hash}.")))
            return
        good = anchor.count
    report.anchored = good


def _label(row: AuditEntry) -> str:
    when = dt.datetime.fromtimestamp(row.at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{row.action} by {row.operator} at {when}"
