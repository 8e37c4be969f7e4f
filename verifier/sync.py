"""Bringing the local index up to date before verifying, when the chain node answers.

This is the only part of the verifier that talks to the node: it reads every new
registry event (never asking about a particular licence), so the node cannot tell which
licences are being checked. Every sync ends with the indexer's consistency check at the
synced block, and compares that block's hash on each witness node (`--rpc URL`, or
ELICENCE_WITNESS_RPC_URLS / the `witness_rpc_urls` setting, comma-separated).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence

from chain.config import ConfigError, Settings

log = logging.getLogger("elicence.verifier")
WITNESS_ENV = "ELICENCE_WITNESS_RPC_URLS"


def witness_urls(settings: Settings, given: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> list[str]:
    """The witness node URLs: `given` (--rpc) first, then the environment or setting;
    raises ConfigError for one that is not an http(s) URL."""
    env = os.environ if env is None else env
    listed = env.get(WITNESS_ENV) or str(settings.extra.get("witness_rpc_urls") or "")
    urls: list[str] = []
    for url in [*given, *listed.split(",")]:
        url = url.strip()
        if not url or url in urls:
            continue
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"A witness node must be an http(s) URL, not {url!r} "
                              f"(--rpc or {WITNESS_ENV}).")
        urls.append(url)
    return urls


def sync_index(settings: Settings, *, timeout: float = 3.0,
               witnesses: Sequence[str] = ()) -> None:
    """Syncs settings.index_path from the configured registry and checks it (chain.indexer);
    raises ChainError (or a transport error) when the node or registry cannot be reached.
    A failed consistency check is not an error: it is recorded in the index."""
    from chain.connect import connect
    from chain.indexer import Indexer
    from chain.installation import Installation

    registry = Installation(settings, timeout=timeout).registry()
    settings.ensure_home()
    indexer = Indexer(settings.index_path, registry, start_block=settings.registry_block,
                      confirmations=settings.confirmations,
                      witnesses=[connect(url, timeout=timeout)
                                 for url in witness_urls(settings, witnesses)])
    try:
        indexer.sync()
    finally:
        indexer.close()


def index_refresher(settings: Settings, *, timeout: float = 3.0,
                    witnesses: Sequence[str] = ()) -> Callable[[], None]:
    """A `Verifier(refresh=...)` hook syncing the index from the configured node."""
    return lambda: sync_index(settings, timeout=timeout, witnesses=witnesses)
