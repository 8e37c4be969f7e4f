"""The issuer's licence store (SQLAlchemy): SQLite in ELICENCE_HOME by default, PostgreSQL
when ELICENCE_DATABASE_URL names one. The schema is managed by Alembic migrations, applied
when the store is opened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from chain.private_files import private_sqlite
from issuer.store.models import (
    ApprovalPolicy,
    ApprovalRequest,
    AuditAnchorSent,
    AuditEntry,
    AuditLicence,
    Base,
    Batch,
    BatchRoot,
    BatchState,
    Binding,
    CopyState,
    IssuedLicence,
    Job,
    JobState,
    Operator,
    OutputFolder,
    StatusChange,
    utc_now,
)

__all__ = [
    "ApprovalPolicy",
    "ApprovalRequest",
    "AuditAnchorSent",
    "AuditEntry",
    "AuditLicence",
    "Base",
    "Batch",
    "BatchRoot",
    "BatchState",
    "Binding",
    "CopyState",
    "IssuedLicence",
    "Job",
    "JobState",
    "Operator",
    "OutputFolder",
    "StatusChange",
    "Store",
    "utc_now",
]


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        # SQLite: the signing workers and the main process write in turns; wait for the lock.
        options = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(url, future=True, **options)
        database = sqlite_file(self.engine)
        if database is not None:  # personal data: the file and its -wal/-shm are 0600
            private_sqlite(database)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Store:
        """Opens the store and brings its schema up to date."""
        store = cls(url)
        store.upgrade()
        return store

    def upgrade(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite store; None for an in-memory one or another database."""
    name = engine.url.database
    if engine.dialect.name != "sqlite" or not name or name == ":memory:" \
            or name.startswith("file:"):
        return None
    return Path(name)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # Large pages suit ~1 KB licence rows (set once, when the file is created).
    cursor.execute("PRAGMA page_size=16384")
    # WAL: readers (the claim endpoint) never block the pipeline's writes. NORMAL sync is
    # durable across process crashes (SIGKILL), which is what crash safety needs here.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Status references and claim-code hashes are random, so their unique indexes are
    # written all over: a large page cache keeps a million-licence run off the disk.
    cursor.execute("PRAGMA cache_size=-131072")  # KiB: 128 MiB per connection
    cursor.execute("PRAGMA temp_store=MEMORY")
    # Checkpoint the write-ahead log every ~64 MiB rather than every 4 MiB: fewer syncs.
    cursor.execute("PRAGMA wal_autocheckpoint=16384")
    cursor.close()
