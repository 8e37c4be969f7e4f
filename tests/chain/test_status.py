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


def test_index_freshness_by_age_of_the_last_sync() -> None:
    synced = IndexState(10, b"\0" * 32, NOW - 400, NOW - 300)
    assert index_freshness(None, now=NOW, max_age=300) == EMPTY
    assert index_freshness(synced, now=NOW, max_age=300) == IndexFreshness(True, None, 300)
    assert index_freshness(synced, now=NOW + 1, max_age=300) == IndexFreshness(
        False, "status_index_stale", 301)
