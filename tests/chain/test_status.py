"""The one status rule (chain.status.licence_state): every state, failing closed."""

from __future__ import annotations

import pytest

from chain.index import IndexState, StatusInfo
from chain.status import IndexFreshness, index_freshness, licence_state
from licence.vocabulary import LicenceState, StatusCode

NOW = 1_800_000_000
FRESH = IndexFreshness(True, None, 2)
STALE = IndexFreshness(False, "status_index_stale", 900)
EMPTY = IndexFreshness(False, "status_index_empty", None)


def record(status: int, until: int = 0) -> StatusInfo:
    return StatusInfo(1, b"r" * 16, status, until, 0, None, 10, NOW - 100)


@pytest.mark.parametrize(("status", "freshness", "state", "reason"), [
    (None, FRESH, LicenceState.ACTIVE, "status_active"),
    (record(StatusCode.REVOKED), FRESH, LicenceState.REVOKED, "revoked"),
    (record(StatusCode.REVOKED), STALE, LicenceState.REVOKED, "revoked"),  # final
    (record(StatusCode.REVOKED), EMPTY, LicenceState.REVOKED, "revoked"),
    (record(StatusCode.SUSPENDED, NOW + 1), FRESH, LicenceState.SUSPENDED, "suspended"),
    (record(StatusCode.SUSPENDED, NOW), FRESH, LicenceState.ACTIVE, "suspension_ended"),
    (record(StatusCode.REINSTATED), FRESH, LicenceState.ACTIVE, "status_reinstated"),
    (record(StatusCode.SUPERSEDED), FRESH, LicenceState.SUPERSEDED, "superseded"),
    (None, STALE, LicenceState.UNKNOWN, "status_index_stale"),
    (None, EMPTY, LicenceState.UNKNOWN, "status_index_empty"),
    (record(StatusCode.SUSPENDED, NOW + 1), STALE, LicenceState.UNKNOWN, "status_index_stale"),
    (record(9), FRESH, LicenceState.UNKNOWN, "status_code_unknown"),  # from a newer registry
])
def test_licence_state(status, freshness, state, reason) -> None:
    answer = licence_state(status, now=NOW, freshness=freshness)
    assert (answer.state, answer.reason) == (state, reason)


def state(*, block_time: int = NOW - 5, synced_at: int = NOW - 3,
          checked_at: int | None = NOW - 3, problem: str | None = None) -> IndexState:
    return IndexState(10, b"\0" * 32, block_time, synced_at, checked_at, 10, problem)


@pytest.mark.parametrize(("index", "now", "reason"), [
    (None, NOW, "status_index_empty"),
    (state(), NOW, None),  # synced 3 s ago, checked then, newest block 5 s old
    (state(block_time=NOW - 60), NOW, None),
    (state(block_time=NOW - 61), NOW, "status_head_stale"),  # a node stuck on an old block
    (state(synced_at=NOW - 300, checked_at=NOW - 300, block_time=NOW - 301), NOW - 250, None),
    (state(synced_at=NOW - 301), NOW, "status_index_stale"),  # no sync: the node is away
    (state(checked_at=None), NOW, "status_index_unverified"),  # an index from before checks
    (state(checked_at=NOW - 301), NOW, "status_index_unverified"),
    (state(problem="status_index_inconsistent: authority 1 status head"), NOW,
     "status_index_inconsistent"),
    (state(problem="status_nodes_disagree: witness 1 holds another block 10"), NOW,
     "status_nodes_disagree"),
    (state(problem="something new"), NOW, "status_index_inconsistent"),  # fails closed
])
def test_index_freshness(index: IndexState | None, now: int, reason: str | None) -> None:
    """The one freshness rule: a recent sync, a passed consistency check, agreeing
    witnesses and a young newest block, all four."""
    freshness = index_freshness(index, now=now, max_age=300, max_head_age=60)
    assert (freshness.fresh, freshness.reason) == (reason is None, reason)
