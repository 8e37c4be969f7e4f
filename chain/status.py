"""What a licence's status amounts to at a moment: one rule, failing closed.

The verification pipeline's status check, `GET /api/v1/status` and every other place that
reports a licence's status ask `licence_state`, so they cannot drift apart. It answers
from the local index only if the index is fresh enough (`index_freshness`); a revocation
is final, so it is certain even in a stale index; anything else from a stale or empty
index, or a status code this version does not know, is `unknown`, never `active`.
"""

from __future__ import annotations

from dataclasses import dataclass

from chain.index import IndexState, StatusInfo
from licence.vocabulary import LicenceState, StatusCode


@dataclass(frozen=True)
class IndexFreshness:
    """Whether the index may answer "not withdrawn", and if not, why (a reason code)."""

    fresh: bool
    reason: str | None  # status_index_empty | status_index_stale when not fresh
    age: int | None  # seconds since the index last caught up with the chain


def index_freshness(state: IndexState | None, *, now: int, max_age: int) -> IndexFreshness:
    if state is None:
        return IndexFreshness(False, "status_index_empty", None)
    age = max(0, now - state.synced_at)
    if age > max_age:
        return IndexFreshness(False, "status_index_stale", age)
    return IndexFreshness(True, None, age)


@dataclass(frozen=True)
class StatusAnswer:
    state: LicenceState
    reason: str  # the reason code counters and the API show
    record: StatusInfo | None  # the index's newest status change of this licence


def licence_state(record: StatusInfo | None, *, now: int,
                  freshness: IndexFreshness) -> StatusAnswer:
    """The state of the licence whose newest status change is `record` (None: never
    changed), at unix time `now`, given how fresh the index that holds `record` is."""
    if record is not None and record.status == StatusCode.REVOKED:
        return StatusAnswer(LicenceState.REVOKED, "revoked", record)
    if not freshness.fresh:
        return StatusAnswer(LicenceState.UNKNOWN, freshness.reason or "status_index_stale",
                            record)
    if record is None:
        return StatusAnswer(LicenceState.ACTIVE, "status_active", None)
    if record.status == StatusCode.SUSPENDED:
        if record.until > now:
            return StatusAnswer(LicenceState.SUSPENDED, "suspended", record)
        return StatusAnswer(LicenceState.ACTIVE, "suspension_ended", record)
    if record.status == StatusCode.SUPERSEDED:
        return StatusAnswer(LicenceState.SUPERSEDED, "superseded", record)
    if record.status == StatusCode.REINSTATED:
        return StatusAnswer(LicenceState.ACTIVE, "status_reinstated", record)
    return StatusAnswer(LicenceState.UNKNOWN, "status_code_unknown", record)
