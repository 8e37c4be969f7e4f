"""`elicence serve`'s alert collector beside its workers (decision 0299): a worker that
gunicorn replaces does not take the collector with it, and stopping the server stops every
process it started, with nothing in the log but the start line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.services import wait_until_answers

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> list[int]:
    """The process's children, oldest first."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append((int(fields[19]), int(entry.name)))  # (start time, pid)
    return [child for _, child in sorted(found)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def until(condition, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_replaced_worker_leaves_the_collector_and_a_stop_ends_everything(
        tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as errors:
        server = subprocess.Popen(
            [sys.executable, "-m", "elicence", "serve", "--port", str(port), "--no-follow"],
            env={**os.environ, "ELICENCE_HOME": str(tmp_path / "home")}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=errors)
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/healthz")
        assert until(lambda: len(children(server.pid)) == 3)  # the collector, 2 workers
        collector, first_worker, _ = children(server.pid)

        os.kill(first_worker, signal.SIGTERM)  # as gunicorn's own worker recycling does
        assert until(lambda: not alive(first_worker) and len(children(server.pid)) == 3)
        assert children(server.pid)[0] == collector and alive(collector)

        everything = [server.pid, *children(server.pid)]
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
        assert until(lambda: not any(alive(pid) for pid in everything))
    finally:
        if server.poll() is None:
            server.kill()
    text = log.read_text()
    assert "Traceback" not in text and "ERROR" not in text, text
