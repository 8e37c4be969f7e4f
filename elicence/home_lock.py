"""One `scripts/demo` per home. A second demo on a running home would take the first
one's node for its own and its web apps for ones a killed demo left behind, and stop them;
so it refuses, naming the running one. The lock is the kernel's (`flock`): it goes with the
demo however the demo ends, and `--reset` keeps its file while emptying the home."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from chain.private_files import open_private, private_folder
from licence.errors import ElicenceError


class HomeBusy(ElicenceError):
    reason = "demo_running"


def lock_path(home: Path) -> Path:
    return home / "demo.lock"


def hold_home(home: Path) -> int:
    """Takes the home's demo lock; returns the descriptor holding it (closing it, or the
    demo ending, releases it)."""
    private_folder(home)
    fd = open_private(lock_path(home), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise HomeBusy(
            f"Another scripts/demo (pid {holder}) is running on {home}: stop it with Ctrl-C "
            "in its terminal, or give this one another ELICENCE_HOME.", pid=holder) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd
