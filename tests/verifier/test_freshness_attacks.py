"""Provable freshness against lying nodes: a real anvil, a JSON-RPC proxy in front of it
that lies, the real follower round (IndexSync) and the real verifier.

Each attack is shown before and after: "before" is the answer the index would give if
only the age of the last sync counted (the rule before decision 0135) — a revoked licence
reads VALID; "after" is the verdict now: unknown, with the reason naming what failed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from chain.connect import connect
from chain.index import LicenceIndex
from chain.node import LocalNode, dev_accounts
from chain.registry import Registry
from chain.status import IndexFreshness, licence_state
from elicence.cli import main
from licence import Licence, LicenceItem, build_batch, compressed_public_key, load_schema
from licence.vocabulary import LicenceState, StatusCode
from tests.support.facts import DRIVING
from tests.support.ports import free_port
from tests.support.rpc_proxy import RpcProxy
from tests.support.world import DMV, deploy_one_council
from verifier.context import Policy
from verifier.follower import IndexSync
from verifier.verification import Verifier

from ..licence.licence_testdata import DRIVING_ROW
from .world import DAY, YEAR, private_key, ref

pytestmark = [pytest.mark.anvil, pytest.mark.timeout(180)]
MAX_PROXY_CALLS = 2_000  # every test's traffic through the proxy stays below this
ONLY_SYNC_AGE = IndexFreshness(True, None, 0)  # the old rule: synced recently, so fresh


@dataclass
class Chain:
    node: LocalNode
    registry: Registry
    dmv: Registry
    deploy_block: int
    licence: Licence  # issued, then revoked by `revocation`
    status_ref: bytes

    def revoke(self) -> str:
        return self.dmv.set_status(StatusCode.REVOKED, [self.status_ref]).tx_hash


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    node = LocalNode(tmp_path_factory.mktemp("node"), port=free_port(), block_time=1)
    node.start(timeout=30)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def chain(node: LocalNode, request: pytest.FixtureRequest) -> Chain:
    """A fresh registry with one authority and one anchored licence, per test."""
    return make_chain(node, f"freshness-{request.node.name}")


def make_chain(node: LocalNode, label: str) -> Chain:
    w3 = connect(node.url)
    council, dmv_account = dev_accounts(2)
    deployment = deploy_one_council(w3, council, [(DMV, dmv_account)])
    registry, deployed, (dmv,) = deployment.registry, deployment.deployed, deployment.authorities
    now = int(time.time())
    key = private_key("freshness-dmv")
    dmv.add_key(compressed_public_key(key), now - DAY, now + YEAR)
    claims = load_schema("driving").validate(DRIVING_ROW)
    batch = build_batch(1, 1, key, DRIVING, now,
                        [LicenceItem(claims, now - DAY, now + YEAR, ref(label))])
    dmv.anchor(DRIVING, "31", 1, [r.root for r in batch.roots])
    return Chain(node, registry, dmv, deployed.block_number, batch.licences[0], ref(label))


@pytest.fixture
def proxy(node: LocalNode) -> Iterator[RpcProxy]:
    with RpcProxy(node.url) as proxy:
        yield proxy
        assert proxy.requests < MAX_PROXY_CALLS


def follower_sync(chain: Chain, url: str, index_path: Path,
                  witnesses: tuple[str, ...] = ()) -> IndexSync:
    """The follower's round, reading the registry through `url`."""
    return IndexSync(index_path, lambda: Registry(connect(url, timeout=5),
                                                  chain.registry.address),
                     start_block=chain.deploy_block,
                     witnesses=[connect(w, timeout=2) for w in witnesses])


def verify(chain: Chain, index_path: Path, now: int, policy: Policy | None = None) -> tuple[
        str, str | None]:
    index = LicenceIndex(index_path)
    try:
        result = Verifier(index, policy=policy).verify(chain.licence.to_qr(), now=now)
    finally:
        index.close()
    return result.verdict, None if result.decided_by is None else result.decided_by.reason


