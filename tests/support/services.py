"""Real services for tests, started by the project's own scripts on 127.0.0.1: Redis
(scripts/redis-test-server), nginx (scripts/nginx-test-server) and `elicence serve` replicas."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from .ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def _exported(stdout: str) -> str:
    return stdout.strip().rpartition("=")[2]


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis URL: ELICENCE_TEST_REDIS_URL when set, else a server this block starts."""
    given = os.environ.get("ELICENCE_TEST_REDIS_URL")
    if given:
        yield given
        return
    script = str(ROOT / "scripts" / "redis-test-server")
    started = subprocess.run([script, "start"], capture_output=True, text=True, check=True)
    try:
        yield _exported(started.stdout)
    finally:
        subprocess.run([script, "stop"], check=True)


@contextmanager
def nginx_server(prefix: Path, replica_ports: Sequence[int]) -> Iterator[str]:
    """nginx on 127.0.0.1 in front of the replicas; its files stay in `prefix`. Yields its URL."""
    script = str(ROOT / "scripts" / "nginx-test-server")
    env = {**os.environ, "ELICENCE_TEST_NGINX_DIR": str(prefix), "PYTHON": sys.executable}
    started = subprocess.run([script, "start", *map(str, replica_ports)], env=env,
                             capture_output=True, text=True, check=False)
    assert started.returncode == 0, started.stderr
    try:
        yield _exported(started.stdout)
    finally:
        subprocess.run([script, "stop"], env=env, check=True)


@dataclass
class Replica:
    """One `elicence serve` (gunicorn arbiter and its workers, in their own process group)."""

    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL to the arbiter and every worker at once, as a crashed host would."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(15)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until_answers(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            assert time.monotonic() < deadline, f"{url} did not answer in {seconds:.0f} s"
            time.sleep(0.2)


@contextmanager
def replicas(home: Path, count: int, env: Mapping[str, str],
             workers: int = 1) -> Iterator[list[Replica]]:
    """`count` replicas of `elicence serve --no-follow` on one home, each on a free port."""
    started: list[Replica] = []
    try:
        for _ in range(count):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "elicence", "serve", "--port", str(port),
                 "--workers", str(workers), "--no-follow"],
                env={**os.environ, "ELICENCE_HOME": str(home), **env}, cwd=ROOT,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            started.append(Replica(process, port))
        for replica in started:
            wait_until_answers(f"{replica.url}/verify")
        yield started
    finally:
        for replica in started:
            replica.stop()
