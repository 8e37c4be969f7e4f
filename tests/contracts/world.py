"""The registry test world: one deployed registry on eth-tester with a council and two
authorities, plus helpers that send calls and decode custom errors and events."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_tester.exceptions import TransactionFailed
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from web3 import EthereumTesterProvider, Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from chain.solc import load_artifact
from licence.vocabulary import ReasonClass, Role, StatusCode
from tests.support.world import AMR, COUNCIL_SIZE, DMV, THRESHOLD, CastAuthority

# Short names for the vocabulary the calls below pass as plain integers.
REVOKED, SUSPENDED, REINSTATED, SUPERSEDED, BATCH_WITHDRAWN = (
    StatusCode.REVOKED, StatusCode.SUSPENDED, StatusCode.REINSTATED, StatusCode.SUPERSEDED,
    StatusCode.BATCH_WITHDRAWN)
OTHER, LOST_OR_STOLEN, REPLACED, SURRENDERED, WITHDRAWN, COUNCIL_WITHDRAWN = (
    ReasonClass.OTHER, ReasonClass.LOST_OR_STOLEN, ReasonClass.REPLACED,
    ReasonClass.SURRENDERED, ReasonClass.WITHDRAWN, ReasonClass.COUNCIL_WITHDRAWN)
# Plain ints for roles: web3 walks into a Flag as if it were a collection.
ANCHOR, STATUS, KEYS = int(Role.ANCHOR), int(Role.STATUS), int(Role.KEYS)
DAY = 86_400
FAR_FUTURE = 2**63  # a unix time no test reaches
ACCOUNTS = 20
AUTHORITY_FIELDS = (
    "id",
    "nameZh",
    "nameEn",
    "jurisdiction",
    "suspended",
    "graceUntil",
    "keyCount",
    "batchHead",
    "statusHead",
)


def region(code: str) -> bytes:
    """A GB/T 2260 prefix as the registry's bytes6: ASCII digits, zero-padded."""
    return code.encode().ljust(6, b"\0")


SHANGHAI, JIANGSU, NANJING, NATIONWIDE = region("31"), region("32"), region("3201"), region("")


def compressed_key(seed: int = 1, prefix: int = 2) -> bytes:
    """A 33-byte compressed-SEC1-shaped key (the contract checks shape, not the curve)."""
    return bytes([prefix]) + keccak(seed.to_bytes(32, "big"))


def refs(count: int, seed: bytes = b"ref") -> bytes:
    """`count` packed random-looking 16-byte status references."""
    return b"".join(keccak(seed + i.to_bytes(4, "big"))[:16] for i in range(count))


@dataclass(frozen=True)
class Reverted:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Roles:
    """One authority's role accounts."""

    anchor: str
    status: str
    keys: str

    def by_role(self, role: int) -> str:
        return {ANCHOR: self.anchor, STATUS: self.status, KEYS: self.keys}[role]


@dataclass
class World:
    """The deployed registry and who is who.

    council: three members, threshold 2 (not a dev deployment). Authority 1 (CN-31-DMV,
    driving in region 31) acts through `dmv.anchor`, `dmv.status`, `dmv.keys`; authority 2
    (CN-32-AMR, business in region 32) through `amr.*`; `stranger` has no role. Each
    authority has signing key 1.
    """

    w3: Web3
    registry: Contract
    council: list[str]
    dmv: Roles
    amr: Roles
    stranger: str
    spare: list[str]

    def snapshot(self) -> Any:
        if isinstance(self.w3.provider, EthereumTesterProvider):
            return self.w3.provider.ethereum_tester.take_snapshot()
        return self.w3.provider.make_request("evm_snapshot", [])["result"]

    def revert(self, snapshot: Any) -> None:
        if isinstance(self.w3.provider, EthereumTesterProvider):
            self.w3.provider.ethereum_tester.revert_to_snapshot(snapshot)
        else:
            assert self.w3.provider.make_request("evm_revert", [snapshot])["result"] is True

    @property
    def self_address(self) -> str:
        return self.registry.address

    # ------------------------------------------------------------- sending
    def send(self, fn: Any, sender: str) -> Any:
        """Sends a call as `sender`; returns the receipt (the call must succeed)."""
        receipt = self.w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
        assert receipt.status == 1
        return receipt

    def reverts(self, fn: Any, sender: str) -> Reverted:
        """Sends a call that must revert with a registry custom error; returns it decoded."""
        try:
            fn.transact({"from": sender})
        except (ContractCustomError, TransactionFailed) as error:
            return decode_error(self.registry, revert_data(error))
        raise AssertionError(f"{fn.fn_name} did not revert")

    def call_error(self, fn: Any) -> Reverted:
        """Calls a view that must revert with a registry custom error; returns it decoded."""
        try:
            fn.call()
        except (ContractCustomError, TransactionFailed) as error:
            return decode_error(self.registry, revert_data(error))
        raise AssertionError(f"{fn.fn_name} did not revert")

    def action(self, name: str, *args: Any) -> bytes:
        """Calldata for an onlySelf function, as a proposal carries it."""
        return bytes.fromhex(self.registry.encode_abi(name, args=list(args))[2:])

    def next_proposal(self) -> int:
        return self.registry.functions.proposalCount().call() + 1

    def govern(self, name: str, *args: Any) -> Any:
        """Runs an onlySelf call through the council (propose + threshold - 1 approvals)."""
        fns = self.registry.functions
        proposal_id = self.next_proposal()
        members = fns.councilMembers().call()
        receipt = self.send(fns.propose(self.action(name, *args), 0), members[0])
        for member in members[1:fns.threshold().call()]:
            receipt = self.send(fns.approve(proposal_id), member)
        return receipt

    def govern_reverts(self, name: str, *args: Any) -> Reverted:
        """Proposes an action whose execution must fail; returns the action's own error."""
        fns = self.registry.functions
        proposal_id = self.next_proposal()
        members = fns.councilMembers().call()
        self.send(fns.propose(self.action(name, *args), 0), members[0])
        threshold = fns.threshold().call()
        for member in members[1:threshold - 1]:
            self.send(fns.approve(proposal_id), member)
        failed = self.reverts(fns.approve(proposal_id), members[threshold - 1])
        assert failed.name == "RegistryProposalFailed"
        assert failed.args[0] == proposal_id
        return decode_error(self.registry, failed.args[1])

    # ------------------------------------------------------------- reading
    def events(self, receipt: Any) -> list[tuple[str, dict[str, Any]]]:
        """(name, args) of every log in the receipt, in order."""
        by_topic = {
            keccak(text=_signature(item)): item["name"]
            for item in self.registry.abi
            if item["type"] == "event"
        }
        decoded = []
        for log in receipt.logs:
            assert log.address == self.registry.address
            name = by_topic[bytes(log.topics[0])]
            event = self.registry.events[name]().process_log(log)
            decoded.append((name, dict(event.args)))
        return decoded

    def latest_timestamp(self) -> int:
        return self.w3.eth.get_block("latest").timestamp

    def advance(self, seconds: int) -> None:
        """Makes the next block `seconds` later than the latest (test-only RPC)."""
        target = self.latest_timestamp() + seconds
        if isinstance(self.w3.provider, EthereumTesterProvider):
            self.w3.provider.ethereum_tester.time_travel(target)
        else:
            self.w3.provider.make_request("evm_setNextBlockTimestamp", [target])
            self.w3.provider.make_request("evm_mine", [])

    def authority(self, number: int) -> dict[str, Any]:
        values = self.registry.functions.authority(number).call()
        return dict(zip(AUTHORITY_FIELDS, values, strict=True))


