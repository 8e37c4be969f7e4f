"""The one test world: a registry deployed on a backend, with the standard cast.

Backends: eth-tester in process (`eth_tester_backend`) or a real anvil node
(`anvil_backend`, on a node from `start_anvil`). The cast is the same everywhere: a council
of three (2-of-3) and two authorities acting through their own anchor, status and keys
accounts, CN-31-DMV (driving licences, Shanghai 31) and CN-32-AMR (business licences,
Jiangsu 32). Suites that test the contract's raw interface (tests/contracts) deploy through
web3 directly but register the same cast from `CAST`.

Suites that test verification rather than the registry's powers use `deploy_one_council`: a
dev registry whose one-member council acts alone, and one account per authority holding all
three roles, so each fixture is one transaction away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import EthereumTesterProvider, Web3

from chain.connect import connect
from chain.node import LocalNode, dev_accounts
from chain.records import Scope, TxResult
from chain.registry import Registry
from chain.transactions import WaitPolicy
from licence.vocabulary import Role
from tests.support.facts import BUSINESS, DRIVING

from .ports import free_port

ACCOUNTS = 10
COUNCIL_SIZE, THRESHOLD = 3, 2
# Short waits: every backend here mines at once, so a long wait means a bug.
WAIT = WaitPolicy(timeout=20.0, poll_interval=0.02)


@dataclass(frozen=True)
class CastAuthority:
    """One authority of the standard cast, as the council registers it."""

    code: str
    name_zh: str
    name_en: str
    jurisdiction: str
    licence_type: int
    region: str

    def registration(self, registry: Registry, accounts: list[LocalAccount]) -> bytes:
        """The council action registering this authority with `accounts` as its anchor,
        status and keys accounts (in that order)."""
        return self._registration(registry, role_accounts(accounts))

    def registration_all_roles(self, registry: Registry, account: LocalAccount) -> bytes:
        """The council action registering this authority with one account in every role."""
        return self._registration(registry, [(account.address, ALL_ROLES)])

    def _registration(self, registry: Registry, accounts: list[tuple[str, Role]]) -> bytes:
        return registry.action_register_authority(
            self.code, self.name_zh, self.name_en, self.jurisdiction,
            scopes=[Scope(self.licence_type, self.region)], accounts=accounts)


DMV = CastAuthority("CN-31-DMV", "上海市公安局交通管理局", "Shanghai Traffic Police", "CN-31",
                    DRIVING, "31")
AMR = CastAuthority("CN-32-AMR", "江苏省市场监督管理局", "Jiangsu Market Regulation", "CN-32",
                    BUSINESS, "32")
CAST = (DMV, AMR)
# Beside the cast, for suites that need a third province: business licences in Beijing (11)
# and the authority whose key signed the format's known-answer vectors (Guangdong, 44).
AMR_BEIJING = CastAuthority("CN-11-AMR", "北京市市场监督管理局", "Beijing Market Regulation",
                            "CN-11", BUSINESS, "11")
VECTORS_DMV = CastAuthority("CN-44-DMV", "广东省公安厅交通管理局", "Guangdong Traffic Police",
                            "CN-44", DRIVING, "44")
ALL_ROLES = Role.ANCHOR | Role.STATUS | Role.KEYS


def role_accounts(accounts: list[LocalAccount]) -> list[tuple[str, Role]]:
    return [(a.address, r) for a, r in zip(accounts, (Role.ANCHOR, Role.STATUS, Role.KEYS),
                                             strict=True)]


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
    """A local anvil node on a free port, started; the caller stops it."""
    node = LocalNode(state_dir, port=free_port(), state_interval=1, **options)  # type: ignore[arg-type]
    node.start(timeout=30)
    return node


def eth_tester_backend(accounts: int = ACCOUNTS) -> Backend:
    w3 = Web3(EthereumTesterProvider())
    funded = [Account.from_key(keccak(f"elicence-chain-test-{i}".encode()))
              for i in range(accounts)]
    funder = w3.eth.accounts[0]  # test setup only: funding our local accounts
    for account in funded:
        w3.eth.send_transaction({"from": funder, "to": account.address, "value": 10**21})
    return Backend("eth_tester", w3, funded)


def anvil_backend(node: LocalNode, accounts: int = ACCOUNTS) -> Backend:
    return Backend("anvil", connect(node.url), dev_accounts(accounts), node)


@dataclass
class World:
    """A deployed registry with the standard cast (see the module's docstring)."""

    backend: Backend
    registry: Registry  # sends as council member 0
    deployed: TxResult
    council: list[LocalAccount]
    dmv_anchor: Registry  # authority 1's role accounts
    dmv_status: Registry
    dmv_keys: Registry
    amr_anchor: Registry  # authority 2's
    amr_status: Registry
    amr_keys: Registry

    @property
    def deploy_block(self) -> int:
        return self.deployed.block_number

    def govern(self, action: bytes) -> int:
        """Proposes and approves an action with two council members; returns its id."""
        proposal = self.registry.propose(action)
        assert not proposal.executed
        approved = self.registry.as_account(self.council[1]).approve(proposal.proposal_id)
        assert approved.executed
        return proposal.proposal_id


def build_world(backend: Backend) -> World:
    """Deploys the registry on `backend` and registers the cast (accounts 0-8)."""
    council = backend.accounts[:COUNCIL_SIZE]
    registry, deployed = Registry.deploy(
        backend.w3, council[0], [a.address for a in council], THRESHOLD, wait=WAIT)
    dmv, amr = backend.accounts[3:6], backend.accounts[6:9]
    world = World(backend, registry, deployed, council,
                  *(registry.as_account(a) for a in dmv), *(registry.as_account(a) for a in amr))
    world.govern(DMV.registration(registry, dmv))
    world.govern(AMR.registration(registry, amr))
    return world


@dataclass
class OneCouncil:
    """A dev registry whose one council member acts alone (see the module's docstring)."""

    registry: Registry  # sends as the council member; its proposals execute at once
    deployed: TxResult
    authorities: list[Registry]  # each authority's all-roles account, numbered from 1

    @property
    def deploy_block(self) -> int:
        return self.deployed.block_number

    def register(self, authority: CastAuthority, account: LocalAccount) -> Registry:
        """Registers one more authority (the next number) acting through `account`."""
        self.registry.propose(authority.registration_all_roles(self.registry, account))
        acting = self.registry.as_account(account)
        self.authorities.append(acting)
        return acting


def deploy_one_council(w3: Web3, council: LocalAccount,
                       authorities: Sequence[tuple[CastAuthority, LocalAccount]],
                       wait: WaitPolicy = WAIT) -> OneCouncil:
    """Deploys a dev registry with `council` as its only member and registers `authorities`
    in order (numbers 1, 2, ...), each acting through its one account."""
    registry, deployed = Registry.deploy(w3, council, [council.address], 1, dev=True, wait=wait)
    deployment = OneCouncil(registry, deployed, [])
    for authority, account in authorities:
        deployment.register(authority, account)
    return deployment
