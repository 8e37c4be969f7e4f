"""Claim reservations on SQLite and PostgreSQL: one winner among parallel claims of one
code, released on failure, taken over only once stale.

The PostgreSQL runs need a server (scripts/postgres-test-server, ELICENCE_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from issuer.claims import reservation
from issuer.errors import ClaimError
from issuer.issue.saving import store_batch
from issuer.store import IssuedLicence, Store

from .test_store import OWNER, signed, store  # noqa: F401  (the parametrised store fixture)

NOW = 1_800_000_000


def a_licence(store: Store) -> int:  # noqa: F811
    store_batch(store, OWNER, 1, signed(1, start=500), claim_expires_at=NOW + 86400)
    with store.session() as s:
        return s.scalars(select(IssuedLicence.id)).one()


def device(n: int) -> bytes:
    return bytes([n]) * 16


def reserve_all(store: Store, licence_id: int, devices: list[bytes]) -> list[str]:  # noqa: F811
    """Every device reserves at once (threads released together); what each got."""
    start = threading.Barrier(len(devices))
    outcomes: list[str] = [""] * len(devices)

    def attempt(i: int) -> None:
        start.wait()
        try:
            reservation.reserve(store, licence_id, devices[i], now=NOW)
            outcomes[i] = "reserved"
        except ClaimError as exc:
            outcomes[i] = exc.reason

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(devices))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_parallel_reservations_of_one_code_have_one_winner(store: Store) -> None:  # noqa: F811
    licence_id = a_licence(store)
    devices = [device(n) for n in range(1, 9)]
    outcomes = reserve_all(store, licence_id, devices)
    assert sorted(outcomes) == ["claim_code_used"] * 7 + ["reserved"]
    winner = devices[outcomes.index("reserved")]
    with store.session() as s:
        row = s.get(IssuedLicence, licence_id)
        assert (row.claim_reserved_by, row.claim_reserved_at, row.claimed_at) == (
            winner, NOW, None)
        reservation.complete(s, licence_id, winner, now=NOW + 1)
    with store.session() as s:
        row = s.get(IssuedLicence, licence_id)
        assert (row.claimed_at, row.claim_reserved_by) == (NOW + 1, None)
    with pytest.raises(ClaimError, match="already been used"):  # claimed: nobody else
        reservation.reserve(store, licence_id, device(9), now=NOW + reservation.STALE_SECONDS * 2)


def test_a_failed_claim_releases_the_code_at_once(store: Store) -> None:  # noqa: F811
    licence_id = a_licence(store)
    reservation.reserve(store, licence_id, device(1), now=NOW)
    with pytest.raises(ClaimError):
        reservation.reserve(store, licence_id, device(2), now=NOW + 1)
    reservation.release(store, licence_id, device(2))  # not its reservation: no effect
    with pytest.raises(ClaimError):
        reservation.reserve(store, licence_id, device(2), now=NOW + 1)
    reservation.release(store, licence_id, device(1))
    reservation.reserve(store, licence_id, device(2), now=NOW + 2)


def test_a_crashed_claim_is_taken_over_once_stale_and_cannot_complete(
        store: Store) -> None:  # noqa: F811
    licence_id = a_licence(store)
    reservation.reserve(store, licence_id, device(1), now=NOW)  # then the process dies
    with pytest.raises(ClaimError):
        reservation.reserve(store, licence_id, device(2), now=NOW + reservation.STALE_SECONDS)
    reservation.reserve(store, licence_id, device(2),
                        now=NOW + reservation.STALE_SECONDS + 1)
    with pytest.raises(ClaimError, match="already been used"), store.session() as s:
        reservation.complete(s, licence_id, device(1), now=NOW + 700)  # the old claim's end
    with store.session() as s:
        reservation.complete(s, licence_id, device(2), now=NOW + 701)
        assert s.get(IssuedLicence, licence_id).claimed_at == NOW + 701
