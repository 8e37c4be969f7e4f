"""SQLite schema of the local event index (written by chain.indexer, read by chain.index).

Every row derived from an event carries the block it came from, so a chain reorganisation
is undone by deleting rows above the fork block. Mutable state (scopes, suspension, role
accounts, key windows and compromise marks, council) is kept as history rows with the
block time of the change; the value in force at time T is the newest row with time <= T,
and the current value the newest row. Only licence statuses also keep a current-state table,
because a verifier reads them most and there are millions; it is recomputed from
`status_events` after a reorg. Tables and what they answer:

- scopes: (authority, licence_type, region) enabled/disabled over time; a disabling row
  carries grace_until (licences anchored under the scope before it stay valid, with a
  warning, until then). Regions are GB/T 2260 prefix digits, '' = nationwide.
- suspensions: suspended 1/0 over time; a suspending row carries grace_until (licences the
  authority anchored before the suspension stay valid, with a warning, until then). A
  suspension whose grace date the council moved has one row per date.
- accounts: the roles bitmask (licence.vocabulary.Role) each account held, 0 = removed.
- key_changes: valid_until changes, and compromised_at marks (0 = a mark the council
  cleared); the newest row of each kind is in force.
- batch_events / batches: each anchoring with the scope (licence_type, region) it was
  issued under.
- status_events: every status change with its public reason_class; statuses: the current
  status of each (authority, ref); status_refs: each (authority, ref) an event names, so
  a licence's history reads its own events only (decision 0182). Status 5 (batch
  withdrawn) names batch roots, not licences: it lands in withdrawn_batches, never in
  statuses.
- proposals (with expires_at), approvals, executions, cancellations, council (with each
  member's generation), thresholds.
"""

from __future__ import annotations

import sqlite3

from chain.private_files import private_sqlite
from licence.vocabulary import StatusCode

SCHEMA_VERSION = "3"
# Versions an index can be upgraded from in place (see upgrade()); any other older index
# is emptied and read again from its start block.
UPGRADABLE = {"2"}
REF_BYTES = 16  # chain.registry.REF_SIZE (not imported: this module stays free of web3)
NAMED, SUCCESSOR = 0, 1  # status_refs.kind

SCHEMA = """
-- schema, registry, chain_id, start_block, next_block; per sync: synced_at, and the
-- consistency check's outcome: checked_at, checked_block (last check passed), problem.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Recently indexed blocks (those with registry events, and each chunk's last block):
-- the hashes detect reorganisations, the times date the events.
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY, hash BLOB NOT NULL, time INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS authorities (
    number INTEGER PRIMARY KEY, id TEXT NOT NULL, name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
    jurisdiction TEXT NOT NULL, block INTEGER NOT NULL, time INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS authorities_by_id ON authorities (id);

CREATE TABLE IF NOT EXISTS scopes (
    authority INTEGER NOT NULL, licence_type INTEGER NOT NULL, region TEXT NOT NULL,
    enabled INTEGER NOT NULL, grace_until INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, time INTEGER NOT NULL,
    PRIMARY KEY (authority, block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS suspensions (
    authority INTEGER NOT NULL, suspended INTEGER NOT NULL, grace_until INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, time INTEGER NOT NULL,
    PRIMARY KEY (authority, block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS accounts (
    account TEXT NOT NULL, authority INTEGER NOT NULL, roles INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    PRIMARY KEY (account, block, log_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS accounts_by_authority ON accounts (authority);

CREATE TABLE IF NOT EXISTS keys (
    authority INTEGER NOT NULL, key_id INTEGER NOT NULL, public_key BLOB NOT NULL,
    valid_from INTEGER NOT NULL, valid_until INTEGER NOT NULL, block INTEGER NOT NULL,
    PRIMARY KEY (authority, key_id)) WITHOUT ROWID;

-- valid_until or compromised_at changes (the other column NULL; compromised_at 0: cleared).
CREATE TABLE IF NOT EXISTS key_changes (
    authority INTEGER NOT NULL, key_id INTEGER NOT NULL,
    valid_until INTEGER, compromised_at INTEGER,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, time INTEGER NOT NULL,
    PRIMARY KEY (authority, key_id, block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS batch_events (
    authority INTEGER NOT NULL, block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    licence_type INTEGER NOT NULL, region TEXT NOT NULL, count INTEGER NOT NULL,
    anchored_at INTEGER NOT NULL, tx BLOB NOT NULL, head BLOB NOT NULL,
    PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS batch_events_by_authority ON batch_events (authority, block);

-- One row per root; a root anchored again (by anyone) keeps its first anchoring.
CREATE TABLE IF NOT EXISTS batches (
    root BLOB NOT NULL, authority INTEGER NOT NULL, licence_type INTEGER NOT NULL,
    region TEXT NOT NULL, count INTEGER NOT NULL, anchored_at INTEGER NOT NULL,
    block INTEGER NOT NULL,
    log_index INTEGER NOT NULL, time INTEGER NOT NULL, tx BLOB NOT NULL,
    PRIMARY KEY (root, authority)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS batches_by_block ON batches (block);

CREATE TABLE IF NOT EXISTS status_events (
    authority INTEGER NOT NULL, block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    time INTEGER NOT NULL, tx BLOB NOT NULL, status INTEGER NOT NULL, until INTEGER NOT NULL,
    reason_class INTEGER NOT NULL, refs BLOB NOT NULL, successors BLOB NOT NULL,
    head BLOB NOT NULL,
    PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS status_events_by_authority ON status_events (authority, block);

-- One row per (authority, ref) a status event names: kind 0 (NAMED) for the event's refs
-- (batch roots for status 5), kind 1 (SUCCESSOR) for a supersession's successors; `paired`
-- is the ref at the same position in the other list (NULL when there is none), so the
-- replacement chain is read here without unpacking events. (block, log_index) is the event.
CREATE TABLE IF NOT EXISTS status_refs (
    authority INTEGER NOT NULL, ref BLOB NOT NULL, kind INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, position INTEGER NOT NULL,
    status INTEGER NOT NULL, paired BLOB,
    PRIMARY KEY (authority, ref, kind, block, log_index, position)) WITHOUT ROWID;

-- Current status per (authority, ref). Revoked (1) is final.
CREATE TABLE IF NOT EXISTS statuses (
    authority INTEGER NOT NULL, ref BLOB NOT NULL, status INTEGER NOT NULL,
    until INTEGER NOT NULL, reason_class INTEGER NOT NULL, successor BLOB,
    block INTEGER NOT NULL, time INTEGER NOT NULL,
    PRIMARY KEY (authority, ref)) WITHOUT ROWID;

-- Batches the council withdrew (status 5), by (authority, anchored root). Final.
CREATE TABLE IF NOT EXISTS withdrawn_batches (
    authority INTEGER NOT NULL, root BLOB NOT NULL, reason_class INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, time INTEGER NOT NULL,
    PRIMARY KEY (authority, root)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS council (
    account TEXT NOT NULL, member INTEGER NOT NULL, generation INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    PRIMARY KEY (account, block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS thresholds (
    threshold INTEGER NOT NULL, block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS proposals (
    id INTEGER PRIMARY KEY, proposer TEXT NOT NULL, action BLOB NOT NULL,
    expires_at INTEGER NOT NULL, block INTEGER NOT NULL, time INTEGER NOT NULL,
    tx BLOB NOT NULL);

CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER NOT NULL, member TEXT NOT NULL, approvals INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    PRIMARY KEY (id, member)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS executions (
    id INTEGER PRIMARY KEY, block INTEGER NOT NULL, time INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS cancellations (
    id INTEGER PRIMARY KEY, block INTEGER NOT NULL, time INTEGER NOT NULL);
"""

