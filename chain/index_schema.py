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
  status of each (authority, ref). Status 5 (batch withdrawn) names batch roots, not
  licences: it lands in withdrawn_batches, never in statuses.
- proposals (with expires_at), approvals, executions, cancellations, council (with each
  member's generation), thresholds.
"""

from __future__ import annotations

import sqlite3

from chain.private_files import private_sqlite

SCHEMA_VERSION = "2"

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
    "batch_events", "batches", "status_events", "withdrawn_batches", "council", "thresholds",
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
