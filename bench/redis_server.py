"""scripts/redis-test-server's Redis for the benchmarks that count request budgets in Redis."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "redis-test-server"
PID_FILE = ROOT / "var" / "test-redis" / "redis.pid"


def pid_of(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@contextmanager
def redis_server() -> Iterator[str]:
    """Its URL, starting it if none runs. One already running (a developer's, a test
    run's) is shared and left running; one started here is stopped on leaving."""
    was_running = alive(pid_of(PID_FILE))
    url = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True,
                         check=True).stdout.strip().rpartition("=")[2]
    try:
        yield url
    finally:
        if not was_running:
            subprocess.run([str(SCRIPT), "stop"], check=False)
