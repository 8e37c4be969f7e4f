"""What a licence's status amounts to at a moment: one rule, failing closed.

The verification pipeline's status check, `GET /api/v1/status` and every other place that
reports a licence's status ask `licence_state`, so they cannot drift apart. It answers
from the local index only if the index is provably fresh (`index_freshness`, the one rule
for the pipeline, the API, /healthz and the CLI); a revocation
is final, so it is certain even in a stale index; anything else from a stale or empty
index, or a status code this version does not know, is `unknown`, never `active`.
"""

from __future__ import annotations

from dataclasses import dataclass

from chain.index import IndexState, StatusInfo
from licence.vocabulary import LicenceState, StatusCode

DEFAULT_MAX_HEAD_AGE = 60  # seconds; a Besu QBFT network makes a block every 2 s
DEFAULT_MAX_STALENESS = 300  # seconds since the last sync / the last passed check
PROBLEM_REASONS = ("status_index_inconsistent", "status_nodes_disagree")


@dataclass(frozen=True)
class IndexFreshness:
    """Whether the index may answer "not withdrawn", and if not, why (a reason code)."""

    fresh: bool
    reason: str | None  # see index_freshness
    age: int | None  # seconds since the index last caught up with the chain
    head_age: int | None = None  # seconds since the newest block the node showed was made


def index_freshness(state: IndexState | None, *, now: int, max_age: int,
                    max_head_age: int = DEFAULT_MAX_HEAD_AGE) -> IndexFreshness:
    """THE freshness rule (pipeline, /api/v1/status, /healthz, CLI): the index answers
    only if its last sync is recent, that sync's consistency check with the chain (and the
    witness nodes) passed, a check passed within `max_age` seconds, and the newest block
    the node showed is younger than `max_head_age` seconds, by its own timestamp: a node
    stuck before a revocation shows old blocks. O(1): reads the cached index state only.

    Reasons, first failing rule first: status_index_empty, status_index_inconsistent,
    status_nodes_disagree, status_index_stale (no sync for max_age), status_index_unverified
    (no passed check for max_age), status_head_stale."""
    if state is None:
        return IndexFreshness(False, "status_index_empty", None)
    age = max(0, now - state.synced_at)
    head_age = max(0, now - state.block_time)
    if state.problem:
        reason = state.problem.split(":", 1)[0]
        if reason not in PROBLEM_REASONS:
            reason = "status_index_inconsistent"
        return IndexFreshness(False, reason, age, head_age)
    if age > max_age:
        return IndexFreshness(False, "status_index_stale", age, head_age)
    if state.checked_at is None or now - state.checked_at > max_age:
        return IndexFreshness(False, "status_index_unverified", age, head_age)
    if head_age > max_head_age:
        return IndexFreshness(False, "status_head_stale", age, head_age)
    return IndexFreshness(True, None, age, head_age)


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
