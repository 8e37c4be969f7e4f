"""A licence's life as the chain index records it: when its batch was anchored, each status
change naming it (with the public reason class only), and the licences it replaced and
that replaced it, followed in both directions.

One reader for everyone: `elicence status-history` (staff, from the issuer's store),
`elicence history` and `POST /api/v1/history` (anyone holding the licence's QR code).
Nothing here is personal: the index holds status references, roots and reason classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from licence.status_reasons import ClassWords, describe_class
from licence.vocabulary import StatusCode

from .index import BatchInfo, LicenceIndex

# How far replacements are followed each way: a licence renewed yearly for a lifetime.
MAX_LINKS = 100


@dataclass(frozen=True)
class Anchoring:
    root: bytes
    block: int
    time: int
    region: str  # the scope region the batch was recorded under ("" nationwide)
    tx_hash: bytes

    @classmethod
    def of(cls, batch: BatchInfo) -> Anchoring:
        return cls(batch.root, batch.block_number, batch.block_time, batch.region,
                   batch.tx_hash)

    def to_json(self) -> dict[str, Any]:
        return {"batch": self.root.hex(), "block": self.block, "time": self.time,
                "region": self.region, "tx": "0x" + self.tx_hash.hex()}


@dataclass(frozen=True)
class Change:
    """One status change naming the licence (or its batch)."""

    status: StatusCode | int
    reason: ClassWords  # the public class, as the chain holds it
    time: int
    block: int
    until: int  # suspensions: until when
    by_council: bool
    successor: bytes | None = None  # supersessions: the licence that replaced it

    @property
    def event(self) -> str:
        try:
            return StatusCode(self.status).name.lower()
        except ValueError:
            return f"status_{self.status}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event": self.event, "time": self.time, "block": self.block,
            "reason_class": self.reason.name, "reason_en": self.reason.en,
            "reason_zh": self.reason.zh, "by": "council" if self.by_council else "authority"}
        if self.status == StatusCode.SUSPENDED:
            out["until"] = self.until
        if self.successor is not None:
            out["successor"] = self.successor.hex()
        return out


@dataclass
class Linked:
    """A licence reached through a replacement, known by its status reference only (its
    batch is not derivable from the reference)."""

    status_ref: bytes
    changes: list[Change]

    def to_json(self) -> dict[str, Any]:
        return {"status_ref": self.status_ref.hex(),
                "changes": [c.to_json() for c in self.changes]}


@dataclass
class LicenceHistory:
    authority: int
    status_ref: bytes
    anchored: Anchoring | None  # None: the batch is not (yet) in the index
    changes: list[Change]
    replaced: list[Linked] = field(default_factory=list)  # older licences, newest first
    superseded_by: list[Linked] = field(default_factory=list)  # newer ones, in order


def anchoring(index: LicenceIndex, authority: int, root: bytes) -> Anchoring | None:
    batch = index.batch(root, authority)
    return None if batch is None else Anchoring.of(batch)


def changes(index: LicenceIndex, authority: int, ref: bytes,
            root: bytes | None = None) -> list[Change]:
    """Every status change naming `ref` (or withdrawing batch `root`), oldest first."""
    _, replaced_by = index.successions(authority, ref)
    successors = iter(replaced_by)
    out = []
    for event in index.status_history(authority, ref, root):
        successor = next(successors, None) if event.status == StatusCode.SUPERSEDED else None
        out.append(Change(event.status, describe_class(event.reason_class), event.time,
                          event.block_number, event.until, event.by_council, successor))
    return out


def licence_history(index: LicenceIndex, authority: int, ref: bytes,
                    root: bytes | None) -> LicenceHistory:
    """The licence's own anchoring and changes, and its replacement chain both ways."""
    history = LicenceHistory(authority, ref,
                             None if root is None else anchoring(index, authority, root),
                             changes(index, authority, ref, root))
    seen = {ref}
    for direction, into in ((0, history.replaced), (1, history.superseded_by)):
        current = ref
        while len(into) < MAX_LINKS:
            links = [r for r in index.successions(authority, current)[direction]
                     if r not in seen]
            if not links:
                break
            current = links[-1]  # the latest replacement (a ref is replaced once)
            seen.add(current)
            into.append(Linked(current, changes(index, authority, current)))
    return history
