"""Control of the LOCAL development node: anvil on 127.0.0.1 with its state persisted on disk.

This is the local default only; production networks (Besu, GoQuorum, geth) are reached
through `chain.connect` and never through this module. The node's accounts come from the
well-known public test mnemonic below: they are for local development only and must never
hold anything of value.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.errors import NodeControlError
from chain.private_files import (
    CHILD_UMASK,
    keep_private,
    private_file,
    private_folder,
    write_private,
)

# Public test mnemonic (anvil/hardhat default). LOCAL DEV NODE ONLY — everyone knows these keys.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_CHAIN_ID = 31337
DEV_BLOCK_TIME = 2.0  # seconds: the demo's and `elicence node start`'s chain, like QBFT
ANVIL = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "anvil"
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class NodeStatus:
    running: bool
    pid: int | None
    url: str
    block: int | None  # None when not running or not answering


def dev_accounts(count: int = 10, mnemonic: str = DEV_MNEMONIC) -> list[LocalAccount]:
    """The local dev node's funded accounts (never use on a real network)."""
    Account.enable_unaudited_hdwallet_features()
    return [
        Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{i}")
        for i in range(count)
    ]


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` making the kernel send the child SIGTERM when the process starting
    it ends, however it ends (SIGKILL included); None where there is no such signal (not
    Linux). The signal follows the starting *thread*: start such children from the main
    thread. The child calls only what the parent prepared (no imports after fork)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before prctl: nobody will signal
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalNode:
    """An anvil process whose pid file, log and chain state live in `state_dir`.

    The chain state is written to `state.json` every `state_interval` seconds and on a
    clean stop (SIGTERM), and loaded again on start, so restarts keep every anchor. With a
    `block_time`, a start from saved state mines one block at once: the head is current.
    """

    def __init__(
        self,
        state_dir: str | Path,
        *,
        port: int = 8545,
        chain_id: int = DEV_CHAIN_ID,
        state_interval: int = 2,
        block_time: float | None = None,
        extra_args: Sequence[str] = (),
        anvil: str | Path = ANVIL,
        attached: bool = False,
    ) -> None:
        """`attached`: the node stops (SIGTERM: state written) when the process starting
        it ends, however it ends (Linux) — the demo's node; `elicence node start` leaves
        it detached, to be stopped with `elicence node stop`."""
        self.state_dir = Path(state_dir)
        self.port = port
        self.chain_id = chain_id
        self.state_interval = state_interval
        self.block_time = block_time
        self.extra_args = tuple(extra_args)  # more anvil flags, e.g. ("--block-time", "1")
        self.anvil = Path(anvil)
        self.attached = attached
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "anvil.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "anvil.log"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    # ------------------------------------------------------------------ control
    def start(self, timeout: float = 30.0) -> NodeStatus:
        """Starts anvil (no-op when already running) and waits until its RPC answers."""
        current = self.status()
        if current.running:
            return current
        if not self.anvil.exists():
            raise NodeControlError(
                f"anvil is not installed at {self.anvil}: run `scripts/bootstrap` (npm ci).",
            )
        if _port_open(self.port):
            raise NodeControlError(
                f"Port {self.port} on 127.0.0.1 is already in use by another program: stop it "
                "or choose another port.",
            )
        private_folder(self.state_dir)
        keep_private(self.state_file)
        restoring = self.state_file.exists() and self.state_file.stat().st_size > 0
        command = [
            str(self.anvil),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--mnemonic", DEV_MNEMONIC,
            "--state", str(self.state_file),
            "--state-interval", str(self.state_interval),
            # Zero base fee, like a permissioned network with free gas: accounts created
            # for council members and authorities need no funds (send with gas price 0).
            "--base-fee", "0",
        ]
        if self.block_time:
            # A block every few seconds even when idle, so verifiers can tell a live chain
            # from a stuck node by the newest block's timestamp (chain.status); mixed
            # mining still mines each transaction at once.
            command += ["--block-time", f"{self.block_time:g}", "--mixed-mining"]
        command += self.extra_args
        with private_file(self.log_file, "ab") as log:
            # Own session: the node ignores the terminal's Ctrl-C (its starter stops it in
            # order) and, unless attached, outlives `elicence node start`. Its umask keeps
            # the state file it writes private.
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=die_with_parent() if self.attached else None,
                umask=CHILD_UMASK,
            )
        write_private(self.pid_file, f"{self._process.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise NodeControlError(
                    f"anvil exited with code {self._process.returncode} while starting: see "
                    f"{self.log_file}.",
                )
            block = self._block_number()
            if block is not None:
                if restoring and self.block_time:
                    block = self._mine()
                return NodeStatus(True, self._process.pid, self.url, block)
            time.sleep(0.05)
        self.stop()
        raise NodeControlError(
            f"anvil did not answer on {self.url} within {timeout:g} s: see {self.log_file}.",
        )

    def stop(self, timeout: float = 15.0) -> None:
        """Stops anvil with SIGTERM (it dumps its state on exit); SIGKILL if it hangs."""
        pid = self._pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if not self._wait_gone(pid, timeout):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            self._wait_gone(pid, 5.0)
        self.pid_file.unlink(missing_ok=True)
        self._process = None

    def kill(self) -> None:
        """Stops anvil abruptly (SIGKILL, no final state dump): for fault tests."""
        pid = self._pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            self._wait_gone(pid, 5.0)
        self.pid_file.unlink(missing_ok=True)
        self._process = None

    def status(self) -> NodeStatus:
        pid = self._pid()
        if pid is None:
            return NodeStatus(False, None, self.url, None)
        return NodeStatus(True, pid, self.url, self._block_number())

    # ------------------------------------------------------------------ helpers
    def _pid(self) -> int | None:
        """The pid from the pid file when that process is alive and is anvil."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if not _is_anvil(pid):
            return None
        process = self._process
        if process is not None and process.pid == pid and process.poll() is not None:
            return None
        return pid

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.pid == pid:
                if self._process.poll() is not None:
                    return True
            elif not _is_anvil(pid):
                # Exiting, a zombie or gone. When this process started it (through another
                # LocalNode object) it is gone only once reaped: an exiting process stops
                # looking like anvil before it can be reaped.
                try:
                    reaped, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    return True  # not our child (or reaped already): its parent reaps it
                if reaped == pid:
                    return True
            time.sleep(0.05)
        return False

    def _web3(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.url, request_kwargs={"timeout": 1.0},
                                      exception_retry_configuration=None))

    def _block_number(self) -> int | None:
        try:
            return int(self._web3().eth.block_number)
        except Exception:  # not answering yet (or any more)
            return None

    def _mine(self) -> int:
        """Mines one block now and returns its number. A chain restored from its saved
        state has a head as old as the stop: until the first interval block, a verifier
        would judge the node stuck (status_head_stale) and answer unknown."""
        w3 = self._web3()
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        return int(w3.eth.block_number)


def _is_anvil(pid: int) -> bool:
    """True when `pid` is a live (non-zombie) anvil process."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return b"anvil" in cmdline and state != "Z"


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