def head_time(chain: Chain, index_path: Path) -> int:
    index = LicenceIndex(index_path)
    try:
        state = index.as_of()
        assert state is not None
        return state.block_time
    finally:
        index.close()


def test_honest_node_valid_then_revoked(chain: Chain, proxy: RpcProxy, tmp_path: Path) -> None:
    sync = follower_sync(chain, proxy.url, tmp_path / "index.sqlite")
    try:
        sync(int(time.time()))
        assert verify(chain, tmp_path / "index.sqlite", int(time.time()))[0] == "valid"
        chain.revoke()
        sync(int(time.time()))
        assert verify(chain, tmp_path / "index.sqlite", int(time.time())) == (
            "revoked", "revoked")
    finally:
        sync.close()


def test_stuck_node_gives_unknown_not_valid(chain: Chain, proxy: RpcProxy,
                                            tmp_path: Path) -> None:
    """A node stuck on the block before a revocation: the index syncs "successfully" and
    its check passes at that block, but the block is old."""
    index_path = tmp_path / "index.sqlite"
    stuck_at = int(connect(chain.node.url).eth.block_number)
    proxy.freeze_at(stuck_at)
    chain.revoke()
    sync = follower_sync(chain, proxy.url, index_path)
    try:
        sync(int(time.time()))
        # The counter's clock once the node has been stuck for 61 s; synced just now.
        now = head_time(chain, index_path) + 61
        sync(now)
    finally:
        sync.close()
    index = LicenceIndex(index_path)
    try:
        record = index.status(1, chain.status_ref)
        before = licence_state(record, now=now, freshness=ONLY_SYNC_AGE)
    finally:
        index.close()
    assert (record, before.state) == (None, LicenceState.ACTIVE)  # before: VALID
    assert verify(chain, index_path, now, Policy(max_head_age=10**9))[0] == "valid"
    assert verify(chain, index_path, now) == ("unknown", "status_head_stale")  # after

    proxy.freeze_at(None)  # the node catches up: the revocation is seen
    sync = follower_sync(chain, proxy.url, index_path)
    try:
        sync(int(time.time()))
    finally:
        sync.close()
    assert verify(chain, index_path, int(time.time()))[0] == "revoked"


def test_node_hiding_the_revocation_gives_unknown(chain: Chain, proxy: RpcProxy,
                                                  tmp_path: Path) -> None:
    """A node that leaves the newest status event out of eth_getLogs: the registry's
    status head at the synced block no longer matches the index."""
    index_path = tmp_path / "index.sqlite"
    sync = follower_sync(chain, proxy.url, index_path)
    try:
        sync(int(time.time()))
        proxy.hide_transaction(chain.revoke())
        sync(int(time.time()))
        index = LicenceIndex(index_path)
        try:
            state = index.as_of()
            assert state is not None and state.problem is not None
            assert state.problem.startswith("status_index_inconsistent: authority 1 status")
            before = licence_state(index.status(1, chain.status_ref), now=int(time.time()),
                                   freshness=ONLY_SYNC_AGE)
        finally:
            index.close()
        assert before.state == LicenceState.ACTIVE  # before: VALID
        assert verify(chain, index_path, int(time.time())) == (
            "unknown", "status_index_inconsistent")  # after

        proxy.reveal_all()  # the node answers honestly again: the index heals
        sync(int(time.time()))
        assert verify(chain, index_path, int(time.time()))[0] == "revoked"
    finally:
        sync.close()


@pytest.fixture
def other_chain(tmp_path: Path) -> Iterator[LocalNode]:
    """Another anvil with the same chain id and accounts, but its own history: a fork."""
    other = LocalNode(tmp_path / "other", port=free_port())
    other.start(timeout=30)
    try:
        yield other
    finally:
        other.stop()


