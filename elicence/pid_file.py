"""A pid file a later run can trust before it kills: for the processes `scripts/demo`
starts, so that a restart stops one that outlived its demo.

The record names the process three ways: pid, start time (clock ticks after boot, from
/proc/PID/stat) and command line. A pid reused by an unrelated process matches neither of
the other two, so it is never signalled. Without /proc (not Linux) nothing is ever
recognised, hence nothing killed: the port check then says what is in the way.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

from chain.private_files import write_private


def _identity(pid: int) -> tuple[int, list[str]] | None:
    """(start time, command line) of a live, non-zombie process; None otherwise."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # fields from the 3rd on; the name may hold ")"
    if fields[0] == "Z":
        return None
    return int(fields[19]), [arg.decode(errors="replace") for arg in cmdline.split(b"\0")[:-1]]


class PidFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, pid: int) -> None:
        """Records a process this one just started (after exec: Popen returned)."""
        found = _identity(pid)
        start, args = found if found else (None, None)
        write_private(self.path, json.dumps({"pid": pid, "start": start, "args": args}) + "\n")

    def recorded(self) -> int | None:
        """The recorded pid while that very process still runs; None otherwise."""
        try:
            record = json.loads(self.path.read_text())
            pid = int(record["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if record.get("start") is None or _identity(pid) != (record["start"], record["args"]):
            return None
        return pid

    def stop(self, timeout: float = 15.0) -> bool:
        """Stops the recorded process and its process group (SIGTERM, then SIGKILL after
        `timeout`); True when there was one to stop. The file is removed either way."""
        pid = self.recorded()
        if pid is not None:
            for signum, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
                with contextlib.suppress(ProcessLookupError):
                    # Started in a session of its own: its group holds its workers too.
                    group = os.getpgid(pid) == pid
                    send = os.killpg if group else os.kill
                    send(pid, signum)
                    send(pid, signal.SIGCONT)  # a stopped process acts on SIGTERM only then
                if self._gone(pid, wait):
                    break
        self.path.unlink(missing_ok=True)
        return pid is not None

    def _gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.recorded() != pid:  # gone, or a zombie for its parent to reap
                return True
            time.sleep(0.05)
        return False
