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

DRIVING, BUSINESS, PROFESSIONAL = 1, 2, 3
REVOKED, SUSPENDED, REINSTATED, SUPERSEDED = 1, 2, 3, 4
FAR_FUTURE = 2**63  # a unix time no test reaches
AUTHORITY_FIELDS = (
    "id",
    "nameZh",
    "nameEn",
    "jurisdiction",
    "accreditedTypes",
    "suspended",
    "keyCount",
    "batchHead",
    "statusHead",
)


def types_mask(*codes: int) -> int:
    return sum(1 << code for code in codes)


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


@dataclass
class World:
    """The deployed registry and who is who.

    council: three members, threshold 2. authority 1 (CN-31-DMV, driving) acts through
    `dmv`; authority 2 (CN-11-AMR, business) acts through `amr`; `stranger` has no role.
    Each authority has signing key 1.
    """

    w3: Web3
    registry: Contract
    council: list[str]
    dmv: str
    amr: str
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
        """Runs an onlySelf call through the council (propose + one approval)."""
        fns = self.registry.functions
        proposal_id = self.next_proposal()
        self.send(fns.propose(self.action(name, *args)), self.council[0])
        return self.send(fns.approve(proposal_id), self.council[1])

    def govern_reverts(self, name: str, *args: Any) -> Reverted:
        """Proposes an action whose execution must fail; returns the action's own error."""
        fns = self.registry.functions
        proposal_id = self.next_proposal()
        self.send(fns.propose(self.action(name, *args)), self.council[0])
        failed = self.reverts(fns.approve(proposal_id), self.council[1])
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


def deploy(w3: Web3, council: list[str], threshold: int, sender: str) -> Contract:
    artifact = load_artifact("LicenceRegistry")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor(council, threshold).transact({"from": sender})
    )
    assert receipt.status == 1
    return w3.eth.contract(address=receipt.contractAddress, abi=artifact["abi"])


def build_world(w3: Web3) -> World:
    accounts = list(w3.eth.accounts)
    council, (dmv, amr, stranger), spare = accounts[:3], accounts[3:6], accounts[6:]
    registry = deploy(w3, council, 2, council[0])
    world = World(w3, registry, council, dmv, amr, stranger, spare)
    world.govern(
        "registerAuthority",
        "CN-31-DMV",
        "上海市公安局交通警察总队",
        "Shanghai Traffic Police",
        "CN-31",
        types_mask(DRIVING),
        [dmv],
    )
    world.govern(
        "registerAuthority",
        "CN-11-AMR",
        "北京市市场监督管理局",
        "Beijing Administration for Market Regulation",
        "CN-11",
        types_mask(BUSINESS),
        [amr],
    )
    fns = registry.functions
    world.send(fns.addKey(compressed_key(1), 0, FAR_FUTURE), dmv)
    world.send(fns.addKey(compressed_key(2), 0, FAR_FUTURE), amr)
    return world


def batch_head(head: bytes, licence_type: int, count: int, anchored_at: int, roots: bytes) -> bytes:
    """The interface's batchHead formula, recomputed off chain."""
    return keccak(
        head
        + licence_type.to_bytes(1, "big")
        + count.to_bytes(4, "big")
        + anchored_at.to_bytes(8, "big")
        + roots
    )


def status_head(
    head: bytes, status: int, until: int, reason: int, refs: bytes, successors: bytes
) -> bytes:
    """The interface's statusHead formula, recomputed off chain."""
    return keccak(
        head
        + status.to_bytes(1, "big")
        + until.to_bytes(8, "big")
        + reason.to_bytes(2, "big")
        + refs
        + successors
    )
