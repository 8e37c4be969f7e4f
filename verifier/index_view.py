"""The verifier's view of the local event index: the same answers as chain.index, cached.

What a batch, a key record, an authority or an accreditation looks like changes only when
the indexer writes new blocks, so those answers are kept until the index's newest block
changes. Licence statuses are read every time (one indexed SQLite lookup). Public key
objects and verified root signatures never change meaning and are kept across blocks.
Nothing here talks to the chain node.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from chain.index import (
    BatchInfo,
    IndexedAuthority,
    IndexState,
    LicenceIndex,
    ScopeChange,
    StatusInfo,
    SuspensionInfo,
    WithdrawnBatch,
    suspension_from,
)
from chain.records import KeyRecord
from licence import authority_key_from_bytes
from licence._suites import PublicKey

T = TypeVar("T")
_MISSING = object()


class _Bounded(dict):
    """A dict that forgets its oldest entries beyond `limit` (insertion order)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: Hashable, value: Any) -> None:
        if len(self) >= self.limit:
            for old in list(self)[: max(1, self.limit // 8)]:
                del self[old]
        self[key] = value


class IndexView:
    """Cached read access to a LicenceIndex (or to none: every answer is then unknown)."""

    def __init__(self, index: LicenceIndex | None, *, cache_size: int = 100_000) -> None:
        self.index = index
        self._generation: tuple[int, bytes] | None = None
        self._answers = _Bounded(cache_size)  # per index generation
        self._public_keys = _Bounded(1024)
        self._verified = _Bounded(cache_size)  # (protected, signature, root, key) triples
        self.state: IndexState | None = None

    def read_state(self) -> IndexState | None:
        """Reads how far the index is; forgets cached answers when it has moved."""
        state = None if self.index is None else self.index.as_of()
        generation = None if state is None else (state.block_number, state.block_hash)
        if generation != self._generation:
            self._answers.clear()
            self._generation = generation
        self.state = state
        return state

    def _cached(self, key: tuple[Any, ...], load: Callable[[LicenceIndex], T]) -> T | None:
        value = self._answers.get(key, _MISSING)
        if value is _MISSING:
            value = None if self.index is None else load(self.index)
            self._answers.put(key, value)
        return value  # type: ignore[return-value]

    # ------------------------------------------------------------------ lookups
    def batch(self, root: bytes, authority: int | None = None) -> BatchInfo | None:
        return self._cached(("batch", root, authority), lambda i: i.batch(root, authority))

    def key(self, authority: int, key_id: int) -> KeyRecord | None:
        return self._cached(("key", authority, key_id), lambda i: i.key(authority, key_id))

    def authority(self, number: int) -> IndexedAuthority | None:
        return self._cached(("authority", number), lambda i: i.authority(number))

    def accreditation_at(self, authority: int, when: int) -> int:
        mask = self._cached(("accreditation", authority, when),
                            lambda i: i.accreditation_at(authority, when))
        return mask or 0

    def scope_changes(self, authority: int) -> list[ScopeChange]:
        return self._cached(("scope_changes", authority),
                            lambda i: i.scope_changes(authority)) or []

    def suspension_at(self, authority: int, when: int) -> SuspensionInfo | None:
        # Keyed by the index generation only: `when` is a verification's now, which changes
        # every second, so the history is cached and the answer computed from it.
        history = self._cached(("suspensions", authority), lambda i: i.suspensions(authority))
        return suspension_from(history or [], when)

    def withdrawn_batch(self, authority: int, root: bytes) -> WithdrawnBatch | None:
        return self._cached(("withdrawn", authority, root),
                            lambda i: i.withdrawn_batch(authority, root))

    def status(self, authority: int, ref: bytes) -> StatusInfo | None:
        return None if self.index is None else self.index.status(authority, ref)

    # ------------------------------------------------------------------ keys and signatures
    def public_key(self, encoded: bytes) -> PublicKey:
        """The key object for a registered 33-byte key, of the one suite (ES256 or SM2) its
        curve names; raises SignatureError if it is on neither curve."""
        key = self._public_keys.get(encoded)
        if key is None:
            key = authority_key_from_bytes(encoded)
            self._public_keys.put(encoded, key)
        return key

    def signature_known_good(self, triple: tuple[bytes, bytes, bytes, bytes]) -> bool:
        """Whether (protected, signature, root, public key) verified before."""
        return triple in self._verified

    def remember_good_signature(self, triple: tuple[bytes, bytes, bytes, bytes]) -> None:
        self._verified.put(triple, True)
