"""The verifier state store on SQLite and on PostgreSQL: the installation secret, the replay
cache and the usage records, shared by every store opened on the same database."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from verifier.receipts import MAX_RECEIPTS_PER_DAY, Counter, ReceiptStore
from verifier.replay import PRUNE_INTERVAL, SqlReplayCache, code_digest
from verifier.state import StateStore, seen_codes, usage_records

from ..support.databases import KINDS, database_url

NOW = 1_800_000_000
COUNTER = Counter("desk-1", "一号柜台", "Desk 1")


@pytest.fixture(params=KINDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def replicas(url: str) -> Iterator[tuple[StateStore, StateStore]]:
    """Two replicas of one installation: two stores on one database."""
    first, second = StateStore(url), StateStore(url)
    yield first, second
    first.close()
    second.close()


def test_one_secret_per_installation(replicas: tuple[StateStore, StateStore],
                                     tmp_path: Path) -> None:
    first, second = replicas
    assert len(first.secret) == 32 and first.secret == second.secret
    other = StateStore(f"sqlite:///{tmp_path / 'other-installation.sqlite'}")
    try:
        assert other.secret != first.secret
    finally:
        other.close()


def test_sqlite_state_is_private(tmp_path: Path) -> None:
    os.umask(0o022)
    store = StateStore(StateStore.sqlite_url(tmp_path / "home"))
    cache = SqlReplayCache(store)
    try:
        cache.first_use(bytes(32), now=NOW, expires=NOW + 60)
    finally:
        cache.close()
        store.close()
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700
    for path in (tmp_path / "home").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_code_is_used_once_across_replicas(replicas: tuple[StateStore, StateStore]) -> None:
    first, second = (SqlReplayCache(store) for store in replicas)
    code = code_digest(b"a live code's signed body")
    assert first.first_use(code, now=NOW, expires=NOW + 60)
    assert not first.first_use(code, now=NOW + 1, expires=NOW + 60)
    assert not second.first_use(code, now=NOW + 2, expires=NOW + 60)  # the other replica
    assert second.first_use(code_digest(b"another code"), now=NOW + 2, expires=NOW + 62)
    first.close()
    second.close()


def test_expired_codes_are_pruned(replicas: tuple[StateStore, StateStore]) -> None:
    store = replicas[0]
    cache = SqlReplayCache(store)
    for i in range(5):
        assert cache.first_use(bytes([i]) * 32, now=NOW, expires=NOW + 60)
    assert cache.first_use(b"\xff" * 32, now=NOW + 61 + PRUNE_INTERVAL, expires=NOW + 200)
    cache.close()
    with store.engine.connect() as connection:
        left = connection.execute(select(seen_codes.c.code)).scalars().all()
    assert left == [b"\xff" * 32]


def test_receipts_are_keyed_by_the_installation(tmp_path: Path,
                                                replicas: tuple[StateStore, StateStore]) -> None:
    device_key = b"\x02" + bytes(range(32))
    here = ReceiptStore(replicas[0])
    elsewhere_store = StateStore(f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    try:
        elsewhere = ReceiptStore(elsewhere_store)
        for store in (here, elsewhere):
            store.add(device_key, code_digest(b"code"), time=NOW, counter=COUNTER,
                      licence_type="driving", authority="CN-31-DMV", disclosed=["age_over_18"],
                      verdict="valid")
        keys = set()
        for store in (replicas[0], elsewhere_store):
            with store.engine.connect() as connection:
                keys |= set(connection.execute(select(usage_records.c.device)).scalars())
        assert len(keys) == 2  # one device, two unrelated keys
        assert hashlib.sha256(device_key).hexdigest() not in keys
        assert [r.counter_id for r in elsewhere.list(device_key)] == ["desk-1"]
    finally:
        elsewhere_store.close()


def test_one_receipt_per_code_and_deletes_reach_every_replica(
        replicas: tuple[StateStore, StateStore]) -> None:
    first, second = (ReceiptStore(store) for store in replicas)
    device_key = b"\x03" + bytes(32)
    code = code_digest(b"code")
    kept = first.add(device_key, code, time=NOW, counter=COUNTER, licence_type="driving",
                     authority="CN-31-DMV", disclosed=[], verdict="valid")
    assert kept is not None
    assert second.add(device_key, code, time=NOW + 1, counter=COUNTER, licence_type="driving",
                      authority="CN-31-DMV", disclosed=[], verdict="valid") is None
    assert [r.id for r in second.list(device_key)] == [kept.id]
    assert second.delete(device_key, []) == 1
    assert first.list(device_key) == []


def test_a_busy_day_drops_only_the_devices_own_oldest(
        replicas: tuple[StateStore, StateStore]) -> None:
    store = ReceiptStore(replicas[0])
    mine, theirs = b"\x02" + bytes(32), b"\x03" + bytes(32)
    store.add(theirs, code_digest(b"theirs"), time=NOW, counter=COUNTER, licence_type=None,
              authority=None, disclosed=[], verdict="valid")
    old = store.add(mine, code_digest(b"yesterday"), time=NOW - 90_000, counter=COUNTER,
                    licence_type=None, authority=None, disclosed=[], verdict="valid")
    for i in range(MAX_RECEIPTS_PER_DAY + 5):
        store.add(mine, code_digest(b"%d" % i), time=NOW + i, counter=COUNTER,
                  licence_type=None, authority=None, disclosed=[], verdict="valid")
    times = [r.time for r in store.list(mine)]
    assert old is not None and times[-1] == old.time  # yesterday's record stays
    assert times[:-1] == [NOW + i for i in reversed(range(5, MAX_RECEIPTS_PER_DAY + 5))]
    assert len(store.list(theirs)) == 1
    with replicas[0].engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(usage_records)) \
            .scalar_one() == MAX_RECEIPTS_PER_DAY + 2


def _open_and_close(url: str) -> bytes:
    store = StateStore(url)
    try:
        return store.secret
    finally:
        store.close()


def test_workers_starting_together_on_a_fresh_database_all_open_it(url: str) -> None:
    """gunicorn's workers open the store at the same moment on a fresh home: each must open
    it (not fail with "table already exists") and all must share one secret."""
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        secrets = pool.map(_open_and_close, [url] * 8, chunksize=1)
    assert len(set(secrets)) == 1


def test_a_store_opened_twice_creates_nothing_twice(url: str) -> None:
    for _ in range(2):
        store = StateStore(url)
        with store.engine.begin() as connection:
            connection.execute(insert(seen_codes).values(code=os.urandom(32), expires=NOW))
        store.close()


def test_the_replay_cache_reconnects_after_the_database_drops_it(url: str) -> None:
    if not url.startswith("postgresql"):
        pytest.skip("a SQLite connection is not dropped by a server")
    store = StateStore(url)
    cache = SqlReplayCache(store)
    try:
        assert cache.first_use(b"\x01" * 32, now=NOW, expires=NOW + 60)
        with store.engine.begin() as connection:  # the server ends every other session
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid()"))
        import psycopg  # the cache speaks to the driver directly (its hot path)

        with pytest.raises(psycopg.OperationalError):
            cache.first_use(b"\x02" * 32, now=NOW, expires=NOW + 60)
        assert cache.first_use(b"\x02" * 32, now=NOW, expires=NOW + 60)  # a new connection
        assert not cache.first_use(b"\x01" * 32, now=NOW, expires=NOW + 60)
    finally:
        cache.close()
        store.close()
