"""The freshness rule in process (eth-tester): every sync checks the index against the
registry at the synced block and records the outcome; the verifier reads it, with no
call to the node per verification."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from web3 import EthereumTesterProvider, Web3

from chain.index import LicenceIndex
from chain.indexer import Indexer
from verifier.context import Policy
from verifier.verification import Verifier

from .world import World, ref

pytestmark = pytest.mark.timeout(120)


def sync(world: World, path: Path, *, now: int, witnesses: tuple[Web3, ...] = ()) -> str | None:
    indexer = Indexer(path, world.registry, start_block=world.deploy_block, witnesses=witnesses)
    try:
        return indexer.sync(now=now).problem
    finally:
        indexer.close()


def verdict(world: World, path: Path, now: int, policy: Policy | None = None) -> tuple[str, str]:
    index = LicenceIndex(path)
    try:
        result = Verifier(index, policy=policy).verify(world.qr["good"], now=now)
    finally:
        index.close()
    return result.verdict, "" if result.decided_by is None else result.decided_by.reason


def test_each_sync_records_its_check(world: World, tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    assert sync(world, path, now=world.now) is None
    index = LicenceIndex(path)
    try:
        state = index.as_of()
    finally:
        index.close()
    head = world.w3.eth.get_block("latest")
    assert state is not None
    assert (state.block_number, state.block_hash, state.block_time) == (
        head["number"], bytes(head["hash"]), head["timestamp"])
    assert (state.checked_at, state.checked_block, state.problem) == (
        world.now, head["number"], None)
    assert verdict(world, path, world.now) == ("valid", "")


def test_old_newest_block_gives_head_stale(world: World, tmp_path: Path) -> None:
    """Synced and checked a moment ago, but the node's newest block is 61 s old."""
    path = tmp_path / "index.sqlite"
    head_time = int(world.w3.eth.get_block("latest")["timestamp"])
    sync(world, path, now=head_time + 61)
    assert verdict(world, path, head_time + 61) == ("unknown", "status_head_stale")
    assert verdict(world, path, head_time + 61, Policy(max_head_age=61))[0] == "valid"


def test_index_missing_an_event_is_caught_and_healed(world: World, tmp_path: Path) -> None:
    """An index that lacks its newest status event (as if the node had hidden it) fails the
    next check, is rolled back to the last checked block, and reads the event again."""
    path = tmp_path / "index.sqlite"
    sync(world, path, now=world.now)
    db = sqlite3.connect(path)
    try:
        with db:
            block, log_index, authority = db.execute(
                "SELECT block, log_index, authority FROM status_events "
                "ORDER BY block DESC, log_index DESC LIMIT 1").fetchone()
            db.execute("DELETE FROM status_events WHERE block = ? AND log_index = ?",
                       (block, log_index))
            # As if never read: the check must first pass again from an earlier block.
            db.execute("UPDATE meta SET value = ? WHERE key = 'checked_block'",
                       (str(block - 1),))
    finally:
        db.close()
    problem = sync(world, path, now=world.now)
    assert problem == f"status_index_inconsistent: authority {authority} status head"
    assert verdict(world, path, world.now) == ("unknown", "status_index_inconsistent")
    assert sync(world, path, now=world.now) is None  # re-read from the last checked block
    assert verdict(world, path, world.now) == ("valid", "")


def test_witness_holding_another_block_gives_nodes_disagree(world: World,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    other = Web3(EthereumTesterProvider())  # another chain: other hashes at every height
    other.provider.ethereum_tester.mine_blocks(  # type: ignore[attr-defined]
        world.w3.eth.block_number + 1)
    problem = sync(world, path, now=world.now, witnesses=(other,))
    assert problem is not None and problem.startswith("status_nodes_disagree: witness 1")
    assert verdict(world, path, world.now) == ("unknown", "status_nodes_disagree")
    assert sync(world, path, now=world.now, witnesses=(world.w3,)) is None
    assert verdict(world, path, world.now) == ("valid", "")


def test_revoked_stays_revoked_from_an_unchecked_index(world: World, tmp_path: Path) -> None:
    """A revocation is final: it holds whatever the freshness rule says."""
    path = tmp_path / "index.sqlite"
    sync(world, path, now=world.now)
    index = LicenceIndex(path)
    try:
        assert index.status(1, ref("revoked")) is not None
        result = Verifier(index).verify(world.qr["revoked"], now=world.now + 3600)
    finally:
        index.close()
    assert result.verdict == "revoked"
