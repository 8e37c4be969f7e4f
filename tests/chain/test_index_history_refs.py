"""Licence history reads status_refs (decision 0182): the same answers as reading every
event of the authority, whatever else the authority did; an index an older version wrote
is upgraded or read again, never read as if it had no history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chain.errors import IndexIntegrityError
from chain.index import IndexOutdated, LicenceIndex
from chain.index_schema import SCHEMA_VERSION
from licence.vocabulary import StatusCode

from .conftest import World, ref
from .test_indexer import make_indexer, populate

pytestmark = pytest.mark.timeout(120)

ASKED = [ref(n) for n in (1, 2, 3, 4, 5, 6, 55, 66, 7)] + [ref(0xA1), ref(0xA2)]


def scanned(db: sqlite3.Connection, authority: int, key: bytes,
            root: bytes | None) -> tuple[list[tuple[int, int]], list[bytes], list[bytes]]:
    """The answer from every event of the authority, unpacked one by one: the oracle."""
    events, replaced, replaced_by = [], [], []
    for block, log_index, status, refs, successors in db.execute(
            "SELECT block, log_index, status, refs, successors FROM status_events "
            "WHERE authority = ? ORDER BY block, log_index", (authority,)):
        named = [bytes(refs)[i:i + 16] for i in range(0, len(refs), 16)]
        succ = [bytes(successors)[i:i + 16] for i in range(0, len(successors), 16)]
        if (root if status == StatusCode.BATCH_WITHDRAWN else key) in named:
            events.append((block, log_index))
        if status == StatusCode.SUPERSEDED:
            for old, new in zip(named, succ, strict=False):
                if new == key:
                    replaced.append(old)
                if old == key:
                    replaced_by.append(new)
    return events, replaced, replaced_by


def answers(index: LicenceIndex) -> list[object]:
    out: list[object] = []
    for authority in (1, 2):
        for key in ASKED:
            for root in (None, ref(0xA1)):
                out.append([(e.block_number, e.status, e.reason_class, e.by_council)
                            for e in index.status_history(authority, key, root)])
            out.append(index.successions(authority, key))
    return out


def test_history_by_reference_matches_a_scan_of_every_event(world: World,
                                                            tmp_path: Path) -> None:
    populate(world)
    # A second supersession of 55 and a repeated ref: the chain and duplicates still pair up.
    world.dmv_status.set_status(StatusCode.SUPERSEDED, [ref(55)], successors=[ref(7)])
    world.dmv_status.set_status(StatusCode.SUSPENDED, [ref(6), ref(6)],
                                until=world.backend.now() + 3_600)
    indexer = make_indexer(world, tmp_path / "index.sqlite")
    indexer.sync()
    index = indexer.reader()
    seen_something = False
    for authority in (1, 2):
        for key in ASKED:
            for root in (None, ref(0xA1)):
                events, replaced, replaced_by = scanned(indexer.db, authority, key, root)
                got = index.status_history(authority, key, root)
                assert [e.block_number for e in got] == [b for b, _ in events]
                seen_something |= bool(events)
            assert index.successions(authority, key) == (replaced, replaced_by)
    assert seen_something
    assert index.successions(1, ref(55)) == ([ref(5)], [ref(7)])
    withdrawal = index.status_history(1, ref(0xA1), ref(0xA1))
    assert [e.status for e in withdrawal] == [StatusCode.BATCH_WITHDRAWN]
    assert withdrawal[0].by_council


def test_an_index_of_schema_2_is_refused_by_readers_and_upgraded_by_the_indexer(
        world: World, tmp_path: Path) -> None:
    populate(world)
    fresh = make_indexer(world, tmp_path / "fresh.sqlite")
    fresh.sync()
    expected = answers(fresh.reader())
    path = tmp_path / "old.sqlite"
    make_indexer(world, path).sync()
    as_version_2(path)

    with pytest.raises(IndexOutdated) as caught:  # not "no history": an error saying why
        LicenceIndex(path).status_history(1, ref(1))
    assert caught.value.reason == "index_outdated"
    assert "upgraded at its next sync" in str(caught.value)

    upgraded = make_indexer(world, path)
    assert meta(path)["schema"] == SCHEMA_VERSION
    assert answers(upgraded.reader()) == expected
    assert upgraded.sync().events == 0  # derived from the stored events: nothing read again


def test_an_index_of_an_unknown_older_schema_is_read_again(world: World,
                                                           tmp_path: Path) -> None:
    populate(world)
    path = tmp_path / "index.sqlite"
    first = make_indexer(world, path)
    events = first.sync().events
    expected = answers(first.reader())
    first.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    conn.execute("CREATE TABLE gone_in_2 (x)")
    conn.commit()
    conn.close()

    again = make_indexer(world, path)
    assert again.next_block == world.deploy_block
    assert again.sync().events == events
    again.check_heads()
    assert answers(again.reader()) == expected
    tables = {r[0] for r in again.db.execute("SELECT name FROM sqlite_master")}
    assert "gone_in_2" not in tables


def test_an_index_of_a_newer_schema_is_refused(world: World, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    make_indexer(world, path).sync()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    with pytest.raises(IndexIntegrityError) as caught:
        make_indexer(world, path)
    assert "built by a newer version" in str(caught.value)


def test_rollback_forgets_the_references_of_orphaned_events(world: World,
                                                            tmp_path: Path) -> None:
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(1)])
    fork = world.backend.w3.eth.block_number
    world.dmv_status.set_status(StatusCode.SUPERSEDED, [ref(2)], successors=[ref(3)])
    indexer = make_indexer(world, tmp_path / "index.sqlite")
    indexer.sync()
    assert indexer.reader().successions(1, ref(3)) == ([ref(2)], [])
    indexer.rollback(fork)
    index = indexer.reader()
    assert index.successions(1, ref(3)) == ([], [])
    assert [e.status for e in index.status_history(1, ref(1))] == [StatusCode.REVOKED]


def as_version_2(path: Path) -> None:
    """The index as schema 2 wrote it: no status_refs table."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE status_refs")
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    conn.commit()
    conn.close()


def meta(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    finally:
        conn.close()
