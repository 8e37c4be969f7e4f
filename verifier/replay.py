"""The replay cache: a live code is accepted once per installation.

A live code is identified by the SHA-256 of its signed body (so a copy re-signed over the
same body is the same code). `first_use` records it until the code would have expired
anyway and says whether it was new; every replica of an installation shares one cache
(verifier.state), so a screenshot shown at a second counter is refused too.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from sqlalchemy import delete

from .state import StateStore, seen_codes

PRUNE_INTERVAL = 60  # seconds between deletions of expired entries (per process)


def code_digest(signed_body: bytes) -> bytes:
    return hashlib.sha256(signed_body).digest()


class ReplayCache(Protocol):
    def first_use(self, code: bytes, *, now: int, expires: int) -> bool:
        """Records `code` until `expires`; False if it was already recorded."""


class SqlReplayCache:
    """The replay cache in the installation's shared state store.

    The insert, on the path of every live verification, runs on one DBAPI connection of
    the store's engine in autocommit mode, with the SQL compiled once from the same
    statement: SQLAlchemy's per-execute work and a separate COMMIT cost several times the
    insert itself. Not for concurrent use (a Verifier is used by one thread at a time).
    """

    def __init__(self, store: StateStore) -> None:
        self.store = store
        engine = store.engine
        self._sql = str(store.insert_new(seen_codes).compile(dialect=engine.dialect))
        self._named = engine.dialect.paramstyle in ("named", "pyformat")
        self._raw = None
        self._pruned_at: int | None = None

    def _connection(self):  # type: ignore[no-untyped-def]
        if self._raw is None:
            engine = self.store.engine
            raw = engine.raw_connection()
            driver = raw.driver_connection
            if engine.dialect.name == "sqlite":
                driver.isolation_level = None  # type: ignore[union-attr]
            else:
                driver.autocommit = True  # type: ignore[union-attr]
            self._raw = raw
        return self._raw

    def first_use(self, code: bytes, *, now: int, expires: int) -> bool:
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_INTERVAL:
            self._pruned_at = now
            with self.store.engine.begin() as connection:
                connection.execute(delete(seen_codes).where(seen_codes.c.expires < now))
        params = {"code": code, "expires": expires} if self._named else (code, expires)
        try:
            cursor = self._connection().cursor()
            try:
                cursor.execute(self._sql, params)
                return cursor.fetchone() is not None
            finally:
                cursor.close()
        except Exception:
            # A broken connection (a restarted database server) is replaced on the next
            # use; this verification reports the check as not run (internal_error).
            self.close()
            raise

    def close(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            raw.invalidate()
