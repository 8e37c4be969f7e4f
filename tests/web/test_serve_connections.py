"""`elicence serve` under gunicorn: connections a browser opens ahead of time and leaves idle
must not hold the workers (one thread each by default), or the next scan waits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.ports import free_port

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]


def get(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_idle_connections_do_not_hold_the_workers(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "elicence", "serve", "--port", str(port), "--no-follow"],
        env={**os.environ, "ELICENCE_HOME": str(tmp_path), "ELICENCE_RATE_LIMIT": "off"},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    idle: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert get(f"http://127.0.0.1:{port}/verify") == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        # Twice as many silent connections as the server has worker threads (2 × 1).
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
        time.sleep(0.3)
        for _ in range(5):  # a request stuck behind them would not be answered in time
            assert get(f"http://127.0.0.1:{port}/api/v1/schemas", timeout=3) == 200
    finally:
        for sock in idle:
            sock.close()
        server.terminate()
        server.wait(15)
