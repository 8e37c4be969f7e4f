"""The web3 layer: registry client, local node control and the event index.

Re-exports the public names; each is imported on first use, so a verifier that only
reads the index (chain.index) never loads web3.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "connect": "chain.connect",
    "Registry": "chain.registry",
    "ProposalResult": "chain.registry",
    "FeePolicy": "chain.transactions",
    "WaitPolicy": "chain.transactions",
    "Sender": "chain.transactions",
    "Indexer": "chain.indexer",
    "SyncReport": "chain.indexer",
    "LicenceIndex": "chain.index",
    "IndexState": "chain.index",
    "BatchInfo": "chain.index",
    "StatusInfo": "chain.index",
    "IndexedAuthority": "chain.index",
    "ScopeChange": "chain.index",
    "SuspensionInfo": "chain.index",
    "WithdrawnBatch": "chain.index",
    "Scope": "chain.records",
    "AccountRecord": "chain.records",
    "LocalNode": "chain.node",
    "NodeStatus": "chain.node",
    "AuthorityRecord": "chain.records",
    "KeyRecord": "chain.records",
    "ProposalRecord": "chain.records",
    "TxResult": "chain.records",
    "Event": "chain.records",
    "ChainError": "chain.errors",
    "ContractReverted": "chain.errors",
    "NodeUnreachable": "chain.errors",
    "IndexIntegrityError": "chain.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'chain' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
