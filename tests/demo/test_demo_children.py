"""`scripts/demo`'s node and web app live exactly as long as the demo (docs/decisions/0086):
Ctrl-C stops them even when nobody reads the demo's output any more (`| tee`, tee ending
first), the kernel stops them when the demo is killed, a restart on the same home stops one
that outlived its demo, and a second demo on a running home refuses to start.

The demo runs as a subprocess on a home prepared once per module (the first run issues the
sample licences); each test starts it again on that home, on a free web port."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chain.config import load_settings
from elicence.pid_file import PidFile
from elicence.unfailing_output import Unfailing
from tests.support.ports import free_port

pytestmark = [pytest.mark.anvil, pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
FIRST_RUN_S = 600  # 1,100 licences with PDF letters on a busy 2-core machine
RESTART_S = 180
GONE_S = 60  # the web app's graceful stop takes up to 30 s (gunicorn)


def demo_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELICENCE_")}
    return {**env, "ELICENCE_HOME": str(home)}


def start_demo(home: Path, port: int, stdout) -> subprocess.Popen[bytes]:
    # Its own session, as a terminal would run it: signals reach only what the test sends.
    return subprocess.Popen([str(ROOT / "scripts" / "demo"), "--port", str(port)], cwd=ROOT,
                            env=demo_env(home), stdout=stdout, stderr=subprocess.STDOUT,
                            start_new_session=True)


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {seconds:g} s"
        time.sleep(0.2)


def wait_ready(log: Path, demo: subprocess.Popen[bytes], seconds: float) -> None:
    def ready() -> bool:
        text = log.read_text(errors="replace") if log.exists() else ""
        assert demo.poll() is None, f"scripts/demo stopped:\n{text[-3000:]}"
        at = text.find("elicence demo is ready")
        return at >= 0 and "\n  stop " in text[at:]

    wait_until(ready, seconds, "the ready block")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def children(home: Path, port: int) -> list[int]:
    """Live (non-zombie) processes of this home's demo: its anvil (state under `home`) and
    its web app (`elicence serve --port PORT`, master and workers), found in /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        ours = ("anvil" in args and str(home) in args) or \
            f"-m elicence serve --port {port} " in args
        if ours and state != "Z":
            found.append(int(entry.name))
    return found


def node_port(home: Path) -> int:
    return json.loads((home / "config.json").read_text(encoding="utf-8"))["node_port"]


def all_gone(home: Path, port: int) -> bool:
    return not children(home, port) and port_free(port) and port_free(node_port(home))


