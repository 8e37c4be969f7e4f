"""Real anvil processes only: node control, an outage mid-run, a reorg, a free-gas chain."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account

from chain.connect import connect
from chain.errors import NodeControlError, NodeUnreachable, TransactionDropped
from chain.indexer import Indexer
from chain.node import LocalNode, dev_accounts
from chain.registry import Registry
from chain.reverts import RevertDecoder
from chain.transactions import FeePolicy, Sender, WaitPolicy
from licence.vocabulary import StatusCode
from tests.support.facts import DRIVING
from tests.support.ports import free_port
from tests.support.world import WAIT, World, anvil_backend, build_world, start_anvil

from .conftest import ref

pytestmark = [pytest.mark.anvil, pytest.mark.timeout(120)]


@pytest.fixture
def node(tmp_path: Path) -> LocalNode:
    node = start_anvil(tmp_path / "node")
    yield node  # type: ignore[misc]
    node.stop()


def anvil_world(node: LocalNode) -> World:
    return build_world(anvil_backend(node))


def test_start_status_stop(node: LocalNode) -> None:
    status = node.status()
    assert status.running and status.pid is not None and status.block == 0
    assert status.url == f"http://127.0.0.1:{node.port}"
    assert node.pid_file.read_text().strip() == str(status.pid)
    assert node.start().pid == status.pid  # already running: no second process

    node.stop()
    stopped = node.status()
    assert not stopped.running and stopped.block is None
    assert not node.pid_file.exists()
    assert node.state_file.exists()  # dumped on SIGTERM
    assert "Listening on 127.0.0.1" in node.log_file.read_text()


def test_restart_from_saved_state_mines_a_current_head(tmp_path: Path) -> None:
    """The saved head is as old as the stop: a block mined at the restart keeps verifiers
    from judging the chain stuck until the first interval block."""
    node = start_anvil(tmp_path / "node", block_time=3600)  # no interval block in this test
    try:
        assert node.status().block == 0  # a new chain's genesis is current: nothing mined
        node.stop()
        assert node.start().block == 1
        w3 = connect(node.url)
        assert w3.eth.get_block(1)["timestamp"] >= w3.eth.get_block(0)["timestamp"]
    finally:
        node.stop()


def test_restart_without_a_block_time_mines_nothing(node: LocalNode) -> None:
    """An automining node's blocks are its transactions' alone (tests count them)."""
    node.stop()
    assert node.start().block == 0


def test_port_in_use_is_reported(node: LocalNode, tmp_path: Path) -> None:
    other = LocalNode(tmp_path / "other", port=node.port)
    with pytest.raises(NodeControlError) as caught:
        other.start()
    assert f"Port {node.port} on 127.0.0.1 is already in use" in str(caught.value)


def test_node_stopped_mid_run_then_restarted(node: LocalNode, tmp_path: Path) -> None:
    world = anvil_world(node)
    anchored = world.dmv_anchor.anchor(DRIVING, "31", 42, [ref(0xA1)])
    indexer = Indexer(tmp_path / "index.sqlite", world.registry, start_block=world.deploy_block)
    indexer.sync()

    node.stop()
    with pytest.raises(NodeUnreachable) as caught:
        world.registry.authority(1)
    assert caught.value.reason == "node_unreachable"
    assert str(caught.value) == (
        f"Cannot reach the chain node at {node.url}: start it with `elicence node start` "
        "or check ELICENCE_RPC_URL.")
    with pytest.raises(NodeUnreachable):
        indexer.sync()
    with pytest.raises(NodeUnreachable):
        world.dmv_anchor.anchor(DRIVING, "31", 1, [ref(0xA2)])
    # The index still answers while the node is away.
    assert indexer.reader().batch(ref(0xA1)) is not None

    node.start()
    assert world.registry.authority(1).batch_head == anchored.event("BatchAnchored").args["head"]
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(7)])  # the nonce counter resyncs
    report = indexer.sync()
    assert report.events == 1 and report.reorgs == []
    indexer.check_heads()
    assert indexer.reader().status(1, ref(7)) is not None


def test_indexer_follows_a_reorg(node: LocalNode, tmp_path: Path) -> None:
    world = anvil_world(node)
    w3 = world.backend.w3
    world.dmv_anchor.anchor(DRIVING, "31", 10, [ref(0xA1)])
    orphan = world.dmv_anchor.anchor(DRIVING, "31", 20, [ref(0xA2)])
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(1)])
    indexer = Indexer(tmp_path / "index.sqlite", world.registry, start_block=world.deploy_block)
    indexer.sync()
    index = indexer.reader()
    assert index.batch(ref(0xA2)) is not None and index.status(1, ref(1)) is not None

    # Replace the last two blocks: the new branch anchors 0xB2 from the orphan's nonce.
    account = world.dmv_anchor.account
    replacement = account.sign_transaction({  # type: ignore[union-attr]
        "to": world.registry.address,
        "data": world.registry._encode("anchor", DRIVING, b"31\0\0\0\0", 30, ref(0xB2)),
        "gas": 300_000, "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9,
        "nonce": w3.eth.get_transaction(orphan.tx_hash)["nonce"],  # type: ignore[arg-type]
        "chainId": w3.eth.chain_id, "value": 0,
    })
    w3.provider.make_request(  # type: ignore[arg-type]
        "anvil_reorg", [2, [["0x" + replacement.raw_transaction.hex(), 0]]])
    assert w3.eth.get_block(orphan.block_number)["hash"].hex() != orphan.block_hash[2:]

    report = indexer.sync()
    assert report.reorgs and report.reorgs[0][0] < orphan.block_number
    assert index.batch(ref(0xA2)) is None  # from an orphaned block: gone
    assert index.status(1, ref(1)) is None  # likewise
    replaced = index.batch(ref(0xB2))
    assert replaced is not None and replaced.count == 30
    assert index.batch(ref(0xA1)) is not None  # before the fork: kept
    indexer.check_heads()


def test_indexer_follows_a_chain_that_became_shorter(node: LocalNode, tmp_path: Path) -> None:
    world = anvil_world(node)
    w3 = world.backend.w3
    kept = world.dmv_anchor.anchor(DRIVING, "31", 10, [ref(0xA1)])
    world.dmv_anchor.anchor(DRIVING, "31", 20, [ref(0xA2)])
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(1)])
    indexer = Indexer(tmp_path / "index.sqlite", world.registry, start_block=world.deploy_block)
    indexer.sync()

    w3.provider.make_request("anvil_rollback", [2])  # type: ignore[arg-type]
    assert w3.eth.block_number == kept.block_number

    report = indexer.sync()
    assert report.reorgs == [(kept.block_number, kept.block_number + 2)]
    index = indexer.reader()
    assert index.batch(ref(0xA1)) is not None
    assert index.batch(ref(0xA2)) is None and index.status(1, ref(1)) is None
    assert index.as_of().block_number == kept.block_number  # type: ignore[union-attr]
    indexer.check_heads()


def test_free_gas_network_needs_no_funds(node: LocalNode) -> None:
    """The local node runs like a free-gas permissioned network (base fee 0)."""
    w3 = connect(node.url)
    pauper = Account.create()  # holds no ether at all
    assert w3.eth.get_balance(pauper.address) == 0
    registry, deployed = Registry.deploy(
        w3, pauper, [pauper.address], 1, dev=True, fees=FeePolicy(gas_price=0), wait=WAIT)
    assert deployed.gas_used > 0
    assert registry.propose(registry.action_set_threshold(1)).executed
    assert w3.eth.get_balance(pauper.address) == 0


def test_distinct_nodes_on_distinct_ports(tmp_path: Path) -> None:
    first = LocalNode(tmp_path / "a", port=free_port())
    second = LocalNode(tmp_path / "b", port=free_port())
    try:
        assert first.start().running and second.start().running
        assert first.status().pid != second.status().pid
    finally:
        first.stop()
        second.stop()


def test_dropped_transaction_is_reported(tmp_path: Path) -> None:
    node = start_anvil(tmp_path / "node", extra_args=("--no-mining",))
    try:
        w3 = connect(node.url)
        (account,) = dev_accounts(1)
        sender = Sender(w3, account, RevertDecoder([]))
        tx_hash = sender.submit(account.address, b"", gas=30_000)
        assert sender._known(tx_hash)  # pending: nothing mines it
        w3.provider.make_request("anvil_dropTransaction", [tx_hash])  # type: ignore[arg-type]
        with pytest.raises(TransactionDropped) as caught:
            sender.wait(tx_hash, WaitPolicy(timeout=10, dropped_after=0.3))
        assert caught.value.reason == "tx_dropped"
        assert str(caught.value) == (
            f"Transaction {tx_hash} was dropped by the node before it was mined: send it again.")
    finally:
        node.stop()


def test_another_controller_stops_the_node(node: LocalNode) -> None:
    """`elicence node stop` runs in another process than `start`: it finds the pid file."""
    pid = node.status().pid
    other = LocalNode(node.state_dir, port=node.port)
    assert other.status().pid == pid
    other.stop()
    assert not node.status().running and not other.status().running
    assert not Path(f"/proc/{pid}").exists()  # gone, not left as a zombie
