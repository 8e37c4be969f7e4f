"""The registry client: deploy, typed reads, and one write per registry function.

Writes are signed by the client's LocalAccount (see chain.transactions). Governance
changes are proposed as calldata built by the `action_*` helpers:

    action = registry.action_register_authority(
        "CN-31-DMV", "上海市公安局交通管理局", "Shanghai Traffic Police", "CN-31",
        scopes=[Scope(DRIVING, "31")],
        accounts=[(anchor_addr, Role.ANCHOR), (status_addr, Role.STATUS), (keys_addr, Role.KEYS)])
    result = registry.propose(action)                      # proposal id in the result
    registry.as_account(second_member).approve(result.proposal_id)

Role-account writes (anchor, set_status, add_key…) must be sent from an account holding
that role (docs/decisions/0110-roles-and-bounded-powers.md); the registry refuses others
with RegistryMissingRole, decoded into a sentence naming the role.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3 import Web3

from chain.connect import connect
from chain.errors import ChainError, NoContract
from chain.events import EventDecoder
from chain.records import (
    AccountRecord,
    AuthorityRecord,
    KeyRecord,
    ProposalRecord,
    Scope,
    TxResult,
    decode_region,
    encode_region,
)
from chain.reverts import RevertDecoder, revert_data
from chain.transactions import FeePolicy, PreparedTx, Sender, WaitPolicy
from licence.vocabulary import ReasonClass, Role, StatusCode

REF_SIZE = 16  # status references, successors and batch roots are 16 bytes
MAX_ROOTS = 16  # per anchor (LicenceRegistry.MAX_ROOTS)
MAX_REFS = 256  # per status change (LicenceRegistry.MAX_REFS)


@dataclass(frozen=True)
class ProposalResult(TxResult):
    proposal_id: int = 0
    executed: bool = False


def load_registry_artifact() -> dict[str, Any]:
    """The compiled LicenceRegistry (abi, bytecode) from contracts/build."""
    from chain.solc import load_artifact  # written by the contracts part

    return load_artifact("LicenceRegistry")


def pack16(values: Sequence[bytes], what: str) -> bytes:
    """Packs 16-byte values (roots, refs) as the registry expects them."""
    for value in values:
        if len(value) != REF_SIZE:
            raise ChainError(
                f"Each {what} must be exactly 16 bytes, got {len(value)}: check the input.",
            )
    return b"".join(values)


def _check_refs(refs: Sequence[bytes]) -> None:
    if not 1 <= len(refs) <= MAX_REFS:
        raise ChainError(
            f"A status change names 1 to {MAX_REFS} references, got {len(refs)}: send it in "
            "parts.",
        )


@dataclass(frozen=True)
class AuditAnchor:
    """One AuditAnchored event: the audit log's head after its first `count` entries."""

    head: bytes
    count: int
    tx_hash: str
    block_number: int