def test_witness_on_another_chain_gives_unknown(chain: Chain, proxy: RpcProxy,
                                                other_chain: LocalNode,
                                                tmp_path: Path) -> None:
    index_path = tmp_path / "index.sqlite"
    height = int(connect(chain.node.url).eth.block_number)
    connect(other_chain.url).provider.make_request(  # type: ignore[arg-type]
        "anvil_mine", [hex(height + 200)])
    agreeing = follower_sync(chain, proxy.url, index_path, witnesses=(chain.node.url,))
    try:
        agreeing(int(time.time()))
    finally:
        agreeing.close()
    assert verify(chain, index_path, int(time.time()))[0] == "valid"

    forked = follower_sync(chain, proxy.url, index_path, witnesses=(other_chain.url,))
    try:
        forked(int(time.time()))
    finally:
        forked.close()
    assert verify(chain, index_path, int(time.time())) == ("unknown", "status_nodes_disagree")


def test_unreachable_witness_does_not_decide(chain: Chain, proxy: RpcProxy,
                                            tmp_path: Path) -> None:
    """A witness that cannot be asked is counted and logged, not a disagreement
    (decision 0137): the primary node's checked answer stands."""
    index_path = tmp_path / "index.sqlite"
    sync = follower_sync(chain, proxy.url, index_path,
                         witnesses=(f"http://127.0.0.1:{free_port()}",))
    try:
        sync(int(time.time()))
        assert sync.witnesses_unreachable == 1
    finally:
        sync.close()
    assert verify(chain, index_path, int(time.time()))[0] == "valid"


@pytest.fixture
def own_node(tmp_path: Path) -> Iterator[LocalNode]:
    """A node of its own, whose block times stay close to the wall clock the CLI reads
    (the shared node's run ahead: each transaction there gets its own next second)."""
    node = LocalNode(tmp_path / "own-node", port=free_port())
    node.start(timeout=30)
    try:
        yield node
    finally:
        node.stop()


def test_cli_with_a_stuck_node_and_a_witness(own_node: LocalNode, tmp_path: Path) -> None:
    """`elicence verify` applies the same rule: exit 4 and the reason, not VALID."""
    chain = make_chain(own_node, "freshness-cli")
    with RpcProxy(own_node.url) as proxy:
        cli_through_a_stuck_node(chain, proxy, tmp_path)
        assert proxy.requests < MAX_PROXY_CALLS


def cli_through_a_stuck_node(chain: Chain, proxy: RpcProxy, tmp_path: Path) -> None:
    w3 = connect(chain.node.url)
    stuck_at = int(w3.eth.block_number)
    proxy.freeze_at(stuck_at)
    chain.revoke()
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.json").write_text(json.dumps({"registry_block": chain.deploy_block}))
    env = {"ELICENCE_HOME": str(home), "ELICENCE_RPC_URL": proxy.url,
           "ELICENCE_REGISTRY_ADDRESS": chain.registry.address}
    stuck_time = int(w3.eth.get_block(stuck_at)["timestamp"])
    deadline = time.monotonic() + 20
    while time.time() < stuck_time + 3.2 and time.monotonic() < deadline:
        time.sleep(0.1)  # until the frozen block is 3 s old: over --max-head-age 2
    runner = CliRunner()
    qr = chain.licence.to_qr()
    before = runner.invoke(main, ["verify", "--json", "--max-head-age", "3600", qr], env=env)
    assert (before.exit_code, json.loads(before.stdout)["verdict"]) == (0, "valid")
    after = runner.invoke(main, ["verify", "--json", "--max-head-age", "2", qr], env=env)
    assert after.exit_code == 4, after.output
    assert json.loads(after.stdout)["reason"] == "status_head_stale"

    proxy.freeze_at(None)  # caught up, but a witness on another port holds nothing there
    witness = f"http://127.0.0.1:{free_port()}"
    caught_up = runner.invoke(main, ["verify", "--rpc", witness, qr], env=env)
    assert caught_up.exit_code == 1 and caught_up.stdout.startswith("REVOKED")
    bad = runner.invoke(main, ["verify", "--rpc", "ftp://node", qr], env=env)
    assert bad.exit_code == 2 and "http(s) URL" in bad.output
