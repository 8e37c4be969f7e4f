"""Read API over the local event index, for verifiers: no RPC, a few microseconds a lookup.

    index = LicenceIndex("var/index.sqlite")
    batch = index.batch(root)                  # BatchInfo | None
    state = index.status(batch.authority, ref) # StatusInfo | None (None: never changed)
    key = index.key(authority, key_id)         # KeyRecord | None
    index.as_of()                              # how fresh the answers are

What a verifier needs for scopes and council decisions (docs/decisions/0111-index-for-scopes.md):
    index.scopes_at(authority, when)           # the (type, region) scopes held at a time
    index.scope_changes(authority)             # every change, removals with grace dates
    index.suspension_at(authority, when)       # SuspensionInfo (since, grace) | None
    index.suspensions(authority)               # the history, with grace dates
    index.withdrawn_batch(authority, root)     # WithdrawnBatch | None
    index.status_history(authority, ref, root) # every StatusEvent naming it (staff traces)
    index.successions(authority, ref)          # the refs it replaced / that replaced it
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chain.errors import ChainError
from chain.index_schema import open_db
from chain.records import AccountRecord, KeyRecord, Scope, types_mask
from licence.vocabulary import Role, StatusCode


@dataclass(frozen=True)
class IndexState:
    """The newest block the index has read (its number, hash and block timestamp), when
    (unix seconds, local clock) it last synced, and the outcome of the consistency check
    the indexer runs at every sync (chain.indexer, docs/decisions/0135-provable-freshness.md)."""

    block_number: int
    block_hash: bytes
    block_time: int  # the block's own timestamp: how old the chain the node showed us is
    synced_at: int
    checked_at: int | None = None  # last sync whose consistency check passed
    checked_block: int | None = None  # the block that check was made at
    problem: str | None = None  # why the last sync's check failed (chain.status reasons)


@dataclass(frozen=True)
class BatchInfo:
    root: bytes
    authority: int
    licence_type: int
    region: str  # the scope the batch was issued under ('' = nationwide)
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
    reason_class: int  # licence.vocabulary.ReasonClass
    successor: bytes | None
    block_number: int
    block_time: int


@dataclass(frozen=True)
class ScopeChange:
    licence_type: int
    region: str
    enabled: bool
    grace_until: int  # for a removal: licences anchored under it before stay valid until then
    time: int  # block time of the change
    block_number: int


@dataclass(frozen=True)
class SuspensionInfo:
    since: int  # block time the (still running) suspension began
    grace_until: int  # licences anchored before `since` stay valid (with a warning) until then


@dataclass(frozen=True)
class WithdrawnBatch:
    authority: int
    root: bytes
    reason_class: int
    time: int
    block_number: int


@dataclass(frozen=True)
class StatusEvent:
    """One status change naming a licence (or its batch), for a staff lifecycle trace."""

    status: int  # licence.vocabulary.StatusCode
    until: int
    reason_class: int
    time: int
    block_number: int
    tx_hash: bytes
    by_council: bool  # executed by a council proposal, not sent by the authority


@dataclass(frozen=True)
class IndexedAuthority:
    number: int
    id: str
    name_zh: str
    name_en: str
    jurisdiction: str
    scopes: tuple[Scope, ...]  # held now
    suspended: bool
    grace_until: int  # of the current suspension
    accounts: tuple[tuple[str, Role], ...]  # current role accounts
    registered_at: int  # block time

    @property
    def accredited_types(self) -> int:
        """Bitmask of the licence types some current scope covers."""
        return types_mask(*(s.licence_type for s in self.scopes))

    def accredited_for(self, licence_type: int) -> bool:
        return any(s.licence_type == licence_type for s in self.scopes)


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
            "SELECT number, hash, time FROM blocks ORDER BY number DESC LIMIT 1").fetchone()
        meta = dict(self._db.execute(
            "SELECT key, value FROM meta WHERE key IN "
            "('synced_at', 'checked_at', 'checked_block', 'problem')").fetchall())
        if row is None or "synced_at" not in meta:
            return None
        return IndexState(row[0], bytes(row[1]), row[2], int(meta["synced_at"]),
                          _int_or_none(meta.get("checked_at")),
                          _int_or_none(meta.get("checked_block")), meta.get("problem") or None)

    # ------------------------------------------------------------------ licences
    def batch(self, root: bytes, authority: int | None = None) -> BatchInfo | None:
        """The first anchoring of `root` (by `authority` when given)."""
        sql = ("SELECT root, authority, licence_type, region, count, anchored_at, block, time, "
               "tx FROM batches WHERE root = ?")
        args: tuple[object, ...] = (root,)
        if authority is not None:
            sql += " AND authority = ?"
            args += (authority,)
        row = self._db.execute(sql + " ORDER BY block, log_index LIMIT 1", args).fetchone()
        return None if row is None else BatchInfo(*row)

    def status(self, authority: int, ref: bytes) -> StatusInfo | None:
        """The current status of a licence; None when it never changed (active)."""
        row = self._db.execute(
            "SELECT authority, ref, status, until, reason_class, successor, block, time "
            "FROM statuses WHERE authority = ? AND ref = ?", (authority, ref),
        ).fetchone()
        return None if row is None else StatusInfo(*row)

    def withdrawn_batch(self, authority: int, root: bytes) -> WithdrawnBatch | None:
        """The council's withdrawal of the batch anchored by `authority` under `root`."""
        row = self._db.execute(
            "SELECT authority, root, reason_class, time, block FROM withdrawn_batches "
            "WHERE authority = ? AND root = ?", (authority, root)).fetchone()
        return None if row is None else WithdrawnBatch(row[0], bytes(row[1]), *row[2:])

    def withdrawn_batches(self, authority: int) -> list[WithdrawnBatch]:
        rows = self._db.execute(
            "SELECT authority, root, reason_class, time, block FROM withdrawn_batches "
            "WHERE authority = ? ORDER BY block, log_index", (authority,)).fetchall()
        return [WithdrawnBatch(r[0], bytes(r[1]), *r[2:]) for r in rows]

    def status_history(self, authority: int, ref: bytes,
                       root: bytes | None = None) -> list[StatusEvent]:
        """Every status change naming `ref` (or, for a batch withdrawal, `root`), oldest
        first. Read from the events, not the current-status table, so a trace shows each
        change."""
        # instr() picks the events whose packed refs contain the bytes, in SQLite's C code;
        # the loop below keeps only those naming it at a 16-byte boundary.
        rows = self._db.execute(
            "SELECT status, until, reason_class, time, block, tx, refs FROM status_events "
            "WHERE authority = ? AND (instr(refs, ?) > 0 OR instr(refs, ?) > 0) "
            "ORDER BY block, log_index", (authority, ref, root or ref)).fetchall()
        council = self._council_status_actions()
        out: list[StatusEvent] = []
        for status, until, reason_class, time_, block, tx, refs in rows:
            packed = bytes(refs)
            named = {packed[i:i + 16] for i in range(0, len(packed), 16)}
            # A batch withdrawal names batch roots; every other change names licences.
            if (root if status == StatusCode.BATCH_WITHDRAWN else ref) not in named:
                continue
            by_council = any(b == block and packed in action for b, action in council)
            out.append(StatusEvent(status, until, reason_class, time_, block, bytes(tx),
                                   by_council))
        return out

    def successions(self, authority: int, ref: bytes) -> tuple[list[bytes], list[bytes]]:
        """(the refs `ref` replaced, the refs that replaced `ref`), from the authority's
        SUPERSEDED events (refs and successors pair up by position), oldest first."""
        rows = self._db.execute(
            "SELECT refs, successors FROM status_events WHERE authority = ? AND status = ? "
            "AND (instr(refs, ?) > 0 OR instr(successors, ?) > 0) ORDER BY block, log_index",
            (authority, int(StatusCode.SUPERSEDED), ref, ref)).fetchall()
        replaced: list[bytes] = []
        replaced_by: list[bytes] = []
        for refs, successors in rows:
            pairs = zip(_refs(bytes(refs)), _refs(bytes(successors)), strict=False)
            for old, new in pairs:
                if new == ref:
                    replaced.append(old)
                if old == ref:
                    replaced_by.append(new)
        return replaced, replaced_by

    def _council_status_actions(self) -> list[tuple[int, bytes]]:
        """(block executed, action) of executed council proposals that changed statuses."""
        from eth_utils import keccak

        selector = keccak(text="councilSetStatus(uint32,uint8,uint64,uint8,bytes,bytes)")[:4]
        rows = self._db.execute(
            "SELECT e.block, p.action FROM executions e JOIN proposals p ON p.id = e.id"
        ).fetchall()
        return [(b, bytes(a)) for b, a in rows if bytes(a)[:4] == selector]

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
        # The newest mark is in force: the council may move it or clear it (0).
        compromised = self._db.execute(
            "SELECT compromised_at FROM key_changes WHERE authority = ? AND key_id = ? "
            "AND compromised_at IS NOT NULL ORDER BY block DESC, log_index DESC LIMIT 1",
            (authority, key_id),
        ).fetchone()
        return KeyRecord(authority, key_id, bytes(public_key), valid_from,
                         newest[0] if newest else valid_until,
                         compromised[0] or None if compromised else None)

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

    def scope_changes(self, number: int) -> list[ScopeChange]:
        """Every scope change of the authority, oldest first (removals carry grace dates)."""
        rows = self._db.execute(
            "SELECT licence_type, region, enabled, grace_until, time, block FROM scopes "
            "WHERE authority = ? ORDER BY block, log_index", (number,)).fetchall()
        return [ScopeChange(t, r, bool(e), g, time, b) for t, r, e, g, time, b in rows]

    def scopes_at(self, number: int, when: int) -> tuple[Scope, ...]:
        """The scopes the authority held at unix time `when`."""
        held: dict[Scope, bool] = {}
        for change in self.scope_changes(number):
            if change.time > when:
                break
            held[Scope(change.licence_type, change.region)] = change.enabled
        return tuple(sorted(scope for scope, enabled in held.items() if enabled))

    def accreditation_at(self, number: int, when: int) -> int:
        """Bitmask of the licence types some scope covered at unix time `when` (0 before
        registration)."""
        return types_mask(*(s.licence_type for s in self.scopes_at(number, when)))

    def suspensions(self, number: int) -> list[tuple[int, bool, int]]:
        """(block time, suspended, grace_until) of every suspension change, oldest first."""
        return [(t, bool(s), g) for t, s, g in self._db.execute(
            "SELECT time, suspended, grace_until FROM suspensions WHERE authority = ? "
            "ORDER BY block, log_index", (number,))]

    def suspension_at(self, number: int, when: int) -> SuspensionInfo | None:
        """The suspension in force at unix time `when`, if any: when it began and the grace
        date in force then."""
        return suspension_from(self.suspensions(number), when)

    def suspended_at(self, number: int, when: int) -> bool:
        """Whether the authority was suspended at unix time `when`."""
        return self.suspension_at(number, when) is not None

    def account(self, address: str) -> AccountRecord | None:
        """The authority an account currently acts for and its roles, if any."""
        row = self._db.execute(
            "SELECT authority, roles FROM accounts WHERE account = ? "
            "ORDER BY block DESC, log_index DESC LIMIT 1", (address,),
        ).fetchone()
        return AccountRecord(row[0], Role(row[1])) if row and row[1] else None

    def authority_of(self, account: str) -> int | None:
        """The authority an account currently acts for, if any."""
        record = self.account(account)
        return record.authority if record else None

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
        """A proposal with the approvers that count now: current members who approved after
        they last joined the council."""
        row = self._db.execute(
            "SELECT id, proposer, action, block, time, expires_at FROM proposals WHERE id = ?",
            (proposal_id,),
        ).fetchone()
        if row is None:
            return None
        approvers = [r[0] for r in self._db.execute(
            "SELECT a.member FROM approvals a WHERE a.id = ? AND EXISTS ("
            " SELECT 1 FROM council c WHERE c.account = a.member AND c.member = 1"
            " AND (c.block < a.block OR (c.block = a.block AND c.log_index < a.log_index))"
            " AND NOT EXISTS (SELECT 1 FROM council d WHERE d.account = c.account"
            "  AND (d.block > c.block OR (d.block = c.block AND d.log_index > c.log_index))))"
            " ORDER BY a.block, a.log_index", (proposal_id,))]
        executed = self._db.execute(
            "SELECT time FROM executions WHERE id = ?", (proposal_id,)).fetchone()
        cancelled = self._db.execute(
            "SELECT time FROM cancellations WHERE id = ?", (proposal_id,)).fetchone()
        return {
            "id": row[0], "proposer": row[1], "action": bytes(row[2]), "block": row[3],
            "time": row[4], "expires_at": row[5], "approvers": approvers,
            "executed_at": executed[0] if executed else None,
            "cancelled_at": cancelled[0] if cancelled else None,
        }

    # ------------------------------------------------------------------ helpers
    def _authority(self, row: sqlite3.Row | tuple[object, ...]) -> IndexedAuthority:
        number, ident, name_zh, name_en, jurisdiction, registered_at = row
        suspension = self.suspension_at(int(number), 2**63)  # type: ignore[call-overload]
        accounts = self._db.execute(
            "SELECT account, roles FROM accounts a WHERE authority = ? AND roles != 0 AND NOT "
            "EXISTS (SELECT 1 FROM accounts b WHERE b.account = a.account AND "
            " (b.block > a.block OR (b.block = a.block AND b.log_index > a.log_index)))"
            " ORDER BY block, log_index", (number,),
        ).fetchall()
        return IndexedAuthority(
            number=int(number),  # type: ignore[call-overload]
            id=str(ident), name_zh=str(name_zh), name_en=str(name_en),
            jurisdiction=str(jurisdiction),
            scopes=self.scopes_at(int(number), 2**63),  # type: ignore[call-overload]
            suspended=suspension is not None,
            grace_until=suspension.grace_until if suspension else 0,
            accounts=tuple((a, Role(r)) for a, r in accounts),
            registered_at=int(registered_at),  # type: ignore[call-overload]
        )


def _int_or_none(value: str | None) -> int | None:
    return None if not value else int(value)


def suspension_from(history: Sequence[tuple[int, bool, int]], when: int) -> SuspensionInfo | None:
    """The suspension in force at `when` in an authority's (time, suspended, grace_until)
    history, oldest first: the one rule behind LicenceIndex.suspension_at and cached views."""
    since: int | None = None
    grace = 0
    for time_, suspended, grace_until in history:
        if time_ > when:
            break
        if not suspended:
            since = None
        else:
            since = time_ if since is None else since
            grace = grace_until
    return None if since is None else SuspensionInfo(since, grace)


def _refs(packed: bytes) -> list[bytes]:
    return [packed[i:i + 16] for i in range(0, len(packed), 16)]
