"""The state one verification shares between its checks, computed lazily.

Each check asks the context for what it needs (the decoded licence, its subtree root, the
batch that anchored it...), so any check also runs alone in a one-check pipeline, and
nothing is computed twice when several checks need it. (Hand-written caching rather than
functools.cached_property, whose per-access lock costs more than some checks.)
"""

from __future__ import annotations

from dataclasses import dataclass

from chain.index import BatchInfo, IndexState, StatusInfo
from chain.records import KeyRecord
from chain.status import (
    DEFAULT_MAX_HEAD_AGE,
    DEFAULT_MAX_STALENESS,
    IndexFreshness,
    index_freshness,
)
from licence import Licence, LicenceError, Presentation, decode_unverified
from licence.limits import PRESENTATION_CLOCK_SKEW, PRESENTATION_MAX_AGE

from .index_view import IndexView


@dataclass(frozen=True)
class Policy:
    """Tunable limits of a verifier installation (seconds)."""

    max_staleness: int = DEFAULT_MAX_STALENESS  # no sync / passed check for longer: unknown
    max_head_age: int = DEFAULT_MAX_HEAD_AGE  # the newest block seen is older: unknown
    presentation_max_age: int = PRESENTATION_MAX_AGE  # a live code older than this is stale
    clock_skew: int = PRESENTATION_CLOCK_SKEW  # how far ahead of now a live code may be

    def freshness(self, state: IndexState | None, now: int) -> IndexFreshness:
        """chain.status.index_freshness with this installation's limits."""
        return index_freshness(state, now=now, max_age=self.max_staleness,
                               max_head_age=self.max_head_age)


class Context:
    def __init__(self, text: object, now: int, view: IndexView, *, policy: Policy | None = None,
                 challenge: bytes | None = None, state: IndexState | None = None,
                 freshness: IndexFreshness | None = None) -> None:
        """`freshness`: the policy's answer for this `state` at `now`, when the caller
        already has it (the Verifier computes it once per second, not per code)."""
        self.text = text
        self.now = now
        self.view = view
        self.policy = policy or Policy()
        self.challenge = challenge
        self.state = state if state is not None else view.state
        self._decoded: Licence | Presentation | LicenceError | None = None
        self._licence: Licence | None = None  # the decoded licence (a presentation's own)
        self._root: bytes | LicenceError | None = None
        self._batch: BatchInfo | object | None = _UNSET
        self._key: KeyRecord | object | None = _UNSET
        self._status: StatusInfo | object | None = _UNSET
        self._freshness = freshness

    # ------------------------------------------------------------------ index freshness
    @property
    def freshness(self) -> IndexFreshness:
        """Whether the index may answer "not withdrawn" now (chain.status)."""
        if self._freshness is None:
            self._freshness = self.policy.freshness(self.state, self.now)
        return self._freshness

    # ------------------------------------------------------------------ decoding
    def _decode(self) -> Licence | Presentation | LicenceError:
        d = self._decoded
        if d is None:
            try:
                d = decode_unverified(self.text)  # type: ignore[arg-type]
            except LicenceError as exc:
                d = exc
            else:
                self._licence = d.licence if isinstance(d, Presentation) else d
            self._decoded = d
        return d

    @property
    def decode_error(self) -> LicenceError | None:
        d = self._decode()
        return d if isinstance(d, LicenceError) else None

    @property
    def readable(self) -> bool:
        return not isinstance(self._decode(), LicenceError)

    @property
    def presentation(self) -> Presentation | None:
        d = self._decode()
        return d if isinstance(d, Presentation) else None

    @property
    def licence(self) -> Licence:
        """The decoded (unverified) licence; only call when `readable`."""
        licence = self._licence  # most checks ask for it: one attribute read, no isinstance
        if licence is None:
            d = self._decode()
            if isinstance(d, LicenceError):
                raise d
            licence = self._licence
            assert licence is not None
        return licence

    # ------------------------------------------------------------------ derived facts
    @property
    def root(self) -> bytes:
        """The subtree root the licence's proof leads to; raises ProofError if malformed."""
        r = self._root
        if r is None:
            try:
                r = self.licence.subtree_root()
            except LicenceError as exc:
                r = exc
            self._root = r
        if isinstance(r, LicenceError):
            raise r
        return r

    @property
    def batch(self) -> BatchInfo | None:
        """The anchoring of this licence's root by the authority named in its header."""
        if self._batch is _UNSET:
            try:
                self._batch = self.view.batch(self.root, self.licence.header.authority)
            except LicenceError:
                self._batch = None
        return self._batch  # type: ignore[return-value]

    @property
    def key(self) -> KeyRecord | None:
        if self._key is _UNSET:
            header = self.licence.header
            self._key = self.view.key(header.authority, header.key_id)
        return self._key  # type: ignore[return-value]

    @property
    def status(self) -> StatusInfo | None:
        """The licence's status record in the index (None: never changed)."""
        if self._status is _UNSET:
            licence = self.licence
            self._status = self.view.status(licence.header.authority, licence.status_ref)
        return self._status  # type: ignore[return-value]


_UNSET = object()
