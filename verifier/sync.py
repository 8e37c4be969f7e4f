"""Bringing the local index up to date before verifying, when the chain node answers.

This is the only part of the verifier that talks to the node: it reads every new
registry event (never asking about a particular licence), so the node cannot tell which
licences are being checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from chain.config import Settings

log = logging.getLogger("elicence.verifier")


def sync_index(settings: Settings, *, timeout: float = 3.0) -> None:
    """Syncs settings.index_path from the configured registry; raises ChainError (or a
    transport error) when the node or registry cannot be reached."""
    from chain.indexer import Indexer
    from chain.installation import Installation

    registry = Installation(settings, timeout=timeout).registry()
    settings.ensure_home()
    indexer = Indexer(settings.index_path, registry, start_block=settings.registry_block,
                      confirmations=settings.confirmations)
    try:
        indexer.sync()
    finally:
        indexer.close()


def index_refresher(settings: Settings, *, timeout: float = 3.0) -> Callable[[], None]:
    """A `Verifier(refresh=...)` hook syncing the index from the configured node."""
    return lambda: sync_index(settings, timeout=timeout)
