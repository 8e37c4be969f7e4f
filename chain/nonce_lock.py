"""One nonce discipline per account, shared by every process of an installation.

The node picks no nonces: each sender takes its next one from the node's pending count. Two
senders of one account (the claim server and an `elicence` command, say) that overlap
between choosing a nonce and the node accepting the transaction choose the same one, and
the second is refused with "nonce too low". With write-ahead sending that window spans
recording the signed transaction in the store. `NonceLock.held()` covers the window: a
thread lock for the process, and an `flock` on `<locks>/<address>.lock` for the other
processes using the same lock directory (the installation's home). The kernel drops the
file lock when its holder dies, so a crash never leaves the account locked.
See docs/decisions/0085-one-nonce-discipline.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from eth_utils import to_checksum_address

from chain.errors import ChainError
from chain.private_files import open_private, private_folder

# The lock covers a pending-count read, signing, a store write and one RPC call: a holder
# taking longer than this is hung, and its waiters say so instead of waiting forever.
LOCK_TIMEOUT = 60.0
_POLL = 0.005


class NonceLockTimeout(ChainError):
    reason = "nonce_lock_timeout"

    def __init__(self, address: str, timeout: float, path: Path | None) -> None:
        where = f" (lock file {path})" if path else ""
        super().__init__(
            f"Another sender has held account {address} for over {timeout:g} s{where}: check "
            "that no `elicence` process is hung, then try again.",
            address=address, timeout=timeout)


class NonceLock:
    """Exclusive use of one account from choosing a nonce until the node has the
    transaction; re-entrant within a thread. Get it with `nonce_lock`."""

    def __init__(self, address: str, path: Path | None, timeout: float = LOCK_TIMEOUT) -> None:
        self.address = address
        self.path = path
        self.timeout = timeout
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if not self._thread_lock.acquire(timeout=self.timeout):
            raise NonceLockTimeout(self.address, self.timeout, self.path)
        try:
            if self._depth == 0 and self.path is not None:
                self._fd = self._lock_file(self.path)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    os.close(self._fd)  # releases the flock
                    self._fd = None
        finally:
            self._thread_lock.release()

    def _lock_file(self, path: Path) -> int:
        private_folder(path.parent)
        fd = open_private(path, os.O_RDONLY | os.O_CREAT)  # read-only is enough for flock
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise NonceLockTimeout(self.address, self.timeout, path) from None
                time.sleep(_POLL)


_locks: dict[tuple[Path | None, str], NonceLock] = {}
_locks_guard = threading.Lock()


def nonce_lock(directory: Path | None, address: str) -> NonceLock:
    """This process's one lock for `address`, shared by all its senders of that account;
    with a `directory`, also shared with every process using the same directory."""
    address = to_checksum_address(address)
    path = None if directory is None else Path(directory) / f"{address}.lock"
    with _locks_guard:
        lock = _locks.get((path, address))
        if lock is None:
            lock = _locks[(path, address)] = NonceLock(address, path)
        return lock


def _forget_after_fork() -> None:
    """A forked child (a gunicorn worker) starts with no lock held: a copy of a held file
    lock's descriptor would keep the parent's lock alive after the parent releases it."""
    global _locks_guard
    for lock in _locks.values():
        if lock._fd is not None:
            os.close(lock._fd)
    _locks.clear()
    _locks_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