def stop_demo(demo: subprocess.Popen[bytes], home: Path, port: int) -> None:
    """After a test, whatever happened: the demo stopped as Ctrl-C would, then anything of
    its left forced down, so the next test starts from a stopped home."""
    if demo.poll() is None:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(GONE_S)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(10)
    for pid in children(home, port):
        for signum in (signal.SIGCONT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
    wait_until(lambda: all_gone(home, port), GONE_S, "the demo's processes gone")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home the demo has run in once (state, licences, letters), stopped."""
    home = tmp_path_factory.mktemp("demo") / "home"
    home.mkdir()
    # The node on a free port, not the default 8545 the demo would take when free.
    load_settings(home, {}).with_values(node_port=free_port()).save()
    port = free_port()
    with (home.parent / "first-run.log").open("wb") as log:
        demo = start_demo(home, port, log)
    try:
        wait_ready(home.parent / "first-run.log", demo, FIRST_RUN_S)
    finally:
        stop_demo(demo, home, port)
    yield home


def test_ctrl_c_after_tee_ended_stops_everything_and_a_restart_works(
        home: Path, tmp_path: Path) -> None:
    """`scripts/demo 2>&1 | tee demo.log`, then Ctrl-C: tee ends first."""
    port, log = free_port(), tmp_path / "demo.log"
    demo = start_demo(home, port, subprocess.PIPE)
    # A terminal's tee takes Ctrl-C's default action. Ours must too, whatever SIGINT state
    # the test process was started with or was left in (an ignored SIGINT is inherited).
    tee = subprocess.Popen(["tee", str(log)], stdin=demo.stdout, stdout=subprocess.DEVNULL,
                           preexec_fn=default_sigint)
    assert demo.stdout is not None
    demo.stdout.close()  # tee is the only reader
    try:
        wait_ready(log, demo, RESTART_S)
        assert children(home, port)

        # A second demo on this running home refuses, and leaves the first one alone.
        second = subprocess.run([str(ROOT / "scripts" / "demo"), "--port", str(free_port())],
                                cwd=ROOT, env=demo_env(home), capture_output=True, text=True,
                                timeout=RESTART_S)
        assert second.returncode == 1
        assert f"Error: Another scripts/demo (pid {demo.pid}) is running on {home}: stop it " \
               "with Ctrl-C in its terminal, or give this one another ELICENCE_HOME." \
               in second.stderr
        assert not port_free(port)

        tee.send_signal(signal.SIGINT)
        assert tee.wait(GONE_S) != 0
        demo.send_signal(signal.SIGINT)
        assert demo.wait(GONE_S) == 0
        wait_until(lambda: all_gone(home, port), GONE_S, "the node and web app gone")
    finally:
        tee.kill()
        stop_demo(demo, home, port)

    again = start_demo(home, port, (tmp_path / "again.log").open("wb"))
    try:
        wait_ready(tmp_path / "again.log", again, RESTART_S)
    finally:
        stop_demo(again, home, port)


def test_a_killed_demo_takes_its_node_and_web_app_with_it(home: Path, tmp_path: Path) -> None:
    port = free_port()
    demo = start_demo(home, port, (tmp_path / "demo.log").open("wb"))
    try:
        wait_ready(tmp_path / "demo.log", demo, RESTART_S)
        running = children(home, port)
        assert len(running) >= 2  # anvil, the web app (and its workers)
        demo.kill()  # SIGKILL: no Python code of the demo runs any more
        demo.wait(10)
        wait_until(lambda: all_gone(home, port), GONE_S, "the node and web app gone")
    finally:
        stop_demo(demo, home, port)

    again = start_demo(home, port, (tmp_path / "again.log").open("wb"))
    try:
        wait_ready(tmp_path / "again.log", again, RESTART_S)
    finally:
        stop_demo(again, home, port)


def test_a_restart_stops_the_web_app_a_killed_demo_left(home: Path, tmp_path: Path) -> None:
    """A web app that outlives its demo (here stopped, so it cannot act on the signal the
    kernel sends when the demo dies) is stopped by the next start on that home."""
    port = free_port()
    demo = start_demo(home, port, (tmp_path / "demo.log").open("wb"))
    try:
        wait_ready(tmp_path / "demo.log", demo, RESTART_S)
        left = PidFile(home / "web.pid").recorded()
        assert left is not None
        os.kill(left, signal.SIGSTOP)
        demo.kill()
        demo.wait(10)
        wait_until(lambda: port_free(node_port(home)), GONE_S, "the node gone")
        assert left in children(home, port) and not port_free(port)

        again = start_demo(home, port, (tmp_path / "again.log").open("wb"))
        try:
            wait_ready(tmp_path / "again.log", again, RESTART_S)
            assert left not in children(home, port)
            assert "Stopped the web app an earlier demo left running" in \
                (tmp_path / "again.log").read_text()
        finally:
            stop_demo(again, home, port)
    finally:
        stop_demo(demo, home, port)


# --- the parts, without a demo ----------------------------------------------------------

@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                               start_new_session=True)
    yield process
    process.kill()
    process.wait(10)


def test_a_pid_file_stops_only_the_very_process_it_recorded(
        sleeper: subprocess.Popen[bytes], tmp_path: Path) -> None:
    pid_file = PidFile(tmp_path / "web.pid")
    pid_file.record(sleeper.pid)
    record = json.loads(pid_file.path.read_text())
    for changed in ({"start": record["start"] + 1},  # the pid reused later
                    {"args": ["/usr/bin/sleep", "120"]}):  # the pid reused by another program
        pid_file.path.write_text(json.dumps({**record, **changed}))
        assert pid_file.stop() is False
        assert sleeper.poll() is None and not pid_file.path.exists()
    pid_file.path.write_text(json.dumps(record))
    assert pid_file.stop() is True
    assert sleeper.wait(10) == -signal.SIGTERM


def test_output_whose_reader_is_gone_is_dropped_not_raised() -> None:
    read_end, write_end = os.pipe()
    stream = io.TextIOWrapper(io.FileIO(write_end, "w"), encoding="utf-8")
    out = Unfailing(stream)  # type: ignore[arg-type]
    out.write("read\n")
    assert os.read(read_end, 100) == b"read\n"
    os.close(read_end)  # tee ended
    with pytest.raises(BrokenPipeError):
        stream.write("x")
        stream.flush()
    out.write("Stopping…\n")  # dropped
    out.flush()
    stream.close()  # the interpreter's last flush at exit lands in /dev/null
