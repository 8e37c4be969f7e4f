"""Typed chain errors: a stable ``reason`` code for programs, one plain sentence for people.

Reason codes are API: add new ones, never change or reuse existing ones.
"""

from __future__ import annotations

from typing import Any

from licence.errors import ElicenceError


class ChainError(ElicenceError):
    """Base of every error raised by the chain layer."""

    reason = "chain_error"


class NodeUnreachable(ChainError):
    reason = "node_unreachable"

    def __init__(self, url: str) -> None:
        super().__init__(
            f"Cannot reach the chain node at {url}: start it with `elicence node start` "
            "or check ELICENCE_RPC_URL.",
            url=url,
        )


class WrongChain(ChainError):
    reason = "wrong_chain_id"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"The node is on chain id {actual} but the registry is configured for chain id "
            f"{expected}: point ELICENCE_RPC_URL at the right network.",
            expected=expected,
            actual=actual,
        )


class NoContract(ChainError):
    reason = "no_contract"

    def __init__(self, address: str) -> None:
        super().__init__(
            f"There is no contract at {address} on this chain: check the registry address "
            "or deploy the registry first.",
            address=address,
        )


class ContractReverted(ChainError):
    """The registry refused a call; ``error`` is the Solidity error name, ``args`` its values."""

    reason = "reverted"

    def __init__(self, message: str, error: str = "", args: dict[str, Any] | None = None) -> None:
        super().__init__(message, error=error, args=args or {})
        self.error = error
        self.args_by_name = args or {}


class TransactionDropped(ChainError):
    reason = "tx_dropped"

    def __init__(self, tx_hash: str) -> None:
        super().__init__(
            f"Transaction {tx_hash} was dropped by the node before it was mined: send it again.",
            tx_hash=tx_hash,
        )


class TransactionTimeout(ChainError):
    reason = "tx_timeout"

    def __init__(self, tx_hash: str, seconds: float, confirmations: int) -> None:
        super().__init__(
            f"Transaction {tx_hash} did not reach {confirmations} confirmation(s) within "
            f"{seconds:g} s: check that the node is producing blocks, then wait or resend.",
            tx_hash=tx_hash,
            seconds=seconds,
            confirmations=confirmations,
        )


class TransactionFailed(ChainError):
    """Mined but failed without a decodable reason (e.g. out of gas)."""

    reason = "tx_failed"

    def __init__(self, tx_hash: str, block: int) -> None:
        super().__init__(
            f"Transaction {tx_hash} failed in block {block} without a reason: check its gas "
            "limit and the registry address.",
            tx_hash=tx_hash,
            block=block,
        )


class NodeError(ChainError):
    """The node answered with an error we have no better words for."""

    reason = "node_error"


class NonceUsed(NodeError):
    """A prepared transaction's nonce was used by another transaction of the same account
    (another process sent from it): this transaction can never be mined."""

    reason = "nonce_used"

    def __init__(self, nonce: int) -> None:
        super().__init__(
            f"Nonce {nonce} of this account was used by another transaction: prepare the "
            "transaction again.", nonce=nonce)


class IndexIntegrityError(ChainError):
    """The local index disagrees with the chain's committed heads."""

    reason = "index_integrity"


class ReorgTooDeep(ChainError):
    reason = "reorg_too_deep"

    def __init__(self, oldest: int) -> None:
        super().__init__(
            "The chain was reorganised below the oldest block the index remembers "
            f"({oldest}): rebuild the index from the registry deployment block.",
            oldest=oldest,
        )


class NodeControlError(ChainError):
    """The local node could not be started or stopped."""

    reason = "node_control"
