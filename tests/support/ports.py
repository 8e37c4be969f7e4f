"""Ports for the servers tests start: free when picked, and still free when the server binds.

`chain.node.free_port` asks the kernel for an ephemeral port. That port is free only at that
moment: until the test's server binds it, any connection made on the machine may take it as
its source port. With four test files running at once beside the benchmarks that happened:
the README tour's demo binds its CA download port minutes after the pick, and found it taken.

These ports come from below the kernel's ephemeral range, which the kernel gives only to a
process that asks for that very port, and each is claimed once, across every test process
of the machine, by creating a file for it, so two workers never start servers on one port.
"""

from __future__ import annotations

import os
import random
import socket
import tempfile
import time
from pathlib import Path

CLAIMS = Path(tempfile.gettempdir()) / "elicence-test-ports"
LOWEST = 10_000  # above the usual services' ports
STALE_SECONDS = 6 * 3600  # a claim older than any test run is free again


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _claim(port: int) -> bool:
    """True when this process now holds the claim on `port` (made or reclaimed stale)."""
    path = CLAIMS / str(port)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return True
    except FileExistsError:
        try:
            if time.time() - path.stat().st_mtime > STALE_SECONDS:
                path.unlink()  # one of the processes seeing it stale wins the next create
                return _claim(port)
        except FileNotFoundError:
            pass
        return False


def free_ports(count: int = 1) -> int:
    """The first of `count` consecutive ports, all free and claimed for this test."""
    CLAIMS.mkdir(mode=0o700, exist_ok=True)
    top = _ephemeral_start() - count
    for _ in range(1_000):
        first = random.randrange(LOWEST, top)
        ports = range(first, first + count)
        if all(_claim(port) for port in ports) and all(_bindable(port) for port in ports):
            return first
    raise AssertionError(f"no {count} free consecutive ports between {LOWEST} and {top}")


def free_port() -> int:
    """A free port for a server this test starts on 127.0.0.1."""
    return free_ports(1)


def free_port_pair() -> int:
    """A port P such that P and P + 1 are free (the demo's phone server and CA download)."""
    return free_ports(2)
