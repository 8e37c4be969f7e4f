"""The alert detectors of `elicence serve` run in a process of their own, beside the workers.

A worker's monitor only collects observations (AlertMonitor.observe) and, every flush
interval, sends them over a datagram socket pair to the collector process, which feeds
them to the one monitor that writes the shared store and runs the detectors. A flush is
bursty Python work (measured: 9 µs of CPU per observation, 10–40 ms of wall time every
two seconds per worker). In a worker it held the interpreter lock from the request thread,
and every request during a flush waited: the HTTP tail of bench/http_load.py (docs/decisions/0299).

The pair is made before gunicorn forks, so only this server's own processes hold its ends
(nothing else can send observations to it). Each datagram is one whole message, so
workers need no lock between them, and a worker never waits: when the collector's queue is
full, the batch is dropped and counted, like observations beyond MAX_PENDING.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("elicence.alerts")

OBSERVATIONS_PER_MESSAGE = 400  # about 60 KB pickled, within a datagram's limit
SOCKET_BUFFER = 4 << 20  # asked for; the kernel's limit (net.core.*mem_max) may be lower
_STOP = b""  # an empty datagram: the server is stopping


def relay_pair() -> tuple[socket.socket, socket.socket]:
    """(the collector's end, the workers' end)."""
    collector, workers = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    collector.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
    workers.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
    return collector, workers


class AlertRelay:
    """A worker's sending end."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, verifications: list[Any], lookups: list[Any]) -> int:
        """Sends the observations; returns how many were dropped (the collector's queue
        was full or it is gone)."""
        dropped = 0
        step = OBSERVATIONS_PER_MESSAGE
        for start in range(0, max(len(verifications), len(lookups)), step):
            part = (verifications[start:start + step], lookups[start:start + step])
            try:
                self.sock.send(pickle.dumps(part, pickle.HIGHEST_PROTOCOL), socket.MSG_DONTWAIT)
            except OSError:
                dropped += len(part[0]) + len(part[1])
        return dropped

    def stop_collector(self) -> None:
        """Tells the collector to flush and end (the server is stopping; its workers have
        sent what they held)."""
        with contextlib.suppress(OSError):  # the collector is gone already
            self.sock.send(_STOP)


def collect(sock: socket.socket, absorb: Callable[[list[Any], list[Any]], None],
            stopped: threading.Event, parent: int) -> None:
    """The collector's receiving loop: every message to `absorb` until the stop message,
    or until the server process `parent` is gone (its workers went with it)."""
    sock.settimeout(1.0)
    while not stopped.is_set():
        try:
            data = sock.recv(1 << 21)
        except TimeoutError:
            if os.getppid() != parent:
                break
            continue
        if data == _STOP:
            break
        # Only this server's processes hold the other end (a socket pair made before
        # they were forked): the messages are our own.
        verifications, lookups = pickle.loads(data)
        absorb(verifications, lookups)
    stopped.set()


def run_collector(sock: socket.socket, make_monitor: Callable[[], Any], parent: int) -> None:
    """The collector process: one monitor flushing what every worker sends, until told to
    stop; then a last flush."""
    monitor = make_monitor()
    monitor.start(time.time)
    stopped = threading.Event()
    try:
        collect(sock, monitor.absorb, stopped, parent)
    finally:
        monitor.close(int(time.time()))
        log.debug("alert collector stopped")
