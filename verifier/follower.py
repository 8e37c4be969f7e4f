"""The status follower: a background thread keeping the status index in step with the chain.

`elicence serve` runs one follower (in the server's main process); the request handlers
only read the index, so a verification never waits for, or talks to, the chain node. When
the node is away the follower keeps retrying and the index's age decides `unknown`.

Each round's outcome is written to $ELICENCE_HOME/follower.json so every server process
(and /healthz) can report the last sync and the chain head without asking the node.
Every round also checks the index against the chain and the witness nodes (chain.indexer);
that check's outcome lives in the index itself, where the freshness rule reads it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from web3 import Web3

from chain.config import Settings
from chain.connect import connect
from chain.indexer import Indexer
from chain.installation import Installation
from chain.private_files import private_folder, write_private
from chain.registry import Registry

from .sync import witness_urls

log = logging.getLogger("elicence.verifier.follower")
STATE_FILE = "follower.json"
DEFAULT_INTERVAL = 3.0  # seconds between syncs


@dataclass(frozen=True)
class FollowerState:
    last_attempt: int | None = None  # unix seconds
    last_success: int | None = None
    chain_head: int | None = None  # the node's newest block at the last success
    error: str | None = None  # why the last attempt failed (an exception class name)
    witnesses_unreachable: int = 0  # at the last success (not a failure: decision 0137)


def read_state(home: Path) -> FollowerState:
    try:
        data = json.loads((home / STATE_FILE).read_text(encoding="utf-8"))
        return FollowerState(**data)
    except (OSError, ValueError, TypeError):
        return FollowerState()


def write_state(home: Path, state: FollowerState) -> None:
    write_private(home / STATE_FILE, json.dumps(asdict(state)))


class IndexSync:
    """One sync round: reads new registry events into the index; returns the chain head.

    Keeps its node connection and index writer between rounds and drops both after a
    failure, so a node that comes back is reconnected to.
    """

    def __init__(self, index_path: Path, connect: Callable[[], Registry], *,
                 start_block: int = 0, confirmations: int = 1,
                 witnesses: Sequence[Web3] = ()) -> None:
        self.index_path = index_path
        self.connect = connect
        self.start_block = start_block
        self.confirmations = confirmations
        self.witnesses = tuple(witnesses)
        self.witnesses_unreachable = 0  # in the last round
        self._indexer: Indexer | None = None

    @classmethod
    def for_settings(cls, settings: Settings, *, timeout: float = 3.0,
                     witnesses: Sequence[str] = ()) -> IndexSync:
        """`witnesses`: more node URLs (--rpc), besides ELICENCE_WITNESS_RPC_URLS."""
        def registry() -> Registry:
            return Installation(settings, timeout=timeout).registry()

        return cls(settings.index_path, registry, start_block=settings.registry_block,
                   confirmations=settings.confirmations,
                   witnesses=[connect(url, timeout=timeout)
                              for url in witness_urls(settings, witnesses)])

    def __call__(self, now: int) -> int:
        try:
            if self._indexer is None:
                private_folder(self.index_path.parent)
                self._indexer = Indexer(self.index_path, self.connect(),
                                        start_block=self.start_block,
                                        confirmations=self.confirmations,
                                        witnesses=self.witnesses)
            report = self._indexer.sync(now=now)
            self.witnesses_unreachable = report.witnesses_unreachable
            return report.to_block + self.confirmations - 1
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._indexer is not None:
            indexer, self._indexer = self._indexer, None
            indexer.close()


class Follower:
    """Calls `sync(now)` every `interval` seconds on a daemon thread until stopped."""

    def __init__(self, sync: Callable[[int], int], home: Path, *,
                 interval: float = DEFAULT_INTERVAL,
                 clock: Callable[[], float] = time.time) -> None:
        self.sync = sync
        self.home = home
        self.interval = interval
        self.clock = clock
        self.state = read_state(home)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> FollowerState:
        """One sync round, recorded in the state file; never raises."""
        now = int(self.clock())
        try:
            head = self.sync(now)
        except Exception as exc:  # node away, wrong chain...: verify from the index as it is
            if self.state.error != type(exc).__name__:  # log changes, not every retry
                log.warning("status index sync failed (%s); retrying every %.0f s",
                            type(exc).__name__, self.interval)
            self.state = FollowerState(now, self.state.last_success, self.state.chain_head,
                                       type(exc).__name__)
        else:
            if self.state.error is not None:
                log.info("status index sync works again")
            self.state = FollowerState(now, now, head, None,
                                       getattr(self.sync, "witnesses_unreachable", 0))
        try:
            write_state(self.home, self.state)
        except OSError as exc:
            log.warning("cannot write %s (%s)", self.home / STATE_FILE, type(exc).__name__)
        return self.state

    def start(self) -> Follower:
        self._thread = threading.Thread(target=self._run, name="elicence-follower",
                                        daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        close = getattr(self.sync, "close", None)
        if close is not None:
            close()
