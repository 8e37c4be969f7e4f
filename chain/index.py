"""Read API over the local event index, for verifiers: no RPC, a few microseconds a lookup.

    index = LicenceIndex("var/index.sqlite")
    batch = index.batch(root)                  # BatchInfo | None
    state = index.status(batch.authority, ref) # StatusInfo | None (None: never changed)
    key = index.key(authority, key_id)         # KeyRecord | None
    index.as_of()                              # how fresh the answers are
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from chain.errors import ChainError
from chain.index_schema import open_db
from chain.records import KeyRecord


@dataclass(frozen=True)
class IndexState:
    """The newest block the index has read, and when (unix seconds) it last synced."""

    block_number: int
    block_hash: bytes
    block_time: int
    synced_at: int


@dataclass(frozen=True)
class BatchInfo:
    root: bytes
    authority: int
    licence_type: int
    count: int
    anchored_at: int
    block_number: int
    block_time: int
    tx_hash: bytes


@dataclass(frozen=True)
class StatusInfo:
    authority: int
    ref: bytes
    status: int  # 1 revoked, 2 suspended until `until`, 3 reinstated, 4 superseded
    until: int
    reason: int
    successor: bytes | None
    block_number: int
    block_time: int


@dataclass(frozen=True)
class IndexedAuthority:
    number: int
    id: str
    name_zh: str
    name_en: str
    jurisdiction: str
    accredited_types: int  # current bitmask
    suspended: bool
    accounts: tuple[str, ...]  # currently enabled accounts
    registered_at: int  # block time

    def accredited_for(self, licence_type: int) -> bool:
        return bool(self.accredited_types >> licence_type & 1)


class LicenceIndex:
    """Read-only view of an index database; one persistent connection, safe across threads."""

    def __init__(self, path: str | Path) -> None:
        if not Path(path).exists():
            raise ChainError(
                f"There is no chain index at {path}: run `elicence chain sync` first.",
                path=str(path),
            )
        self.path = str(path)
        self._db = open_db(self.path, readonly=True)

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------------ freshness
    def as_of(self) -> IndexState | None:
        """None until the first sync."""
        row = self._db.execute(
            "SELECT b.number, b.hash, b.time, m.value FROM blocks b, meta m "
            "WHERE m.key = 'synced_at' ORDER BY b.number DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return IndexState(row[0], bytes(row[1]), row[2], int(row[3]))

    # ------------------------------------------------------------------ licences
    def batch(self, root: bytes, authority: int | None = None) -> BatchInfo | None:
        """The first anchoring of `root` (by `authority` when given)."""
        sql = ("SELECT root, authority, licence_type, count, anchored_at, block, time, tx "
               "FROM batches WHERE root = ?")
        args: tuple[object, ...] = (root,)
        if authority is not None:
            sql += " AND authority = ?"
            args += (authority,)
        row = self._db.execute(sql + " ORDER BY block, log_index LIMIT 1", args).fetchone()
        return None if row is None else BatchInfo(*row)

    def status(self, authority: int, ref: bytes) -> StatusInfo | None:
        """The current status of a licence; None when it never changed (active)."""
        row = self._db.execute(
            "SELECT authority, ref, status, until, reason, successor, block, time "
            "FROM statuses WHERE authority = ? AND ref = ?", (authority, ref),
        ).fetchone()
        return None if row is None else StatusInfo(*row)

    # ------------------------------------------------------------------ authorities
    def key(self, authority: int, key_id: int) -> KeyRecord | None:
        row = self._db.execute(
            "SELECT public_key, valid_from, valid_until FROM keys "
            "WHERE authority = ? AND key_id = ?", (authority, key_id),
        ).fetchone()
        if row is None:
            return None
        public_key, valid_from, valid_until = row
        newest = self._db.execute(
            "SELECT valid_until FROM key_changes WHERE authority = ? AND key_id = ? "
            "AND valid_until IS NOT NULL ORDER BY block DESC, log_index DESC LIMIT 1",
            (authority, key_id),
        ).fetchone()
        compromised = self._db.execute(
            "SELECT MIN(compromised_at) FROM key_changes WHERE authority = ? AND key_id = ?",
            (authority, key_id),
        ).fetchone()[0]
        return KeyRecord(authority, key_id, bytes(public_key), valid_from,
                         newest[0] if newest else valid_until, compromised)

    def keys(self, authority: int) -> list[KeyRecord]:
        ids = self._db.execute(
            "SELECT key_id FROM keys WHERE authority = ? ORDER BY key_id", (authority,)
        ).fetchall()
        return [k for (key_id,) in ids if (k := self.key(authority, key_id)) is not None]

    def authority(self, number: int) -> IndexedAuthority | None:
        row = self._db.execute(
            "SELECT number, id, name_zh, name_en, jurisdiction, time FROM authorities "
            "WHERE number = ?", (number,),
        ).fetchone()
        return None if row is None else self._authority(row)

    def authority_by_id(self, ident: str) -> IndexedAuthority | None:
        row = self._db.execute(
            "SELECT number, id, name_zh, name_en, jurisdiction, time FROM authorities "
            "WHERE id = ?", (ident,),
        ).fetchone()
        return None if row is None else self._authority(row)

    def authorities(self) -> list[IndexedAuthority]:
        rows = self._db.execute(
            "SELECT number, id, name_zh, name_en, jurisdiction, time FROM authorities "
            "ORDER BY number"
        ).fetchall()
        return [self._authority(row) for row in rows]

    def accreditation_at(self, number: int, when: int) -> int:
        """The accreditation bitmask in force at unix time `when` (0 before registration)."""
        row = self._db.execute(
            "SELECT types FROM accreditations WHERE authority = ? AND time <= ? "
            "ORDER BY block DESC, log_index DESC LIMIT 1", (number, when),
        ).fetchone()
        return row[0] if row else 0

    def suspended_at(self, number: int, when: int) -> bool:
        """Whether the authority was suspended at unix time `when`."""
        row = self._db.execute(
            "SELECT suspended FROM suspensions WHERE authority = ? AND time <= ? "
            "ORDER BY block DESC, log_index DESC LIMIT 1", (number, when),
        ).fetchone()
        return bool(row and row[0])

    def authority_of(self, account: str) -> int | None:
        """The authority an account currently acts for, if any."""
        row = self._db.execute(
            "SELECT authority, enabled FROM accounts WHERE account = ? "
            "ORDER BY block DESC, log_index DESC LIMIT 1", (account,),
        ).fetchone()
        return row[0] if row and row[1] else None

    # ------------------------------------------------------------------ council
    def council(self) -> list[str]:
        rows = self._db.execute(
            "SELECT account FROM council c WHERE member = 1 AND NOT EXISTS ("
            " SELECT 1 FROM council d WHERE d.account = c.account AND "
            " (d.block > c.block OR (d.block = c.block AND d.log_index > c.log_index)))"
            " ORDER BY block, log_index"
        ).fetchall()
        return [r[0] for r in rows]

    def threshold(self) -> int:
        row = self._db.execute(
            "SELECT threshold FROM thresholds ORDER BY block DESC, log_index DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else 0

    def proposal(self, proposal_id: int) -> dict[str, object] | None:
        row = self._db.execute(
            "SELECT id, proposer, action, block, time FROM proposals WHERE id = ?",
            (proposal_id,),
        ).fetchone()
        if row is None:
            return None
        approvers = [r[0] for r in self._db.execute(
            "SELECT member FROM approvals WHERE id = ? ORDER BY block, log_index",
            (proposal_id,))]
        executed = self._db.execute(
            "SELECT time FROM executions WHERE id = ?", (proposal_id,)).fetchone()
        return {
            "id": row[0], "proposer": row[1], "action": bytes(row[2]), "block": row[3],
            "time": row[4], "approvers": approvers,
            "executed_at": executed[0] if executed else None,
        }

    # ------------------------------------------------------------------ helpers
    def _authority(self, row: sqlite3.Row | tuple[object, ...]) -> IndexedAuthority:
        number, ident, name_zh, name_en, jurisdiction, registered_at = row
        types = self._db.execute(
            "SELECT types FROM accreditations WHERE authority = ? "
            "ORDER BY block DESC, log_index DESC LIMIT 1", (number,),
        ).fetchone()
        suspended = self._db.execute(
            "SELECT suspended FROM suspensions WHERE authority = ? "
            "ORDER BY block DESC, log_index DESC LIMIT 1", (number,),
        ).fetchone()
        accounts = self._db.execute(
            "SELECT account FROM accounts a WHERE authority = ? AND enabled = 1 AND NOT EXISTS ("
            " SELECT 1 FROM accounts b WHERE b.account = a.account AND "
            " (b.block > a.block OR (b.block = a.block AND b.log_index > a.log_index)))"
            " ORDER BY block, log_index", (number,),
        ).fetchall()
        return IndexedAuthority(
            number=int(number),  # type: ignore[call-overload]
            id=str(ident), name_zh=str(name_zh), name_en=str(name_en),
            jurisdiction=str(jurisdiction),
            accredited_types=types[0] if types else 0,
            suspended=bool(suspended and suspended[0]),
            accounts=tuple(a[0] for a in accounts),
            registered_at=int(registered_at),  # type: ignore[call-overload]
        )
