"""Signing transactions locally and sending them raw, many in flight from one account.

Production nodes hold no accounts, so nothing here uses eth_sendTransaction: each
transaction is signed by a LocalAccount and sent with eth_sendRawTransaction. Nonces follow
one discipline per account (chain.nonce_lock): chosen from the node's pending count while
holding the account's lock, which is kept until the node has the transaction.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import (
    TransactionNotFound,
    Web3RPCError,
)

from chain.errors import (
    ChainError,
    NodeError,
    NonceUsed,
    TransactionDropped,
    TransactionFailed,
    TransactionTimeout,
)
from chain.nonce_lock import nonce_lock
from chain.reverts import RevertDecoder, revert_data

# How nodes say a nonce was already used (geth/anvil, Besu, eth-tester).
_STALE_NONCE = ("nonce too low", "nonce_too_low", "invalid transaction nonce")


@dataclass(frozen=True)
class FeePolicy:
    """How to price transactions.

    gas_price None: ask the node (EIP-1559 fees when blocks carry a base fee, else the
    legacy gas price). gas_price 0 (or any fixed value): legacy transactions at that price,
    for permissioned networks that run with free gas.
    """

    gas_price: int | None = None
    gas_headroom: float = 1.25  # estimates can be short when state changes before mining
    gas_extra: int = 10_000


@dataclass(frozen=True)
class PreparedTx:
    raw: bytes
    tx_hash: str
    nonce: int


@dataclass(frozen=True)
class WaitPolicy:
    confirmations: int = 1  # wait until head - block + 1 >= confirmations
    timeout: float = 120.0
    poll_interval: float = 0.05
    dropped_after: float = 3.0  # not mined and unknown to the node for this long


class Sender:
    """Sends transactions from one local account, many in flight.

    A nonce is chosen while holding the account's lock (`sending()`): the node's pending
    count, or one past the last nonce this sender signed when the node has not seen that
    one yet (write-ahead: signed and recorded, then sent). With `nonce_locks` (a directory,
    the installation's home/locks) the lock is shared by every process using it, so the
    claim server and the command line never choose the same nonce.
    """

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        decoder: RevertDecoder,
        *,
        fees: FeePolicy | None = None,
        wait: WaitPolicy | None = None,
        nonce_locks: Path | None = None,
    ) -> None:
        self.w3 = w3
        self.account = account
        self.decoder = decoder
        self.fees = fees or FeePolicy()
        self.wait_policy = wait or WaitPolicy()
        self.nonce_locks = nonce_locks
        self._next_nonce: int | None = None
        self._chain_id: int | None = None

    @property
    def address(self) -> str:
        return self.account.address

    # ------------------------------------------------------------------ sending
    def sending(self) -> AbstractContextManager[None]:
        """Holds the account from choosing a nonce until the node has the transaction:
        wrap prepare → record → send_raw in it (write-ahead). `submit` takes it itself.
        Re-entrant within a thread."""
        return nonce_lock(self.nonce_locks, self.address).held()

    def prepare(self, to: str, data: bytes) -> PreparedTx:
        """Estimates, prices and signs a transaction without sending it, so the caller can
        store it first (write-ahead) and send the very same bytes again after a crash.
        Call it inside `sending()` and send before leaving, or another sender may take its
        nonce."""
        tx: dict[str, Any] = {"from": self.address, "to": to, "data": data, "value": 0}
        tx["gas"] = self._estimate(tx)
        tx.update(self._fee_fields())
        tx["chainId"] = self._get_chain_id()
        del tx["from"]
        with self.sending():
            nonce = self._take_nonce()
        signed = self.account.sign_transaction({**tx, "nonce": nonce})
        return PreparedTx(bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex(), nonce)

    def send_raw(self, raw: bytes, nonce: int | None = None) -> str:
        """Sends a prepared transaction; sending one the node already has, or has mined, is
        not an error. Raises NonceUsed when its nonce went to another transaction."""
        tx_hash = "0x" + bytes(self.w3.keccak(raw)).hex()
        with self.sending():
            try:
                return "0x" + bytes(self.w3.eth.send_raw_transaction(raw)).hex()
            except Exception as exc:
                text = str(exc).lower()
                if "already known" in text or "already imported" in text:
                    return tx_hash
                self._next_nonce = None
                if any(s in text for s in _STALE_NONCE):
                    # Another process resending our recorded bytes (recovery) may have got
                    # them mined first: then the nonce went to this very transaction.
                    if self._known(tx_hash):
                        return tx_hash
                    raise NonceUsed(-1 if nonce is None else nonce) from exc
                if isinstance(exc, Web3RPCError):
                    raise _node_refused(exc) from exc
                raise

    def mined_nonce(self) -> int:
        """How many of this account's transactions are mined (the next nonce to be mined)."""
        return int(self.w3.eth.get_transaction_count(self.address, "latest"))

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        receipt = self._receipt(tx_hash)
        return None if receipt is None else dict(receipt)

    def submit(self, to: str | None, data: bytes, *, gas: int | None = None) -> str:
        """Estimates gas, signs and sends; returns the transaction hash without waiting."""
        tx: dict[str, Any] = {"from": self.address, "data": data, "value": 0}
        if to is not None:
            tx["to"] = to
        if gas is None:
            gas = self._estimate(tx)
        tx["gas"] = gas
        tx.update(self._fee_fields())
        tx["chainId"] = self._get_chain_id()
        del tx["from"]
        for attempt in range(2):
            with self.sending():
                nonce = self._take_nonce()
                signed = self.account.sign_transaction({**tx, "nonce": nonce})
                try:
                    raw = self.w3.eth.send_raw_transaction(signed.raw_transaction)
                    return "0x" + bytes(raw).hex()
                except Exception as exc:
                    # Whatever happened, the nonce may not have been used: ask the node again.
                    self._next_nonce = None
                    text = str(exc).lower()
                    if "already known" in text:
                        return "0x" + bytes(signed.hash).hex()
                    # Only a sender outside this installation's lock can take our nonce.
                    if attempt == 0 and any(s in text for s in _STALE_NONCE):
                        continue
                    if isinstance(exc, Web3RPCError):
                        raise _node_refused(exc) from exc
                    raise
        raise AssertionError("unreachable")

    def send(self, to: str | None, data: bytes, *, gas: int | None = None) -> dict[str, Any]:
        """Submits and waits for the receipt (see `wait`)."""
        return self.wait(self.submit(to, data, gas=gas))

    def wait(self, tx_hash: str, policy: WaitPolicy | None = None) -> dict[str, Any]:
        """Waits until the transaction has `confirmations` blocks; returns its receipt.

        Raises TransactionTimeout, TransactionDropped, or ContractReverted/TransactionFailed
        when it was mined but failed.
        """
        policy = policy or self.wait_policy
        deadline = time.monotonic() + policy.timeout
        unknown_since: float | None = None
        while True:
            receipt = self._receipt(tx_hash)
            if receipt is None:
                if self._known(tx_hash):
                    unknown_since = None
                else:
                    unknown_since = unknown_since or time.monotonic()
                    if time.monotonic() - unknown_since >= policy.dropped_after:
                        raise TransactionDropped(tx_hash)
            else:
                head = self.w3.eth.block_number
                if head - receipt["blockNumber"] + 1 >= policy.confirmations:
                    if receipt["status"] != 1:
                        raise self._failure(tx_hash, receipt)
                    return dict(receipt)
            if time.monotonic() >= deadline:
                raise TransactionTimeout(tx_hash, policy.timeout, policy.confirmations)
            time.sleep(policy.poll_interval)

    # ------------------------------------------------------------------ helpers
    def _estimate(self, tx: dict[str, Any]) -> int:
        try:
            estimate = self.w3.eth.estimate_gas(tx)
        except Exception as exc:
            data = revert_data(exc)
            if data is None:
                raise
            raise self.decoder.decode(data) from exc
        return int(estimate * self.fees.gas_headroom) + self.fees.gas_extra

    def _fee_fields(self) -> dict[str, int]:
        if self.fees.gas_price is not None:
            return {"gasPrice": self.fees.gas_price}
        base_fee = self.w3.eth.get_block("latest").get("baseFeePerGas")
        if not base_fee:
            # Pre-London chains, and free-gas permissioned networks (base fee 0): the
            # node's gas price, which such networks report as 0.
            return {"gasPrice": self.w3.eth.gas_price}
        try:
            tip = self.w3.eth.max_priority_fee
        except (Web3RPCError, ValueError):
            tip = 0  # some permissioned nodes lack eth_maxPriorityFeePerGas
        # Twice the base fee survives several full blocks of base-fee growth.
        return {"maxFeePerGas": 2 * base_fee + tip, "maxPriorityFeePerGas": tip}

    def _take_nonce(self) -> int:
        """The next nonce; only while holding `sending()`. The node's pending count covers
        what every sender has sent; the local count what this one signed and not sent yet."""
        pending = int(self.w3.eth.get_transaction_count(self.address, "pending"))
        nonce = pending if self._next_nonce is None else max(pending, self._next_nonce)
        self._next_nonce = nonce + 1
        return nonce

    def _get_chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self.w3.eth.chain_id
        return self._chain_id

    def _receipt(self, tx_hash: str) -> Any:
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return None

    def _known(self, tx_hash: str) -> bool:
        try:
            self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return False
        return True

    def _failure(self, tx_hash: str, receipt: Any) -> ChainError:
        """Replays a failed transaction at its block to recover the revert reason."""
        tx = self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        call = {"from": tx["from"], "data": tx["input"], "value": tx["value"], "gas": tx["gas"]}
        if tx.get("to"):
            call["to"] = tx["to"]
        try:
            self.w3.eth.call(call, receipt["blockNumber"] - 1)  # type: ignore[arg-type]
        except Exception as exc:
            data = revert_data(exc)
            if data is not None:
                return self.decoder.decode(data)
            if not isinstance(exc, Web3RPCError | ValueError):
                raise
        return TransactionFailed(tx_hash, receipt["blockNumber"])


def _node_refused(exc: Web3RPCError) -> NodeError:
    return NodeError(f"The node refused the transaction ({exc}): check the account's "
                     "balance and the network's gas settings.")
