"""Typed values read from the registry and returned by transactions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def types_mask(*licence_types: int) -> int:
    """The accreditation bitmask for licence type codes: bit (1 << code)."""
    mask = 0
    for code in licence_types:
        mask |= 1 << code
    return mask


def mask_types(mask: int) -> tuple[int, ...]:
    """The licence type codes set in an accreditation bitmask."""
    return tuple(code for code in range(64) if mask >> code & 1)


@dataclass(frozen=True)
class AuthorityRecord:
    number: int
    id: str
    name_zh: str
    name_en: str
    jurisdiction: str
    accredited_types: int  # bitmask, bit (1 << licence type)
    suspended: bool
    key_count: int
    batch_head: bytes
    status_head: bytes

    def accredited_for(self, licence_type: int) -> bool:
        return bool(self.accredited_types >> licence_type & 1)


@dataclass(frozen=True)
class KeyRecord:
    authority: int
    key_id: int
    public_key: bytes  # 33-byte compressed SEC1 P-256
    valid_from: int
    valid_until: int
    compromised_at: int | None  # None when never marked


@dataclass(frozen=True)
class ProposalRecord:
    proposal_id: int
    proposer: str
    action: bytes
    approvals: int
    executed: bool


@dataclass(frozen=True)
class Event:
    """One decoded registry event from a receipt or a log."""

    name: str
    args: dict[str, Any]
    block_number: int
    log_index: int


@dataclass(frozen=True)
class TxResult:
    tx_hash: str
    block_number: int
    block_hash: str
    gas_used: int
    events: tuple[Event, ...] = field(default=())

    def event(self, name: str) -> Event:
        """The first event called `name`; KeyError when the transaction emitted none."""
        for ev in self.events:
            if ev.name == name:
                return ev
        raise KeyError(f"transaction {self.tx_hash} emitted no {name} event")