class Registry:
    """A LicenceRegistry at `address`, reached through `w3`, sending as `account`."""

    def __init__(
        self,
        w3: Web3,
        address: str,
        *,
        account: LocalAccount | None = None,
        artifact: dict[str, Any] | None = None,
        fees: FeePolicy | None = None,
        wait: WaitPolicy | None = None,
        check_code: bool = True,
        nonce_locks: Path | None = None,
    ) -> None:
        """`nonce_locks`: the directory of per-account lock files shared by every process
        of the installation (its home/locks), so they never choose the same nonce; None
        keeps the discipline within this process only (chain.nonce_lock)."""
        self.w3 = w3
        self.address = to_checksum_address(address)
        self.artifact = artifact or load_registry_artifact()
        self.abi = self.artifact["abi"]
        self.contract = w3.eth.contract(address=self.address, abi=self.abi)
        self.reverts = RevertDecoder(self.abi)
        self.events = EventDecoder(self.abi)
        self.fees = fees or FeePolicy()
        self.wait_policy = wait or WaitPolicy()
        self.account = account
        self.nonce_locks = nonce_locks
        # Shared by every `as_account` view so each account keeps one nonce counter.
        self._senders: dict[str, Sender] = {}
        if check_code and not w3.eth.get_code(self.address):
            raise NoContract(self.address)

    # ------------------------------------------------------------------ setup
    @classmethod
    def connect(
        cls,
        endpoint: str | Web3,
        address: str,
        *,
        expected_chain_id: int | None = None,
        **options: Any,
    ) -> Registry:
        return cls(connect(endpoint, expected_chain_id=expected_chain_id), address, **options)

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        account: LocalAccount,
        council: Sequence[str],
        threshold: int,
        *,
        dev: bool = False,
        **options: Any,
    ) -> tuple[Registry, TxResult]:
        """Deploys a registry with `council` members and an M-of-N `threshold` (at least 2
        and more than half the council, unless `dev`: a single-machine set-up)."""
        artifact = options.pop("artifact", None) or load_registry_artifact()
        sender = Sender(
            w3, account, RevertDecoder(artifact["abi"]),
            fees=options.get("fees"), wait=options.get("wait"),
            nonce_locks=options.get("nonce_locks"),
        )
        code = bytes.fromhex(artifact["bytecode"].removeprefix("0x"))
        args = abi_encode(["address[]", "uint8", "bool"], [list(council), threshold, dev])
        receipt = sender.send(None, code + args)
        registry = cls(w3, receipt["contractAddress"], account=account, artifact=artifact,
                       **options)
        registry._senders[account.address] = sender
        return registry, registry._result(receipt)

    def as_account(self, account: LocalAccount) -> Registry:
        """The same registry, sending as `account` (nonce counters are shared)."""
        view = object.__new__(Registry)
        view.__dict__.update(self.__dict__)
        view.account = account
        return view

    # ------------------------------------------------------------------ reads
    def threshold(self) -> int:
        return int(self._call("threshold"))

    def council_members(self) -> list[str]:
        return [to_checksum_address(a) for a in self._call("councilMembers")]

    def proposal(self, proposal_id: int) -> ProposalRecord:
        proposer, action, approvals, executed, cancelled, created, expires = self._call(
            "proposal", proposal_id)
        return ProposalRecord(proposal_id, to_checksum_address(proposer), bytes(action),
                              int(approvals), bool(executed), bool(cancelled), int(created),
                              int(expires))

    def dev(self) -> bool:
        """Whether this is a dev deployment (threshold rule relaxed to 1 <= M <= N)."""
        return bool(self._call("dev"))

    def is_council_member(self, account: str) -> bool:
        return bool(self._call("isCouncilMember", to_checksum_address(account)))

    def proposal_count(self) -> int:
        return int(self._call("proposalCount"))

    def has_approved(self, proposal_id: int, member: str) -> bool:
        return bool(self._call("hasApproved", proposal_id, to_checksum_address(member)))

    def authority_by_id(self, ident: str) -> int:
        """The authority number registered under `ident`; 0 when none."""
        return int(self._call("authorityById", ident))

    def authority_count(self, block: int | str = "latest") -> int:
        return int(self._call("authorityCount", block=block))

    def authority_account(self, account: str) -> AccountRecord:
        """The authority an account acts for (0: none) and the roles it holds there."""
        number, roles = self._call("authorityAccount", to_checksum_address(account))
        return AccountRecord(int(number), Role(int(roles)))

    def authority(self, number: int, block: int | str = "latest") -> AuthorityRecord:
        values = self._call("authority", number, block=block)
        ident, name_zh, name_en, jurisdiction, suspended, grace, keys, bhead, shead = values
        return AuthorityRecord(number, ident, name_zh, name_en, jurisdiction, bool(suspended),
                               int(grace), int(keys), bytes(bhead), bytes(shead),
                               self.scopes(number, block=block))

    def scopes(self, number: int, block: int | str = "latest") -> tuple[Scope, ...]:
        """The (licence type, region) scopes the authority holds now."""
        return tuple(Scope(int(t), decode_region(r))
                     for t, r in self._call("scopes", number, block=block))

    def scope(self, number: int, licence_type: int, region: str) -> tuple[bool, int]:
        """(enabled, grace date given when it was last removed) of one scope."""
        enabled, grace = self._call("scope", number, licence_type, encode_region(region))
        return bool(enabled), int(grace)

    def key(self, authority: int, key_id: int) -> KeyRecord:
        public_key, valid_from, valid_until, compromised_at = self._call("key", authority, key_id)
        return KeyRecord(authority, key_id, bytes(public_key), int(valid_from), int(valid_until),
                         int(compromised_at) or None)

    # ------------------------------------------------------------------ governance
    def propose(self, action: bytes, *, lifetime: int = 0) -> ProposalResult:
        """Proposes (and approves) `action`; it expires after `lifetime` seconds (0: the
        registry's default of 7 days; at most 30 days)."""
        return self._proposal_result(self._send("propose", action, lifetime))

    def approve(self, proposal_id: int) -> ProposalResult:
        result = self._proposal_result(self._send("approve", proposal_id))
        return ProposalResult(**{**result.__dict__, "proposal_id": proposal_id})

    def cancel(self, proposal_id: int) -> TxResult:
        """Withdraws a proposal this account made."""
        return self._send("cancel", proposal_id)

    def action_add_council_member(self, account: str) -> bytes:
        return self._encode("addCouncilMember", to_checksum_address(account))

    def action_remove_council_member(self, account: str) -> bytes:
        return self._encode("removeCouncilMember", to_checksum_address(account))

    def action_set_threshold(self, threshold: int) -> bytes:
        return self._encode("setThreshold", threshold)

    def action_register_authority(
        self,
        id: str,
        name_zh: str,
        name_en: str,
        jurisdiction: str,
        *,
        scopes: Sequence[Scope] = (),
        accounts: Sequence[tuple[str, Role]] = (),
    ) -> bytes:
        """Registers an authority with its scopes and role accounts (address, roles)."""
        return self._encode(
            "registerAuthority", id, name_zh, name_en, jurisdiction,
            [scope.encoded() for scope in scopes],
            [(to_checksum_address(a), int(roles)) for a, roles in accounts])

    def action_set_scope(self, authority: int, scope: Scope, enabled: bool, *,
                         grace_until: int = 0) -> bytes:
        """Adds a scope, or removes it: licences anchored under it before the removal stay
        valid (with a warning) until `grace_until`, then are invalid."""
        licence_type, region = scope.encoded()
        return self._encode("setScope", authority, licence_type, region, enabled,
                            0 if enabled else grace_until)

    def action_suspend_authority(self, authority: int, *, grace_until: int = 0) -> bytes:
        """Suspends an authority: licences it anchored before stay valid (with a warning)
        until `grace_until`, then are invalid while the suspension lasts."""
        return self._encode("suspendAuthority", authority, grace_until)

    def action_reinstate_authority(self, authority: int) -> bytes:
        return self._encode("reinstateAuthority", authority)

    def action_set_authority_account(self, authority: int, account: str, roles: Role) -> bytes:
        """Gives `account` exactly `roles` for the authority; Role(0) removes it."""
        return self._encode("setAuthorityAccount", authority, to_checksum_address(account),
                            int(roles))

    def action_set_status(
        self,
        authority: int,
        status: int,
        refs: Sequence[bytes],
        *,
        until: int = 0,
        reason_class: int = ReasonClass.COUNCIL_WITHDRAWN,
        successors: Sequence[bytes] = (),
    ) -> bytes:
        """The council changes the status of any authority's licences."""
        _check_refs(refs)
        return self._encode("councilSetStatus", authority, status, until, reason_class,
                            pack16(refs, "status reference"), pack16(successors, "successor"))

    def action_withdraw_batches(self, authority: int, roots: Sequence[bytes]) -> bytes:
        """The council withdraws whole batches of an authority, named by their anchored roots:
        every licence under them is invalid from then on."""
        _check_refs(roots)
        return self._encode("councilSetStatus", authority, StatusCode.BATCH_WITHDRAWN, 0,
                            ReasonClass.COUNCIL_WITHDRAWN, pack16(roots, "batch root"), b"")

    def action_set_key_compromised(self, authority: int, key_id: int, at: int) -> bytes:
        """Marks a key compromised from `at` (may be in the past); 0 clears a mistaken mark."""
        return self._encode("councilSetKeyCompromised", authority, key_id, at)

    def action_set_key_valid_until(self, authority: int, key_id: int, valid_until: int) -> bytes:
        """Ends a key's validity at any time after its start, past included (or back again)."""
        return self._encode("councilSetKeyValidUntil", authority, key_id, valid_until)

    # ------------------------------------------------------------------ role accounts
    def add_key(self, public_key: bytes, valid_from: int, valid_until: int) -> TxResult:
        """KEYS. Registers a signing key; the new key id is in `result.event("KeyAdded")`."""
        return self._send("addKey", public_key, valid_from, valid_until)

    def set_key_valid_until(self, key_id: int, valid_until: int) -> TxResult:
        """KEYS. Shortens a key's validity to `valid_until`, no earlier than now."""
        return self._send("setKeyValidUntil", key_id, valid_until)

    def mark_key_compromised(self, key_id: int) -> TxResult:
        """KEYS. Stops trusting a key from the current block on (back-dating is the
        council's: action_set_key_compromised)."""
        return self._send("markKeyCompromised", key_id)

    def anchor(self, licence_type: int, region: str, count: int,
               roots: Sequence[bytes]) -> TxResult:
        """ANCHOR. Anchors one batch issued under the scope (licence_type, region): 1..16
        subtree roots of 16 bytes covering `count` licences."""
        return self.wait(self.submit_anchor(licence_type, region, count, roots))

    def anchor_audit(self, head: bytes, count: int) -> TxResult:
        """ANCHOR. Records the head of the authority's audit log after `count` entries
        (event AuditAnchored; the registry stores nothing)."""
        return self._send("anchorAudit", head, count)

    def audit_anchors(self, authority: int, *, from_block: int = 0) -> list[AuditAnchor]:
        """The audit heads anchored by `authority`, oldest first, read from the events."""
        topic = "0x" + abi_encode(["uint32"], [authority]).hex()
        logs = self.w3.eth.get_logs({
            "address": self.address, "fromBlock": from_block, "toBlock": "latest",
            "topics": ["0x" + self.events.topic("AuditAnchored").hex(), topic]})
        anchors = []
        for log in logs:
            event = self.events.decode(log)
            if event is not None:
                anchors.append(AuditAnchor(
                    head=bytes(event.args["head"]), count=int(event.args["count"]),
                    tx_hash="0x" + bytes(log["transactionHash"]).hex(),
                    block_number=int(log["blockNumber"])))
        return anchors

    def submit_anchor(
        self, licence_type: int, region: str, count: int, roots: Sequence[bytes], *,
        gas: int | None = None,
    ) -> str:
        """Like `anchor` without waiting: returns the tx hash for `wait`. A given `gas`
        skips estimation (bulk jobs)."""
        return self._sender().submit(
            self.address, self._anchor_data(licence_type, region, count, roots), gas=gas)

    def prepare_anchor(self, licence_type: int, region: str, count: int,
                       roots: Sequence[bytes]) -> PreparedTx:
        """A signed, unsent anchor transaction (see Sender.prepare: write-ahead)."""
        return self._sender().prepare(
            self.address, self._anchor_data(licence_type, region, count, roots))

    def prepare_set_status(
        self,
        status: int,
        refs: Sequence[bytes],
        *,
        until: int = 0,
        reason_class: int = ReasonClass.OTHER,
        successors: Sequence[bytes] = (),
    ) -> PreparedTx:
        return self._sender().prepare(
            self.address, self._status_data(status, refs, until, reason_class, successors))

    def sending(self) -> AbstractContextManager[None]:
        """Holds the account from `prepare_*` until `send_raw` (see Sender.sending)."""
        return self._sender().sending()

    def send_raw(self, raw: bytes, nonce: int | None = None) -> str:
        return self._sender().send_raw(raw, nonce)

    def receipt(self, tx_hash: str) -> TxResult | None:
        """The transaction's result if it is mined (no confirmation wait), else None."""
        receipt = self._sender().receipt(tx_hash)
        return None if receipt is None else self._result(receipt)

    def mined_nonce(self) -> int:
        return self._sender().mined_nonce()

    def set_status(
        self,
        status: int,
        refs: Sequence[bytes],
        *,
        until: int = 0,
        reason_class: int = ReasonClass.OTHER,
        successors: Sequence[bytes] = (),
    ) -> TxResult:
        """STATUS. Changes the status of up to MAX_REFS of the caller's licences
        (1 revoked, 2 suspended until `until`, 3 reinstated, 4 superseded by `successors`,
        one per ref) with one public reason class."""
        return self.wait(self.submit_set_status(status, refs, until=until,
                                                reason_class=reason_class,
                                                successors=successors))

    def submit_set_status(
        self,
        status: int,
        refs: Sequence[bytes],
        *,
        until: int = 0,
        reason_class: int = ReasonClass.OTHER,
        successors: Sequence[bytes] = (),
        gas: int | None = None,
    ) -> str:
        """Like `set_status` without waiting; a given `gas` skips estimation."""
        return self._sender().submit(
            self.address, self._status_data(status, refs, until, reason_class, successors),
            gas=gas)

    def wait(self, tx_hash: str, wait: WaitPolicy | None = None) -> TxResult:
        """Waits for a transaction sent with a `submit_*` method."""
        return self._result(self._sender().wait(tx_hash, wait))

    # ------------------------------------------------------------------ internals
    def _anchor_data(self, licence_type: int, region: str, count: int,
                     roots: Sequence[bytes]) -> bytes:
        if not 1 <= len(roots) <= MAX_ROOTS:
            raise ChainError(
                f"A batch has 1 to {MAX_ROOTS} roots, got {len(roots)}: split the batch.",
            )
        return self._encode("anchor", licence_type, encode_region(region), count,
                            pack16(roots, "batch root"))

    def _status_data(self, status: int, refs: Sequence[bytes], until: int, reason_class: int,
                     successors: Sequence[bytes]) -> bytes:
        _check_refs(refs)
        return self._encode("setStatus", status, until, reason_class,
                            pack16(refs, "status reference"), pack16(successors, "successor"))

    def _encode(self, function: str, *args: Any) -> bytes:
        return bytes.fromhex(self.contract.encode_abi(function, args=args).removeprefix("0x"))

    def _call(self, function: str, *args: Any, block: int | str = "latest") -> Any:
        try:
            return getattr(self.contract.functions, function)(*args).call(
                block_identifier=block)
        except Exception as exc:
            data = revert_data(exc)
            if data is None:
                raise
            raise self.reverts.decode(data) from exc

    def _sender(self) -> Sender:
        if self.account is None:
            raise ChainError(
                "This registry client has no signing account: load the authority or council "
                "key first.",
            )
        sender = self._senders.get(self.account.address)
        if sender is None:
            sender = Sender(self.w3, self.account, self.reverts, fees=self.fees,
                            wait=self.wait_policy, nonce_locks=self.nonce_locks)
            self._senders[self.account.address] = sender
        return sender

    def _submit(self, function: str, *args: Any, gas: int | None = None) -> str:
        return self._sender().submit(self.address, self._encode(function, *args), gas=gas)

    def _send(self, function: str, *args: Any) -> TxResult:
        return self.wait(self._submit(function, *args))

    def _result(self, receipt: dict[str, Any]) -> TxResult:
        events = tuple(
            ev for log in receipt["logs"]
            if log["address"] == self.address and (ev := self.events.decode(log)) is not None
        )
        return TxResult(
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            block_hash="0x" + bytes(receipt["blockHash"]).hex(),
            gas_used=int(receipt["gasUsed"]),
            events=events,
        )

    @staticmethod
    def _proposal_result(result: TxResult) -> ProposalResult:
        ids = [ev.args["proposalId"] for ev in result.events if ev.name == "ProposalApproved"]
        executed = any(ev.name == "ProposalExecuted" for ev in result.events)
        return ProposalResult(**result.__dict__, proposal_id=ids[0] if ids else 0,
                              executed=executed)
