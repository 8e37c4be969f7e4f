"""One chain suite, two backends: eth-tester in process and a real anvil process.

Every test asking for `backend` (or `world`) runs once per backend; the anvil runs are
marked `anvil` and each gets its own node on a free port, stopped after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import EthereumTesterProvider, Web3

from chain.connect import connect
from chain.node import LocalNode, dev_accounts, free_port
from chain.records import Scope
from chain.registry import Registry
from chain.transactions import WaitPolicy
from licence.vocabulary import Role
from tests.support.facts import BUSINESS, DRIVING

ACCOUNTS = 10
# Short waits: every backend here mines at once, so a long wait means a bug.
WAIT = WaitPolicy(timeout=20.0, poll_interval=0.02)


@dataclass
class Backend:
    name: str
    w3: Web3
    accounts: list[LocalAccount]  # funded; never node-managed
    node: LocalNode | None = None

    def now(self) -> int:
        """The latest block's time: registry rules compare against chain time."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def advance_time(self, seconds: int) -> None:
        """Makes the next block `seconds` later than the latest (test-only RPC)."""
        target = self.now() + seconds
        if self.node is None:
            self.w3.provider.ethereum_tester.time_travel(target)  # type: ignore[attr-defined]
        else:
            self.w3.provider.make_request("evm_setNextBlockTimestamp", [target])  # type: ignore[arg-type]


def start_anvil(state_dir: Path, **options: object) -> LocalNode:
    node = LocalNode(state_dir, port=free_port(), state_interval=1, **options)  # type: ignore[arg-type]
    node.start(timeout=30)
    return node


def eth_tester_backend() -> Backend:
    w3 = Web3(EthereumTesterProvider())
    accounts = [Account.from_key(keccak(f"elicence-chain-test-{i}".encode()))
                for i in range(ACCOUNTS)]
    funder = w3.eth.accounts[0]  # test setup only: funding our local accounts
    for account in accounts:
        w3.eth.send_transaction({"from": funder, "to": account.address, "value": 10**21})
    return Backend("eth_tester", w3, accounts)


@pytest.fixture(params=["eth_tester", pytest.param("anvil", marks=pytest.mark.anvil)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "eth_tester":
        yield eth_tester_backend()
        return
    node = start_anvil(tmp_path / "node")
    try:
        yield Backend("anvil", connect(node.url), dev_accounts(ACCOUNTS), node)
    finally:
        node.stop()


@dataclass
class World:
    """A deployed registry: council of 3 (2-of-3), a DMV (driving in region 31) and an AMR
    (business in region 32), each acting through an anchor, a status and a keys account."""

    backend: Backend
    registry: Registry  # sends as council member 0
    deploy_block: int
    council: list[LocalAccount]
    dmv_anchor: Registry  # authority 1's role accounts
    dmv_status: Registry
    dmv_keys: Registry
    amr_anchor: Registry  # authority 2's
    amr_status: Registry
    amr_keys: Registry

    def govern(self, action: bytes) -> int:
        """Proposes and approves an action with two council members; returns its id."""
        proposal = self.registry.propose(action)
        assert not proposal.executed
        approved = self.registry.as_account(self.council[1]).approve(proposal.proposal_id)
        assert approved.executed
        return proposal.proposal_id


def role_accounts(accounts: list[LocalAccount]) -> list[tuple[str, Role]]:
    return [(a.address, r) for a, r in zip(accounts, (Role.ANCHOR, Role.STATUS, Role.KEYS),
                                             strict=True)]


def build_world(backend: Backend) -> World:
    council = backend.accounts[:3]
    registry, deployed = Registry.deploy(
        backend.w3, council[0], [a.address for a in council], 2, wait=WAIT)
    dmv, amr = backend.accounts[3:6], backend.accounts[6:9]
    world = World(backend, registry, deployed.block_number, council,
                  *(registry.as_account(a) for a in dmv), *(registry.as_account(a) for a in amr))
    world.govern(registry.action_register_authority(
        "CN-31-DMV", "上海市公安局交通管理局", "Shanghai Traffic Police", "CN-31",
        scopes=[Scope(DRIVING, "31")], accounts=role_accounts(dmv)))
    world.govern(registry.action_register_authority(
        "CN-32-AMR", "江苏省市场监督管理局", "Jiangsu Market Regulation", "CN-32",
        scopes=[Scope(BUSINESS, "32")], accounts=role_accounts(amr)))
    return world


@pytest.fixture
def world(backend: Backend) -> World:
    return build_world(backend)


def ref(n: int) -> bytes:
    """A 16-byte status reference / root for tests."""
    return n.to_bytes(16, "big")


def pubkey(n: int) -> bytes:
    return b"\x02" + n.to_bytes(32, "big")
