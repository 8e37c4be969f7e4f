"""Typed values read from the registry and returned by transactions, and the encodings of
the registry's small types (regions, scopes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chain.errors import ChainError
from licence.vocabulary import Role

REGION_SIZE = 6  # bytes6 on chain: up to a six-digit GB/T 2260 code


class InvalidRegion(ChainError):
    reason = "region_invalid"


def encode_region(code: str) -> bytes:
    """A GB/T 2260 division code prefix ("32", "3201", "320102"; "" = nationwide) as the
    registry's bytes6: ASCII digits right-padded with zero bytes."""
    if not (code.isascii() and (code == "" or code.isdigit()) and len(code) in (0, 2, 4, 6)):
        raise InvalidRegion(
            f"Region {code!r} is not a division code prefix: give 2, 4 or 6 digits of a "
            "GB/T 2260 code such as 32 (Jiangsu) or 3201 (Nanjing), or nothing for nationwide.",
            region=code,
        )
    return code.encode().ljust(REGION_SIZE, b"\0")


def decode_region(raw: bytes) -> str:
    """The digits of a bytes6 region ("" = nationwide)."""
    return bytes(raw).rstrip(b"\0").decode("ascii")


def region_contains(scope_region: str, region: str) -> bool:
    """Whether `region` lies within `scope_region` (a prefix; "" contains everything)."""
    return region.startswith(scope_region)


@dataclass(frozen=True, order=True)
class Scope:
    """A (licence type, region) pair an authority is accredited for."""

    licence_type: int
    region: str  # GB/T 2260 prefix digits, "" = nationwide

    def encoded(self) -> tuple[int, bytes]:
        return self.licence_type, encode_region(self.region)


def types_mask(*licence_types: int) -> int:
    """A bitmask of licence type codes: bit (1 << code)."""
    mask = 0
    for code in licence_types:
        mask |= 1 << code
    return mask


def mask_types(mask: int) -> tuple[int, ...]:
    """The licence type codes set in a bitmask."""
    return tuple(code for code in range(256) if mask >> code & 1)


@dataclass(frozen=True)
class AuthorityRecord:
    number: int
    id: str
    name_zh: str
    name_en: str
    jurisdiction: str
    suspended: bool
    grace_until: int  # while suspended: licences anchored before stay valid until then
    key_count: int
    batch_head: bytes
    status_head: bytes
    scopes: tuple[Scope, ...] = ()

    def accredited_for(self, licence_type: int) -> bool:
        """Whether any scope covers this licence type."""
        return any(s.licence_type == licence_type for s in self.scopes)

    def regions_for(self, licence_type: int) -> tuple[str, ...]:
        return tuple(s.region for s in self.scopes if s.licence_type == licence_type)


@dataclass(frozen=True)
class AccountRecord:
    """What an account may do: the authority it acts for (0: none) and its roles."""

    authority: int
    roles: Role


@dataclass(frozen=True)
class KeyRecord:
    authority: int
    key_id: int
    public_key: bytes  # 33-byte compressed SEC1 P-256
    valid_from: int
    valid_until: int
    compromised_at: int | None  # None when never marked (or the mark was cleared)


@dataclass(frozen=True)
class ProposalRecord:
    proposal_id: int
    proposer: str
    action: bytes
    approvals: int
    executed: bool
    cancelled: bool = False
    created_at: int = 0
    expires_at: int = 0

    def open_at(self, now: int) -> bool:
        return not (self.executed or self.cancelled) and now <= self.expires_at


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
