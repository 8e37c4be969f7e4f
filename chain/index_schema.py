"""SQLite schema of the local event index (written by chain.indexer, read by chain.index).

Every row derived from an event carries the block it came from, so a chain reorganisation
is undone by deleting rows above the fork block. Mutable state (accreditation, suspension,
accounts, key windows, council) is kept as history rows; the current value is the newest
row. Only licence statuses also keep a current-state table, because a verifier reads them
most and there are millions; it is recomputed from `status_events` after a reorg.
"""

from __future__ import annotations

import sqlite3

from chain.private_files import private_sqlite

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Recently indexed blocks (those with registry events, and each chunk's last block):
-- the hashes detect reorganisations, the times date the events.
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY, hash BLOB NOT NULL, time INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS authorities (
    number INTEGER PRIMARY KEY, id TEXT NOT NULL, name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
    jurisdiction TEXT NOT NULL, block INTEGER NOT NULL, time INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS authorities_by_id ON authorities (id);

CREATE TABLE IF NOT EXISTS accreditations (
    authority INTEGER NOT NULL, types INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, time INTEGER NOT NULL,
    PRIMARY KEY (authority, block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS suspensions (
    authority INTEGER NOT NULL, suspended INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, time INTEGER NOT NULL,
    PRIMARY KEY (authority, block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS accounts (
    account TEXT NOT NULL, authority INTEGER NOT NULL, enabled INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    PRIMARY KEY (account, block, log_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS accounts_by_authority ON accounts (authority);

CREATE TABLE IF NOT EXISTS keys (
    authority INTEGER NOT NULL, key_id INTEGER NOT NULL, public_key BLOB NOT NULL,
    valid_from INTEGER NOT NULL, valid_until INTEGER NOT NULL, block INTEGER NOT NULL,
    PRIMARY KEY (authority, key_id)) WITHOUT ROWID;

-- valid_until or compromised_at changes (the other column NULL).
CREATE TABLE IF NOT EXISTS key_changes (
    authority INTEGER NOT NULL, key_id INTEGER NOT NULL,
    valid_until INTEGER, compromised_at INTEGER,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    PRIMARY KEY (authority, key_id, block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS batch_events (
    authority INTEGER NOT NULL, block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    licence_type INTEGER NOT NULL, count INTEGER NOT NULL, anchored_at INTEGER NOT NULL,
    tx BLOB NOT NULL, head BLOB NOT NULL,
    PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS batch_events_by_authority ON batch_events (authority, block);

-- One row per root; a root anchored again (by anyone) keeps its first anchoring.
CREATE TABLE IF NOT EXISTS batches (
    root BLOB NOT NULL, authority INTEGER NOT NULL, licence_type INTEGER NOT NULL,
    count INTEGER NOT NULL, anchored_at INTEGER NOT NULL, block INTEGER NOT NULL,
    log_index INTEGER NOT NULL, time INTEGER NOT NULL, tx BLOB NOT NULL,
    PRIMARY KEY (root, authority)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS batches_by_block ON batches (block);

CREATE TABLE IF NOT EXISTS status_events (
    authority INTEGER NOT NULL, block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    time INTEGER NOT NULL, tx BLOB NOT NULL, status INTEGER NOT NULL, until INTEGER NOT NULL,
    reason INTEGER NOT NULL, refs BLOB NOT NULL, successors BLOB NOT NULL, head BLOB NOT NULL,
    PRIMARY KEY (block, log_index)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS status_events_by_authority ON status_events (authority, block);

-- Current status per (authority, ref). Revoked (1) is final.
CREATE TABLE IF NOT EXISTS statuses (
    authority INTEGER NOT NULL, ref BLOB NOT NULL, status INTEGER NOT NULL,
    until INTEGER NOT NULL, reason INTEGER NOT NULL, successor BLOB,
    block INTEGER NOT NULL, time INTEGER NOT NULL,
    PRIMARY KEY (authority, ref)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS council (
    account TEXT NOT NULL, member INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    PRIMARY KEY (account, block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS thresholds (
    threshold INTEGER NOT NULL, block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS proposals (
    id INTEGER PRIMARY KEY, proposer TEXT NOT NULL, action BLOB NOT NULL,
    block INTEGER NOT NULL, time INTEGER NOT NULL, tx BLOB NOT NULL);

CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER NOT NULL, member TEXT NOT NULL, approvals INTEGER NOT NULL,
    block INTEGER NOT NULL, log_index INTEGER NOT NULL,
    PRIMARY KEY (id, member)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS executions (
    id INTEGER PRIMARY KEY, block INTEGER NOT NULL, time INTEGER NOT NULL);
"""

# Tables whose rows are derived from events and carry a `block` column.
EVENT_TABLES = (
    "authorities", "accreditations", "suspensions", "accounts", "keys", "key_changes",
    "batch_events", "batches", "status_events", "council", "thresholds", "proposals",
    "approvals", "executions",
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
