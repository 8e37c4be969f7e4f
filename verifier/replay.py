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
    """The replay cache in the installation's shared state store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self._insert = store.insert_new(seen_codes)
        self._pruned_at: int | None = None

    def first_use(self, code: bytes, *, now: int, expires: int) -> bool:
        with self.store.engine.begin() as connection:
            if self._pruned_at is None or now - self._pruned_at >= PRUNE_INTERVAL:
                self._pruned_at = now
                connection.execute(delete(seen_codes).where(seen_codes.c.expires < now))
            inserted = connection.execute(self._insert, {"code": code, "expires": expires})
            return inserted.first() is not None
