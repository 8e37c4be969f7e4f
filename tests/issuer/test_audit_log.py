"""The audit log's hash chain on a real SQLite store: appends chain, and editing, deleting,
reordering or rewriting an entry is found by `verify`, which names the first bad entry."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from chain.registry import AuditAnchor
from issuer.audit import AuditRecord, append, entries, entry_hash, head, verify
from issuer.audit.entry import GENESIS, LISTED_MAX, fields_of, numbers_sha256
from issuer.store import AuditEntry, AuditLicence, Store

DMV = "CN-31-DMV"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'store.db'}")


def write_log(store: Store, count: int = 5) -> list[AuditEntry]:
    for i in range(1, count + 1):
        record = AuditRecord(DMV, "alice" if i % 2 else "bob", "revoke", case_number=f"C-{i}")
        record.name_licences([f"31010{i:05d}"])
        append(store, record, now=1_800_000_000 + i)
    return entries(store, DMV)


def anchor_at(rows: list[AuditEntry], count: int) -> AuditAnchor:
    return AuditAnchor(head=rows[count - 1].hash, count=count, tx_hash="0x" + "ab" * 32,
                       block_number=count)


def test_entries_chain_from_genesis_and_the_head_is_the_last_hash(store: Store) -> None:
    rows = write_log(store)
    assert [r.sequence for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
        assert after.hash == entry_hash(before.hash, fields_of(after))
    assert head(store, DMV) == (5, rows[-1].hash)
    assert head(store, "CN-32-AMR") == (0, GENESIS)
    report = verify(DMV, rows, [anchor_at(rows, 3), anchor_at(rows, 5)])
    assert report.ok and report.anchored == 5, report.findings


def test_each_authority_has_its_own_chain(store: Store) -> None:
    write_log(store, 2)
    append(store, AuditRecord("CN-32-AMR", "carol", "issue", licence_count=10))
    assert [r.sequence for r in entries(store, "CN-32-AMR")] == [1]
    assert verify(DMV, entries(store, DMV), []).ok


def test_an_edited_entry_is_named(store: Store) -> None:
    write_log(store)
    with store.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.sequence == 3)
                  .values(operator="mallory"))
    report = verify(DMV, entries(store, DMV), [])
    assert not report.ok
    (finding,) = report.findings
    assert (finding.sequence, finding.reason) == (3, "entry_changed")
    assert "entry 3 (revoke by mallory" in finding.message
    assert "entry 3" in report.line()


def test_a_deleted_entry_is_named(store: Store) -> None:
    write_log(store)
    with store.session() as s:
        entry_id = s.scalar(select(AuditEntry.id).where(AuditEntry.sequence == 2))
        s.execute(delete(AuditLicence).where(AuditLicence.entry_id == entry_id))
        s.execute(delete(AuditEntry).where(AuditEntry.id == entry_id))
    (finding,) = verify(DMV, entries(store, DMV), []).findings
    assert (finding.sequence, finding.reason) == (2, "entry_missing")


def test_reordered_entries_are_named(store: Store) -> None:
    write_log(store)
    with store.session() as s:  # swap entries 2 and 4 by their sequence numbers
        s.execute(update(AuditEntry).where(AuditEntry.sequence == 2).values(sequence=-2))
        s.execute(update(AuditEntry).where(AuditEntry.sequence == 4).values(sequence=2))
        s.execute(update(AuditEntry).where(AuditEntry.sequence == -2).values(sequence=4))
    (finding,) = verify(DMV, entries(store, DMV), []).findings
    assert (finding.sequence, finding.reason) == (2, "entry_out_of_place")


def test_a_rewrite_with_recomputed_hashes_fails_against_the_anchor(store: Store) -> None:
    rows = write_log(store)
    anchors = [anchor_at(rows, 2), anchor_at(rows, 4)]
    # Someone with write access to the store changes entry 3 and recomputes every hash.
    with store.session() as s:
        previous = GENESIS
        for row in s.scalars(select(AuditEntry).order_by(AuditEntry.sequence)):
            if row.sequence == 3:
                row.case_number = "C-forged"
            row.prev_hash, row.hash = previous, entry_hash(previous, fields_of(row))
            previous = row.hash
    report = verify(DMV, entries(store, DMV), anchors)
    (finding,) = report.findings
    assert (finding.sequence, finding.reason) == (3, "anchor_mismatch")
    assert "entries 3 to 4 were rewritten" in finding.message


def test_dropping_the_tail_after_an_anchor_is_found(store: Store) -> None:
    rows = write_log(store)
    anchors = [anchor_at(rows, 5)]
    with store.session() as s:
        entry_id = s.scalar(select(AuditEntry.id).where(AuditEntry.sequence == 5))
        s.execute(delete(AuditLicence).where(AuditLicence.entry_id == entry_id))
        s.execute(delete(AuditEntry).where(AuditEntry.id == entry_id))
    (finding,) = verify(DMV, entries(store, DMV), anchors).findings
    assert (finding.sequence, finding.reason) == (5, "entries_deleted")


def test_unanchored_entries_are_reported_but_not_a_failure(store: Store) -> None:
    rows = write_log(store)
    report = verify(DMV, rows, [anchor_at(rows, 3)])
    assert report.ok and report.anchored == 3
    assert "the last 2 are not anchored yet" in report.line()


def test_many_licences_are_recorded_as_count_and_hash(store: Store) -> None:
    numbers = [f"N{i:07d}" for i in range(LISTED_MAX + 1)]
    record = AuditRecord(DMV, "alice", "revoke")
    record.name_licences(numbers)
    entry = append(store, record)
    assert (entry.licences, entry.licence_count) == ([], LISTED_MAX + 1)
    assert entry.file_sha256 == numbers_sha256(list(reversed(numbers)))


def test_filters_by_licence_operator_and_time(store: Store) -> None:
    write_log(store)
    assert [r.sequence for r in entries(store, DMV, licence="3101000004")] == [4]
    assert [r.sequence for r in entries(store, DMV, operator="bob")] == [2, 4]
    assert [r.sequence for r in entries(store, DMV, since=1_800_000_004)] == [4, 5]