# Tables whose rows are derived from events and carry a `block` column.
EVENT_TABLES = (
    "authorities", "scopes", "suspensions", "accounts", "keys", "key_changes",
    "batch_events", "batches", "status_events", "status_refs", "withdrawn_batches", "council",
    "thresholds",
    "proposals", "approvals", "executions", "cancellations",
)


def open_db(path: str, *, readonly: bool = False) -> sqlite3.Connection:
    """Opens the index database (WAL, so readers never block the indexer)."""
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                               isolation_level=None)
    else:
        private_sqlite(path)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def split_refs(packed: bytes) -> list[bytes]:
    return [packed[i:i + REF_BYTES] for i in range(0, len(packed), REF_BYTES)]


def status_ref_rows(authority: int, block: int, log_index: int, status: int, refs: bytes,
                    successors: bytes) -> list[tuple[object, ...]]:
    """The status_refs rows of one StatusChanged event. Successors count only in a
    supersession (as chain.index has always read them)."""
    if status != StatusCode.SUPERSEDED or not successors:  # the common case, kept cheap
        return [(authority, refs[i:i + REF_BYTES], NAMED, block, log_index, i // REF_BYTES,
                 status, None) for i in range(0, len(refs), REF_BYTES)]
    named = split_refs(refs)
    succ = split_refs(successors)
    rows: list[tuple[object, ...]] = [
        (authority, ref, NAMED, block, log_index, i, status, succ[i] if i < len(succ) else None)
        for i, ref in enumerate(named)]
    rows += [(authority, new, SUCCESSOR, block, log_index, i, status,
              named[i] if i < len(named) else None) for i, new in enumerate(succ)]
    return rows


def upgrade(conn: sqlite3.Connection, path: str) -> None:
    """Brings an index written by an older version to SCHEMA_VERSION, in one transaction:
    from version 2 by deriving status_refs from the stored events (no chain reads); from
    any other older version by emptying every event table so the indexer reads the chain
    again from the start block. A newer or unknown version is refused, never guessed at."""
    stored = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    version = stored.get("schema")
    if version is None or version == SCHEMA_VERSION:
        return
    if not version.isdigit() or int(version) > int(SCHEMA_VERSION):
        from chain.errors import IndexIntegrityError

        raise IndexIntegrityError(
            f"The index at {path} was built by a newer version (schema {version}, this one "
            f"reads {SCHEMA_VERSION}): upgrade elicence or use another index file.",
            key="schema")
    conn.execute("BEGIN IMMEDIATE")
    try:
        if version in UPGRADABLE:
            conn.execute("DELETE FROM status_refs")
            events = conn.execute(
                "SELECT authority, block, log_index, status, refs, successors "
                "FROM status_events ORDER BY block, log_index")
            for authority, block, log_index, status, refs, successors in events:
                conn.executemany(
                    "INSERT OR IGNORE INTO status_refs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    status_ref_rows(authority, block, log_index, status, bytes(refs),
                                    bytes(successors)))
        else:  # that version's tables may differ: read the chain again from the start
            for (table,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'meta'"
            ).fetchall():
                conn.execute(f"DROP TABLE {table}")
            for statement in SCHEMA.split(";\n"):  # statements end their lines
                if statement.strip():
                    conn.execute(statement)
            conn.execute("DELETE FROM meta WHERE key IN "
                         "('synced_at', 'checked_at', 'checked_block', 'problem')")
            conn.execute("UPDATE meta SET value = (SELECT value FROM meta WHERE key = "
                         "'start_block') WHERE key = 'next_block'")
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
