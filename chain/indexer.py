"""Follows registry events into the local SQLite index, surviving chain reorganisations.

    indexer = Indexer("var/index.sqlite", registry, start_block=deploy_block)
    report = indexer.sync()        # reads new blocks in chunks; safe to call repeatedly
    report.problem                 # None when the index matched the chain's commitments
    indexer.check_heads()          # one call per authority: raises IndexIntegrityError

Every sync ends with a consistency check at the synced block (docs/decisions/
0135-provable-freshness.md): each authority's batch and status heads, suspension flag, key
count and scopes as the registry holds them at that block must match the index, and each
witness node must hold the same block hash at that height. The outcome is written to the
index's meta table (checked_at, checked_block, problem), where chain.status reads it: a
node that hides an event, or a witness on another chain, turns "valid" into "unknown".
After a failed check the index is rolled back to the last block that passed, so it heals
once the node answers honestly again.

Reorgs (docs/decisions/0013-indexer-reorgs.md): the hashes of recently indexed blocks are
kept; before each chunk the newest one is compared with the chain, and on a mismatch the
indexer walks back to the newest block whose hash still matches, deletes every row derived
from later blocks, and reads again from there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import keccak
from web3 import Web3
from web3.exceptions import BlockNotFound

from chain.connect import get_logs
from chain.errors import IndexIntegrityError, ReorgTooDeep
from chain.index import LicenceIndex
from chain.index_schema import EVENT_TABLES, SCHEMA_VERSION, create_schema, open_db
from chain.records import Event, Scope, decode_region
from chain.registry import REF_SIZE, Registry
from licence.vocabulary import StatusCode

log = logging.getLogger("elicence.chain.indexer")
ZERO_HEAD = bytes(32)
INCONSISTENT = "status_index_inconsistent"  # problem prefixes (chain.status reasons)
DISAGREE = "status_nodes_disagree"


@dataclass
class SyncReport:
    from_block: int
    to_block: int
    events: int = 0
    reorgs: list[tuple[int, int]] = field(default_factory=list)  # (fork block, old tip)
    problem: str | None = None  # the failed consistency check, "<reason>: <what>"
    witnesses_unreachable: int = 0  # witnesses that could not be asked (not a failure)


@dataclass(frozen=True)
class HeadMismatch:
    authority: int
    kind: str  # "batch" or "status"
    indexed: bytes
    on_chain: bytes


class Indexer:
    """Writes the index at `path` from `registry`'s events, starting at `start_block`."""

    def __init__(
        self,
        path: str | Path,
        registry: Registry,
        *,
        start_block: int = 0,
        chunk_size: int = 2000,
        confirmations: int = 1,
        reorg_window: int = 256,
        witnesses: Sequence[Web3] = (),
    ) -> None:
        self.path = str(path)
        self.registry = registry
        self.w3 = registry.w3
        self.chunk_size = chunk_size
        self.confirmations = confirmations
        self.reorg_window = reorg_window
        self.witnesses = tuple(witnesses)  # other nodes whose block hashes must agree
        self.db = open_db(self.path)
        create_schema(self.db)
        self._check_meta(start_block)
        self._heads: dict[tuple[int, str], bytes] = {}
        self._times: dict[int, tuple[bytes, int]] = {}
        self._status_rows: list[tuple[Any, ...]] = []
        self._status_events: list[tuple[Any, ...]] = []

    def close(self) -> None:
        self.db.close()

    def reader(self) -> LicenceIndex:
        return LicenceIndex(self.path)

    @property
    def next_block(self) -> int:
        return int(self._meta("next_block"))

    # ------------------------------------------------------------------ syncing
    def sync(self, *, now: int | None = None, to_block: int | None = None) -> SyncReport:
        """Reads every new event up to the head minus (confirmations - 1)."""
        head = self._target(to_block)
        report = SyncReport(self.next_block, head)
        while True:
            self._follow_reorg(report)
            start = self.next_block
            if start > head:
                break
            end = min(start + self.chunk_size - 1, head)
            stored = self._read_chunk(start, end)
            if stored is None:  # the chain changed while reading: look again
                head = self._target(to_block)
                continue
            report.events += stored
            self._prune(end)
        report.to_block = self.next_block - 1
        self._record_check(report, int(time.time()) if now is None else now)
        return report

    # ------------------------------------------------------------------ consistency
    def _record_check(self, report: SyncReport, now: int) -> None:
        """Checks the index against the chain at the synced block and records the outcome
        with the sync time, in one transaction (readers see all of it or none)."""
        block = report.to_block
        meta = [("synced_at", str(now))]
        if block < self.start_block:  # nothing read yet: nothing to check
            self._write_meta(meta)
            return
        report.problem = self.consistency_problem(block) or self._witness_problem(
            block, report)
        meta.append(("problem", report.problem or ""))
        if report.problem is None:
            meta += [("checked_at", str(now)), ("checked_block", str(block))]
        else:
            log.warning("status index check failed at block %d: %s", block, report.problem)
        checked = self.db.execute(
            "SELECT value FROM meta WHERE key = 'checked_block'").fetchone()
        if report.problem is not None and report.problem.startswith(INCONSISTENT):
            # Read again from the last block that passed: the events a node hid are
            # picked up once it (or the node configured next) answers honestly.
            self.rollback(int(checked[0]) if checked else self.start_block - 1)
        self._write_meta(meta)

    def _write_meta(self, meta: list[tuple[str, str]]) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    @property
    def start_block(self) -> int:
        return int(self._meta("start_block"))

    def consistency_problem(self, block: int) -> str | None:
        """What differs between the registry's state at `block` and the index (which must
        have read up to `block`): authorities, batch and status heads, suspension flags,
        key counts, scopes. None when nothing does. Two calls per authority."""
        count = self.registry.authority_count(block=block)
        indexed = self.db.execute("SELECT COUNT(*) FROM authorities").fetchone()[0]
        if indexed != count:
            return f"{INCONSISTENT}: {indexed} authorities indexed, {count} on chain"
        for number in range(1, count + 1):
            record = self.registry.authority(number, block=block)
            facts = (
                ("batch head", self._stored_head(number, "batch"), record.batch_head),
                ("status head", self._stored_head(number, "status"), record.status_head),
                ("suspension", self._suspended(number), record.suspended),
                ("key count", self._key_count(number), record.key_count),
                ("scopes", self._scopes(number), tuple(sorted(record.scopes))),
            )
            for what, ours, theirs in facts:
                if ours != theirs:
                    return f"{INCONSISTENT}: authority {number} {what}"
        return None

    def _witness_problem(self, block: int, report: SyncReport) -> str | None:
        """A witness holding another block at this height; an unreachable or lagging
        witness is counted and logged, not a failure (decision 0137)."""
        ours = self.db.execute("SELECT hash FROM blocks WHERE number = ?", (block,)).fetchone()
        expected = bytes(ours[0]) if ours else bytes(self.w3.eth.get_block(block)["hash"])
        for number, witness in enumerate(self.witnesses, 1):
            try:
                theirs = bytes(witness.eth.get_block(block)["hash"])
            except BlockNotFound:  # behind us: it may hold our block in a moment
                report.witnesses_unreachable += 1
                continue
            except Exception as exc:  # away: the primary node's answer stands alone
                log.warning("witness node %d could not be asked (%s)", number,
                            type(exc).__name__)
                report.witnesses_unreachable += 1
                continue
            if theirs != expected:
                return f"{DISAGREE}: witness {number} holds another block {block}"
        return None

    def _suspended(self, authority: int) -> bool:
        row = self.db.execute(
            "SELECT suspended FROM suspensions WHERE authority = ? "
            "ORDER BY block DESC, log_index DESC LIMIT 1", (authority,)).fetchone()
        return bool(row and row[0])

    def _key_count(self, authority: int) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM keys WHERE authority = ?",
                                   (authority,)).fetchone()[0])

    def _scopes(self, authority: int) -> tuple[Scope, ...]:
        held: dict[Scope, bool] = {}
        for licence_type, region, enabled in self.db.execute(
                "SELECT licence_type, region, enabled FROM scopes WHERE authority = ? "
                "ORDER BY block, log_index", (authority,)):
            held[Scope(licence_type, region)] = bool(enabled)
        return tuple(sorted(scope for scope, on in held.items() if on))

    def _target(self, to_block: int | None) -> int:
        head = self.w3.eth.block_number - (self.confirmations - 1)
        return head if to_block is None else min(head, to_block)

    def _read_chunk(self, start: int, end: int) -> int | None:
        """Stores the events of blocks start..end; None when the chain changed meanwhile."""
        try:
            tip = self.w3.eth.get_block(end)
        except BlockNotFound:  # the chain became shorter
            return None
        logs = get_logs(self.w3, self.registry.address, start, end)
        times = {end: (bytes(tip["hash"]), int(tip["timestamp"]))}
        for log in logs:
            number = _int(log["blockNumber"])
            if number not in times:
                stamp = log.get("blockTimestamp")  # newer nodes include it; else ask
                if stamp is None:
                    stamp = self.w3.eth.get_block(number)["timestamp"]
                times[number] = (_bytes(log["blockHash"]), _int(stamp))
        # Logs from a block the chain has since replaced: drop this chunk and re-check.
        if not self._canonical(end, bytes(tip["hash"])):
            return None
        return self.store(logs, times, end)

    def store(self, logs: list[Any], times: dict[int, tuple[bytes, int]], end: int) -> int:
        """Applies one chunk's logs in one transaction; `times`: block → (hash, time)."""
        self._times = times
        self._status_rows: list[tuple[Any, ...]] = []
        self._status_events: list[tuple[Any, ...]] = []
        count = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for log in logs:
                event = self.registry.events.decode(log)
                if event is not None:
                    self._apply(event, _bytes(log["transactionHash"]))
                    count += 1
            # Status changes are written per chunk; executemany keeps their order.
            self.db.executemany(
                "INSERT INTO status_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self._status_events)
            self._upsert_statuses(self._status_rows)
            self.db.executemany(
                "INSERT OR REPLACE INTO blocks (number, hash, time) VALUES (?, ?, ?)",
                [(n, h, t) for n, (h, t) in times.items()],
            )
            self._set_meta("next_block", str(end + 1))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            self._heads.clear()
            raise
        finally:
            self._status_rows, self._status_events = [], []
        return count

    # ------------------------------------------------------------------ reorgs
    def _follow_reorg(self, report: SyncReport) -> None:
        rows = self.db.execute(
            "SELECT number, hash FROM blocks ORDER BY number DESC").fetchall()
        if not rows or self._canonical(rows[0][0], rows[0][1]):
            return
        for number, block_hash in rows[1:]:
            if self._canonical(number, block_hash):
                self.rollback(number)
                report.reorgs.append((number, rows[0][0]))
                return
        raise ReorgTooDeep(rows[-1][0])

    def _canonical(self, number: int, block_hash: bytes) -> bool:
        try:
            block = self.w3.eth.get_block(number)
        except BlockNotFound:  # the chain is now shorter
            return False
        return bytes(block["hash"]) == bytes(block_hash)

    def rollback(self, fork_block: int) -> None:
        """Deletes everything derived from blocks after `fork_block`."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            orphaned = self.db.execute(
                "SELECT authority, refs FROM status_events WHERE block > ? AND status != ?",
                (fork_block, StatusCode.BATCH_WITHDRAWN),
            ).fetchall()
            for table in EVENT_TABLES:
                self.db.execute(f"DELETE FROM {table} WHERE block > ?", (fork_block,))
            self.db.execute("DELETE FROM blocks WHERE number > ?", (fork_block,))
            self._recompute_statuses(orphaned)
            self._set_meta("next_block", str(fork_block + 1))
            # What was complete up to the checked block is complete up to any block before.
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'checked_block' AND "
                            "CAST(value AS INTEGER) > ?", (str(fork_block), fork_block))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        finally:
            self._heads.clear()

    def _recompute_statuses(self, orphaned: list[tuple[int, bytes]]) -> None:
        """Rebuilds the current status of refs touched by orphaned events."""
        touched: dict[int, set[bytes]] = {}
        for authority, refs in orphaned:
            touched.setdefault(authority, set()).update(_split(refs))
        for authority, refs in touched.items():
            self.db.executemany("DELETE FROM statuses WHERE authority = ? AND ref = ?",
                                [(authority, r) for r in refs])
            events = self.db.execute(
                "SELECT status, until, reason_class, refs, successors, block, time "
                "FROM status_events WHERE authority = ? AND status != ? "
                "ORDER BY block, log_index", (authority, StatusCode.BATCH_WITHDRAWN))
            for status, until, reason, packed, successors, block, when in events:
                succ = _split(successors)
                rows = [
                    (authority, ref, status, until, reason, succ[i] if succ else None, block, when)
                    for i, ref in enumerate(_split(packed)) if ref in refs
                ]
                self._upsert_statuses(rows)

    def _prune(self, head: int) -> None:
        """Forgets block hashes older than the reorg window (keeps the newest)."""
        self.db.execute(
            "DELETE FROM blocks WHERE number < ? AND number < (SELECT MAX(number) FROM blocks)",
            (head - self.reorg_window,),
        )

    # ------------------------------------------------------------------ integrity
    def head_mismatches(self) -> list[HeadMismatch]:
        """Compares each authority's recomputed heads with the chain at the indexed block."""
        row = self.db.execute("SELECT MAX(number) FROM blocks").fetchone()
        if row is None or row[0] is None:
            return []
        mismatches = []
        for (number,) in self.db.execute("SELECT number FROM authorities ORDER BY number"):
            record = self.registry.authority(number, block=row[0])
            for kind, on_chain in (("batch", record.batch_head), ("status", record.status_head)):
                indexed = self._stored_head(number, kind)
                if indexed != on_chain:
                    mismatches.append(HeadMismatch(number, kind, indexed, on_chain))
        return mismatches

    def check_heads(self) -> None:
        """Raises IndexIntegrityError when the index misses or invents registry events."""
        mismatches = self.head_mismatches()
        if mismatches:
            which = ", ".join(f"authority {m.authority} {m.kind}" for m in mismatches)
            raise IndexIntegrityError(
                f"The local index disagrees with the chain's committed heads ({which}): "
                "rebuild the index from the registry deployment block.",
                mismatches=mismatches,
            )

    # ------------------------------------------------------------------ applying events
    def _apply(self, event: Event, tx: bytes) -> None:
        handler = getattr(self, "_on_" + event.name, None)
        if handler is not None:
            handler(event, event.args, tx)

    def _time(self, event: Event) -> int:
        return self._times[event.block_number][1]

    def _on_AuthorityRegistered(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute(
            "INSERT INTO authorities VALUES (?, ?, ?, ?, ?, ?, ?)",
            (a["authority"], a["id"], a["nameZh"], a["nameEn"], a["jurisdiction"],
             ev.block_number, self._time(ev)),
        )

    def _on_ScopeChanged(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO scopes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (a["authority"], a["licenceType"], decode_region(a["region"]),
                         int(a["enabled"]), a["graceUntil"], ev.block_number, ev.log_index,
                         self._time(ev)))

    def _on_AuthoritySuspended(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO suspensions VALUES (?, 1, ?, ?, ?, ?)",
                        (a["authority"], a["graceUntil"], ev.block_number, ev.log_index,
                         self._time(ev)))

    def _on_AuthorityReinstated(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO suspensions VALUES (?, 0, 0, ?, ?, ?)",
                        (a["authority"], ev.block_number, ev.log_index, self._time(ev)))

    def _on_AuthorityAccountSet(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO accounts VALUES (?, ?, ?, ?, ?)",
                        (a["account"], a["authority"], a["roles"], ev.block_number,
                         ev.log_index))

    def _on_KeyAdded(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO keys VALUES (?, ?, ?, ?, ?, ?)",
                        (a["authority"], a["keyId"], a["publicKey"], a["validFrom"],
                         a["validUntil"], ev.block_number))

    def _on_KeyValidUntilChanged(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO key_changes VALUES (?, ?, ?, NULL, ?, ?, ?)",
                        (a["authority"], a["keyId"], a["newValidUntil"], ev.block_number,
                         ev.log_index, self._time(ev)))

    def _on_KeyCompromiseSet(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO key_changes VALUES (?, ?, NULL, ?, ?, ?, ?)",
                        (a["authority"], a["keyId"], a["compromisedAt"], ev.block_number,
                         ev.log_index, self._time(ev)))

    def _on_BatchAnchored(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        authority, roots = a["authority"], a["roots"]
        head = keccak(
            self._head(authority, "batch") + a["licenceType"].to_bytes(1, "big") + a["region"]
            + a["count"].to_bytes(4, "big") + a["anchoredAt"].to_bytes(8, "big") + roots
        )
        self._check_emitted(authority, "batch", head, a["head"], ev)
        when = self._time(ev)
        region = decode_region(a["region"])
        self.db.execute("INSERT INTO batch_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (authority, ev.block_number, ev.log_index, a["licenceType"], region,
                         a["count"], a["anchoredAt"], tx, head))
        self.db.executemany(
            "INSERT OR IGNORE INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(root, authority, a["licenceType"], region, a["count"], a["anchoredAt"],
              ev.block_number, ev.log_index, when, tx) for root in _split(roots)],
        )

    def _on_StatusChanged(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        authority, refs, successors = a["authority"], a["refs"], a["successors"]
        status, until, reason = a["status"], a["until"], a["reasonClass"]
        head = keccak(
            self._head(authority, "status") + status.to_bytes(1, "big")
            + until.to_bytes(8, "big") + reason.to_bytes(1, "big") + refs + successors
        )
        self._check_emitted(authority, "status", head, a["head"], ev)
        when = self._time(ev)
        self._status_events.append(
            (authority, ev.block_number, ev.log_index, when, tx, status, until, reason, refs,
             successors, head))
        block = ev.block_number
        if status == StatusCode.BATCH_WITHDRAWN:  # refs are batch roots: final for the batch
            self.db.executemany(
                "INSERT OR IGNORE INTO withdrawn_batches VALUES (?, ?, ?, ?, ?, ?)",
                [(authority, root, reason, block, ev.log_index, when) for root in _split(refs)])
        elif status == StatusCode.SUPERSEDED and successors:
            succ = _split(successors)
            self._status_rows.extend(
                (authority, ref, status, until, reason, succ[i], block, when)
                for i, ref in enumerate(_split(refs))
            )
        else:
            self._status_rows.extend(
                (authority, ref, status, until, reason, None, block, when)
                for ref in _split(refs)
            )

    def _on_CouncilMemberAdded(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO council VALUES (?, 1, ?, ?, ?)",
                        (a["account"], a["generation"], ev.block_number, ev.log_index))

    def _on_CouncilMemberRemoved(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO council VALUES (?, 0, 0, ?, ?)",
                        (a["account"], ev.block_number, ev.log_index))

    def _on_ThresholdChanged(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO thresholds VALUES (?, ?, ?)",
                        (a["newThreshold"], ev.block_number, ev.log_index))

    def _on_ProposalCreated(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO proposals VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (a["proposalId"], a["proposer"], a["action"], a["expiresAt"],
                         ev.block_number, self._time(ev), tx))

    def _on_ProposalCancelled(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO cancellations VALUES (?, ?, ?)",
                        (a["proposalId"], ev.block_number, self._time(ev)))

    def _on_ProposalApproved(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        # A member re-added after removal approves again: keep the newest approval.
        self.db.execute("INSERT OR REPLACE INTO approvals VALUES (?, ?, ?, ?, ?)",
                        (a["proposalId"], a["member"], a["approvals"], ev.block_number,
                         ev.log_index))

    def _on_ProposalExecuted(self, ev: Event, a: dict[str, Any], tx: bytes) -> None:
        self.db.execute("INSERT INTO executions VALUES (?, ?, ?)",
                        (a["proposalId"], ev.block_number, self._time(ev)))

    # ------------------------------------------------------------------ helpers
    def _upsert_statuses(self, rows: Iterable[tuple[Any, ...]]) -> None:
        # Revoked is final: a later change to a revoked licence is ignored.
        self.db.executemany(
            "INSERT INTO statuses VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (authority, ref) DO UPDATE SET status = excluded.status, "
            "until = excluded.until, reason_class = excluded.reason_class, "
            "successor = excluded.successor, "
            "block = excluded.block, time = excluded.time "
            f"WHERE statuses.status != {StatusCode.REVOKED:d}",
            rows,
        )

    def _head(self, authority: int, kind: str) -> bytes:
        cached = self._heads.get((authority, kind))
        return cached if cached is not None else self._stored_head(authority, kind)

    def _stored_head(self, authority: int, kind: str) -> bytes:
        row = self.db.execute(
            f"SELECT head FROM {kind}_events WHERE authority = ? "
            "ORDER BY block DESC, log_index DESC LIMIT 1", (authority,),
        ).fetchone()
        return bytes(row[0]) if row else ZERO_HEAD

    def _check_emitted(self, authority: int, kind: str, head: bytes, emitted: bytes,
                       ev: Event) -> None:
        if head != emitted:
            raise IndexIntegrityError(
                f"The {kind} head recomputed for authority {authority} at block "
                f"{ev.block_number} differs from the one the registry emitted: the index "
                "missed events; rebuild it from the registry deployment block.",
                authority=authority, block=ev.block_number,
            )
        self._heads[(authority, kind)] = head

    def _check_meta(self, start_block: int) -> None:
        chain_id = str(self.w3.eth.chain_id)
        expected = {"schema": SCHEMA_VERSION, "registry": self.registry.address,
                    "chain_id": chain_id}
        stored = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        for key, value in expected.items():
            if key in stored and stored[key] != value:
                raise IndexIntegrityError(
                    f"The index at {self.path} was built for {key} {stored[key]}, not {value}: "
                    "use another index file or delete this one.",
                    key=key,
                )
        if "next_block" not in stored:
            rows = [*expected.items(), ("start_block", str(start_block)),
                    ("next_block", str(start_block))]
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)

    def _meta(self, key: str) -> str:
        return str(self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _split(packed: bytes) -> list[bytes]:
    return [packed[i:i + REF_SIZE] for i in range(0, len(packed), REF_SIZE)]
