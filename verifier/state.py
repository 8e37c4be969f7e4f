"""The state the verifier replicas of one installation share (SQLAlchemy): the replay cache,
the holders' usage records and the installation secret.

SQLite in ELICENCE_HOME (`verifier-state.sqlite`, private files) by default, so the worker
processes of one server share it; PostgreSQL when ELICENCE_VERIFIER_STATE_URL names one, so
every replica and counter of an installation does. The tables are created when the store
opens (they are caches and records with their own lifetime, not the issuer's schema).

The installation secret (32 random bytes, created once by whichever replica opens the store
first) keys the counter challenges and the usage records: without it nobody can predict a
counter's challenge, and records of one device at two installations cannot be linked.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DatabaseError

from chain.private_files import private_sqlite

STATE_FILE = "verifier-state.sqlite"
STATE_URL_VARIABLE = "ELICENCE_VERIFIER_STATE_URL"
SECRET_BYTES = 32

metadata = MetaData()

secrets = Table(
    "verifier_secret", metadata,
    Column("name", String(32), primary_key=True),
    Column("value", LargeBinary, nullable=False))

# A live code (SHA-256 of its signed body) seen at any replica, until it expires anyway.
# One insert per live verification: on SQLite the code is the table's own key (no rowid)
# and expiry has no index (the table holds about a minute of codes; pruning scans it once
# a minute), which halves the insert.
seen_codes = Table(
    "replay_cache", metadata,
    Column("code", LargeBinary(32), primary_key=True),
    Column("expires", Integer, nullable=False),
    sqlite_with_rowid=False)

# One usage record per live code (`code` unique): replaying a code adds nothing.
usage_records = Table(
    "usage_records", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # insertion order
    Column("id", String(32), nullable=False, unique=True),
    Column("device", String(64), nullable=False),  # HMAC(installation secret, device key)
    Column("code", LargeBinary(32), nullable=False, unique=True),
    Column("time", Integer, nullable=False),
    Column("counter_id", Text, nullable=False),
    Column("counter_name_zh", Text, nullable=False),
    Column("counter_name_en", Text, nullable=False),
    Column("licence_type", Text),
    Column("authority", Text),
    Column("disclosed", Text, nullable=False),
    Column("verdict", String(16), nullable=False),
    Index("usage_records_by_device", "device", "time"))


class StateStore:
    def __init__(self, url: str) -> None:
        self.url = url
        sqlite_file = _sqlite_file(url)
        options: dict[str, object] = {}
        if sqlite_file is not None:
            private_sqlite(sqlite_file)  # holds the installation secret: 0600
            options["connect_args"] = {"timeout": 10}
        self.engine: Engine = create_engine(url, **options)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        create_tables(metadata, self.engine)
        self.secret = self._installation_secret()

    @staticmethod
    def sqlite_url(home: Path) -> str:
        """The default store: a SQLite file in ELICENCE_HOME."""
        return f"sqlite:///{home / STATE_FILE}"

    @classmethod
    def home_url(cls, home: Path) -> str:
        """The store a command on `home` opens: ELICENCE_VERIFIER_STATE_URL (the replicas'
        shared store) when set, else the home's SQLite file."""
        return os.environ.get(STATE_URL_VARIABLE) or cls.sqlite_url(home)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def insert_new(self, table: Table):  # type: ignore[no-untyped-def]
        """An INSERT that skips rows whose unique key exists, on either database, returning
        the first primary key column of the rows it inserted (none when it skipped): how
        replicas race for a code without a lock. (RETURNING rather than rowcount, which
        psycopg does not report for it.)"""
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        key = next(iter(table.primary_key.columns))
        return insert(table).on_conflict_do_nothing().returning(key)

    def _installation_secret(self) -> bytes:
        with self.engine.begin() as connection:
            connection.execute(self.insert_new(secrets).values(
                name="installation", value=os.urandom(SECRET_BYTES)))
        with self.engine.connect() as connection:  # whoever inserted first won
            return bytes(connection.execute(select(secrets.c.value).where(
                secrets.c.name == "installation")).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


def create_tables(tables: MetaData, engine: Engine, attempts: int = 4) -> None:
    """Creates the missing tables of `tables`. Workers and replicas starting together race
    to create them (create_all checks, then creates): the loser's CREATE fails because the
    table now exists, and its next check finds it."""
    for attempt in range(attempts):
        try:
            tables.create_all(engine)
            return
        except DatabaseError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix):] in ("", ":memory:"):
        return None
    return Path(url[len(prefix):])


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL: the server's worker processes read while one writes; NORMAL sync survives a
    # process crash, which is all a replay cache and usage records need.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
