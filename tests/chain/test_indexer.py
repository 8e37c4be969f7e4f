"""The event indexer against eth-tester and anvil: follows, resumes, checks heads, reads fast."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chain.errors import ChainError, IndexIntegrityError
from chain.index import LicenceIndex, SuspensionInfo
from chain.indexer import Indexer
from chain.records import AccountRecord, Scope, types_mask
from licence.vocabulary import ReasonClass, Role, StatusCode
from tests.support.facts import BUSINESS, DRIVING

from .conftest import World, pubkey, ref

pytestmark = pytest.mark.timeout(120)


def make_indexer(world: World, path: Path, **options: int) -> Indexer:
    return Indexer(path, world.registry, start_block=world.deploy_block, **options)


def populate(world: World) -> dict[str, int]:
    """A bit of everything the indexer must follow; returns a few values to check."""
    now = world.backend.now()
    world.dmv_keys.add_key(pubkey(1), now - 10, now + 10_000)
    world.dmv_keys.add_key(pubkey(2), now - 10, now + 20_000)
    world.dmv_keys.set_key_valid_until(1, now + 5_000)
    marked = world.dmv_keys.mark_key_compromised(2).event("KeyCompromiseSet").args["compromisedAt"]
    anchored = world.dmv_anchor.anchor(DRIVING, "31", 300, [ref(0xA1), ref(0xA2)])
    world.amr_anchor.anchor(BUSINESS, "32", 5, [ref(0xB1)])
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(1), ref(2)], reason_class=3)
    # 2 stays revoked
    world.dmv_status.set_status(StatusCode.SUSPENDED, [ref(2), ref(3)], until=now + 3_600)
    world.dmv_status.set_status(StatusCode.SUSPENDED, [ref(4)], until=now + 3_600)
    world.dmv_status.set_status(StatusCode.REINSTATED, [ref(4)])
    world.dmv_status.set_status(StatusCode.SUPERSEDED, [ref(5), ref(6)],
                                successors=[ref(55), ref(66)])
    # the same ref, another authority: its own namespace
    world.amr_status.set_status(StatusCode.REVOKED, [ref(3)])
    widened = world.govern(world.registry.action_set_scope(1, Scope(BUSINESS, "31"), True))
    world.govern(world.registry.action_suspend_authority(2, grace_until=now + 86_400))
    world.govern(world.registry.action_withdraw_batches(1, [ref(0xA1)]))
    return {"now": now, "anchor_block": anchored.block_number, "widen_proposal": widened,
            "marked": marked}


def test_indexer_follows_every_kind_of_event(world: World, tmp_path: Path) -> None:
    facts = populate(world)
    indexer = make_indexer(world, tmp_path / "index.sqlite")
    report = indexer.sync(now=1_700_000_000)
    assert report.events > 20 and report.reorgs == []
    indexer.check_heads()
    index = indexer.reader()

    state = index.as_of()
    assert state is not None and state.synced_at == 1_700_000_000
    assert state.block_number == world.backend.w3.eth.block_number

    batch = index.batch(ref(0xA2))
    assert batch is not None
    assert (batch.authority, batch.licence_type, batch.region, batch.count,
            batch.block_number) == (1, DRIVING, "31", 300, facts["anchor_block"])
    assert index.batch(ref(0xA2), authority=2) is None
    assert index.batch(ref(0xEE)) is None

    assert index.status(1, ref(1)).status == StatusCode.REVOKED  # type: ignore[union-attr]
    assert index.status(1, ref(1)).reason_class == 3  # type: ignore[union-attr]
    assert index.status(1, ref(2)).status == StatusCode.REVOKED  # type: ignore[union-attr]  (final)
    suspended = index.status(1, ref(3))
    assert suspended is not None and suspended.status == StatusCode.SUSPENDED
    assert suspended.until == facts["now"] + 3_600
    assert index.status(1, ref(4)).status == StatusCode.REINSTATED  # type: ignore[union-attr]
    assert index.status(1, ref(6)).successor == ref(66)  # type: ignore[union-attr]
    assert index.status(1, ref(6)).status == StatusCode.SUPERSEDED  # type: ignore[union-attr]
    assert index.status(2, ref(3)).status == StatusCode.REVOKED  # type: ignore[union-attr]
    assert index.status(1, ref(99)) is None
    # The council withdrew batch 0xA1: recorded by root, not as a licence status.
    withdrawn = index.withdrawn_batch(1, ref(0xA1))
    assert withdrawn is not None and withdrawn.reason_class == ReasonClass.COUNCIL_WITHDRAWN
    assert index.withdrawn_batch(1, ref(0xA2)) is None and index.status(1, ref(0xA1)) is None

    key1, key2 = index.key(1, 1), index.key(1, 2)
    assert key1 is not None and key1.valid_until == facts["now"] + 5_000
    assert key1.compromised_at is None and key1.public_key == pubkey(1)
    assert key2 is not None and key2.compromised_at == facts["marked"]
    assert index.key(1, 3) is None and len(index.keys(1)) == 2

    dmv = index.authority(1)
    assert dmv is not None and dmv.id == "CN-31-DMV" and dmv.name_zh == "上海市公安局交通管理局"
    assert dmv.scopes == (Scope(DRIVING, "31"), Scope(BUSINESS, "31")) and not dmv.suspended
    assert dmv.accredited_types == types_mask(DRIVING, BUSINESS)
    assert dmv.accounts == tuple((r.account.address, role) for r, role in (  # type: ignore[union-attr]
        (world.dmv_anchor, Role.ANCHOR), (world.dmv_status, Role.STATUS),
        (world.dmv_keys, Role.KEYS)))
    amr = index.authority_by_id("CN-32-AMR")
    assert amr is not None and amr.suspended and amr.grace_until == facts["now"] + 86_400
    address = world.amr_keys.account.address  # type: ignore[union-attr]
    assert index.account(address) == AccountRecord(2, Role.KEYS)
    assert index.authority_of(address) == 2

    assert index.council() == [a.address for a in world.council]
    assert index.threshold() == 2
    proposal = index.proposal(facts["widen_proposal"])
    assert proposal is not None and proposal["executed_at"] is not None
    assert proposal["approvers"] == [world.council[0].address, world.council[1].address]


def test_scopes_and_suspensions_as_of_a_time_with_grace_dates(world: World,
                                                                tmp_path: Path) -> None:
    registry = world.registry
    world.backend.advance_time(100)
    world.govern(registry.action_set_scope(1, Scope(DRIVING, "3101"), True))
    world.backend.advance_time(100)
    grace = world.backend.now() + 30 * 86_400
    world.govern(registry.action_set_scope(1, Scope(DRIVING, "31"), False, grace_until=grace))
    world.backend.advance_time(100)
    world.govern(registry.action_suspend_authority(1, grace_until=grace))
    world.backend.advance_time(100)
    world.govern(registry.action_suspend_authority(1, grace_until=grace + 1))  # moved
    world.backend.advance_time(100)
    world.govern(registry.action_reinstate_authority(1))
    indexer = make_indexer(world, tmp_path / "index.sqlite")
    indexer.sync()
    index = indexer.reader()

    changes = index.scope_changes(1)
    assert [(c.licence_type, c.region, c.enabled, c.grace_until) for c in changes] == [
        (DRIVING, "31", True, 0), (DRIVING, "3101", True, 0), (DRIVING, "31", False, grace)]
    registered, narrowed, removed = (c.time for c in changes)
    assert index.scopes_at(1, registered - 1) == ()
    assert index.scopes_at(1, registered) == (Scope(DRIVING, "31"),)
    assert index.scopes_at(1, narrowed) == (Scope(DRIVING, "31"), Scope(DRIVING, "3101"))
    assert index.scopes_at(1, removed) == (Scope(DRIVING, "3101"),)
    assert index.accreditation_at(1, removed) == types_mask(DRIVING)

    history = index.suspensions(1)
    assert [(s, g) for _, s, g in history] == [(True, grace), (True, grace + 1), (False, 0)]
    (began, _, _), (moved, _, _), (ended, _, _) = history
    assert index.suspension_at(1, began - 1) is None
    assert index.suspension_at(1, began) == SuspensionInfo(began, grace)
    assert index.suspension_at(1, moved) == SuspensionInfo(began, grace + 1)
    assert index.suspension_at(1, ended) is None and not index.suspended_at(1, ended)


def test_a_compromise_mark_the_council_cleared_is_gone(world: World, tmp_path: Path) -> None:
    now = world.backend.now()
    world.dmv_keys.add_key(pubkey(1), now - 10, now + 10_000)
    world.govern(world.registry.action_set_key_compromised(1, 1, now - 5))
    indexer = make_indexer(world, tmp_path / "index.sqlite")
    indexer.sync()
    assert indexer.reader().key(1, 1).compromised_at == now - 5  # type: ignore[union-attr]
    world.govern(world.registry.action_set_key_compromised(1, 1, 0))
    indexer.sync()
    assert indexer.reader().key(1, 1).compromised_at is None  # type: ignore[union-attr]


def test_approvals_of_a_removed_member_do_not_count_after_re_adding(world: World,
                                                                    tmp_path: Path) -> None:
    registry, leaver = world.registry, world.council[2]
    proposal = registry.as_account(leaver).propose(registry.action_suspend_authority(2))
    world.govern(registry.action_remove_council_member(leaver.address))
    world.govern(registry.action_add_council_member(leaver.address))
    indexer = make_indexer(world, tmp_path / "index.sqlite")
    indexer.sync()
    record = indexer.reader().proposal(proposal.proposal_id)
    assert record is not None and record["approvers"] == []
    assert record["expires_at"] > record["time"]  # type: ignore[operator]
    registry.as_account(leaver).cancel(proposal.proposal_id)
    indexer.sync()
    assert indexer.reader().proposal(proposal.proposal_id)["cancelled_at"] is not None  # type: ignore[index]


def test_indexer_resumes_where_it_stopped(world: World, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(1)])
    first = make_indexer(world, path)
    assert first.sync().events > 0
    stopped_at = first.next_block
    first.close()

    world.dmv_status.set_status(StatusCode.REVOKED, [ref(2)])
    world.dmv_anchor.anchor(DRIVING, "31", 1, [ref(0xC1)])
    second = make_indexer(world, path)
    report = second.sync()
    assert report.from_block == stopped_at
    assert report.events == 2
    second.check_heads()
    index = second.reader()
    assert index.status(1, ref(1)) is not None and index.status(1, ref(2)) is not None
    assert index.batch(ref(0xC1)) is not None
    assert second.sync().events == 0  # nothing new: nothing read twice


def test_small_chunks_build_the_same_index(world: World, tmp_path: Path) -> None:
    populate(world)
    big = make_indexer(world, tmp_path / "big.sqlite")
    small = make_indexer(world, tmp_path / "small.sqlite", chunk_size=3)
    assert big.sync().events == small.sync().events
    for table in ("statuses", "batches", "keys", "key_changes", "scopes", "council",
                  "withdrawn_batches", "suspensions"):
        query = f"SELECT * FROM {table} ORDER BY 1, 2"
        assert big.db.execute(query).fetchall() == small.db.execute(query).fetchall(), table


def test_missing_events_are_an_integrity_error(world: World, tmp_path: Path) -> None:
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(1)])
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(2)])
    indexer = make_indexer(world, tmp_path / "index.sqlite")
    indexer.sync()
    indexer.check_heads()
    # Lose the newest status event, as a broken copy of the index would.
    indexer.db.execute(
        "DELETE FROM status_events WHERE block = (SELECT MAX(block) FROM status_events)")
    mismatches = indexer.head_mismatches()
    assert [(m.authority, m.kind) for m in mismatches] == [(1, "status")]
    with pytest.raises(IndexIntegrityError) as caught:
        indexer.check_heads()
    assert caught.value.reason == "index_integrity"
    assert "authority 1 status" in str(caught.value)


def test_index_of_another_registry_is_refused(world: World, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    make_indexer(world, path).sync()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '0x0000000000000000000000000000000000000001' "
                 "WHERE key = 'registry'")
    conn.commit()
    conn.close()
    with pytest.raises(IndexIntegrityError) as caught:
        make_indexer(world, path)
    assert "was built for registry" in str(caught.value)


def test_reader_needs_an_index(tmp_path: Path) -> None:
    with pytest.raises(ChainError) as caught:
        LicenceIndex(tmp_path / "missing.sqlite")
    assert "run `elicence chain sync` first" in str(caught.value)


def test_rollback_restores_the_status_before_the_fork(world: World, tmp_path: Path) -> None:
    """Rollback is the reorg primitive: statuses return to what older events say."""
    now = world.backend.now()
    world.dmv_status.set_status(StatusCode.SUSPENDED, [ref(1)], until=now + 3_600)
    fork = world.backend.w3.eth.block_number
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(1), ref(2)])
    indexer = make_indexer(world, tmp_path / "index.sqlite")
    indexer.sync()
    assert indexer.reader().status(1, ref(1)).status == StatusCode.REVOKED  # type: ignore[union-attr]

    indexer.rollback(fork)
    index = indexer.reader()
    assert index.status(1, ref(1)).status == StatusCode.SUSPENDED  # type: ignore[union-attr]
    assert index.status(1, ref(2)) is None
    assert indexer.next_block == fork + 1
    assert indexer.sync().events == 1  # the chain still has the event: read again
    assert index.status(1, ref(1)).status == StatusCode.REVOKED  # type: ignore[union-attr]
    indexer.check_heads()
