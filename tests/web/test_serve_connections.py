"""`elicence serve` under gunicorn: connections a browser opens ahead of time and leaves idle
must not hold the workers (one thread each by default), or the next scan waits."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.services import wait_until_answers

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]


def get(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """`elicence serve` with its defaults: 2 workers of one thread each."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "elicence", "serve", "--port", str(port), "--no-follow"],
        env={**os.environ, "ELICENCE_HOME": str(tmp_path_factory.mktemp("home")),
             "ELICENCE_RATE_LIMIT": "off"},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/verify")
        assert get(f"http://127.0.0.1:{port}/verify") == 200
        yield port
    finally:
        server.terminate()
        server.wait(15)


def test_idle_connections_do_not_hold_the_workers(port: int) -> None:
    # Twice as many silent connections as the server has worker threads (2 × 1).
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
    try:
        time.sleep(0.3)
        for _ in range(5):  # a request stuck behind them would not be answered in time
            assert get(f"http://127.0.0.1:{port}/api/v1/schemas", timeout=3) == 200
    finally:
        for sock in idle:
            sock.close()


def test_a_connection_is_kept_alive_across_requests(port: int) -> None:
    """Each worker answers in its main thread (elicence.serve_worker) and then watches the
    connection again: a counter's next verification reuses it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        statuses, sockets = [], set()
        for _ in range(5):
            connection.request("POST", "/api/v1/verify", b'{"qr": "not a licence"}',
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            statuses.append(answer.status)
            sockets.add(connection.sock.getsockname())
        assert statuses == [200] * 5
        assert len(sockets) == 1  # one connection served all five
    finally:
        connection.close()