def _signature(item: dict[str, Any]) -> str:
    return f"{item['name']}({','.join(_abi_type(i) for i in item['inputs'])})"


def _abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][5:]}"
    return item["type"]


def revert_data(error: Exception) -> bytes:
    """Raw revert data from web3 (ContractCustomError) or eth-tester (TransactionFailed,
    whose message ends with the Python repr of the revert bytes)."""
    if isinstance(error, ContractCustomError):
        data = error.data if isinstance(error.data, str) else error.args[1]
        return bytes.fromhex(data.removeprefix("0x"))
    message = str(error.args[0])
    literal = message.removeprefix("execution reverted: ")
    value = ast.literal_eval(literal)
    assert isinstance(value, bytes), message
    return value


def decode_error(registry: Contract, data: bytes) -> Reverted:
    for item in registry.abi:
        if item["type"] != "error":
            continue
        selector = function_signature_to_4byte_selector(_signature(item))
        if data[:4] == selector:
            types = [_abi_type(i) for i in item["inputs"]]
            values = abi_decode(types, data[4:])
            return Reverted(
                item["name"],
                tuple(
                    to_checksum_address(v) if t == "address" else v
                    for t, v in zip(types, values, strict=True)
                ),
            )
    raise AssertionError(f"revert data {data.hex()} is no registry error")


def deploy(w3: Web3, council: list[str], threshold: int, sender: str,
           dev: bool = False) -> Contract:
    artifact = load_artifact("LicenceRegistry")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor(council, threshold, dev).transact({"from": sender})
    )
    assert receipt.status == 1
    return w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"])


def role_accounts(roles: Roles) -> list[tuple[str, int]]:
    return [(roles.anchor, ANCHOR), (roles.status, STATUS), (roles.keys, KEYS)]


def registration(authority: CastAuthority, roles: Roles) -> tuple[Any, ...]:
    """registerAuthority's arguments for one authority of the shared cast."""
    return (authority.code, authority.name_zh, authority.name_en, authority.jurisdiction,
            [(authority.licence_type, region(authority.region))], role_accounts(roles))


def build_world(w3: Web3) -> World:
    accounts = list(w3.eth.accounts)
    assert len(accounts) >= ACCOUNTS
    council = accounts[:COUNCIL_SIZE]
    dmv, amr = Roles(*accounts[3:6]), Roles(*accounts[6:9])
    stranger, spare = accounts[9], accounts[10:]
    registry = deploy(w3, council, THRESHOLD, council[0])
    world = World(w3, registry, council, dmv, amr, stranger, spare)
    for authority, roles in ((DMV, dmv), (AMR, amr)):
        world.govern("registerAuthority", *registration(authority, roles))
    fns = registry.functions
    world.send(fns.addKey(compressed_key(1), 0, FAR_FUTURE), dmv.keys)
    world.send(fns.addKey(compressed_key(2), 0, FAR_FUTURE), amr.keys)
    return world


def batch_head(
    head: bytes, licence_type: int, region_: bytes, count: int, anchored_at: int, roots: bytes
) -> bytes:
    """The interface's batchHead formula, recomputed off chain."""
    return keccak(
        head
        + licence_type.to_bytes(1, "big")
        + region_
        + count.to_bytes(4, "big")
        + anchored_at.to_bytes(8, "big")
        + roots
    )


def status_head(
    head: bytes, status: int, until: int, reason_class: int, refs: bytes, successors: bytes
) -> bytes:
    """The interface's statusHead formula, recomputed off chain."""
    return keccak(
        head
        + status.to_bytes(1, "big")
        + until.to_bytes(8, "big")
        + reason_class.to_bytes(1, "big")
        + refs
        + successors
    )
