"""Files and folders only their owner can open: every folder an installation creates is
0700 and every file 0600, whatever the process umask (docs/decisions/0125-private-files.md).

The modes are set explicitly, never left to the umask: the usual umask (022) would make
report.json, claim-codes.csv, the letters, the store and the keys readable by every account
on the machine. Everything that writes under ELICENCE_HOME or into an output folder goes
through these helpers, in worker processes too; processes we start (the node, the web apps)
run with CHILD_UMASK, so what they create themselves is private as well.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from licence.errors import ElicenceError

FOLDER_MODE = 0o700
FILE_MODE = 0o600
CHILD_UMASK = 0o077  # for subprocess.Popen(umask=...): the child's own files are private
_OTHERS = 0o077  # group and world permission bits


class NotPrivateError(ElicenceError):
    """A folder named by the operator can be read by other users (or cannot be made ours)."""

    reason = "folder_not_private"


def private_folder(path: Path | str) -> Path:
    """Creates `path` (and any missing parent) with mode 0700. An existing folder is one
    of ours (ELICENCE_HOME, keys/, pdf/, ...): it is tightened to 0700 if it is looser."""
    path = Path(path)
    missing = []
    here = path
    while not here.exists():
        missing.append(here)
        here = here.parent
    if not missing:
        _tighten(path, FOLDER_MODE)
    for folder in reversed(missing):
        with suppress(FileExistsError):  # another process made it first
            folder.mkdir(mode=FOLDER_MODE)
        _tighten(folder, FOLDER_MODE)  # mkdir's mode passes through the umask
    return path


def output_folder(path: Path | str) -> Path:
    """A folder the operator names for outputs (`--out`): created 0700 if new. An existing
    one open to other users is refused, not changed: it may be shared on purpose (or not be
    ours, like /tmp), and changing it would surprise."""
    path = Path(path)
    if path.is_dir():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & _OTHERS:
            raise NotPrivateError(
                f"{path} can be opened by other users (mode {mode:04o}): make it private with "
                f"`chmod 700 {path}`, or name a new folder.", path=str(path))
        return path
    return private_folder(path)


def open_private(path: Path | str, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC) -> int:
    """os.open with mode 0600, also for a file that existed with a looser mode."""
    fd = os.open(path, flags | os.O_CLOEXEC, FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def private_file(path: Path | str, mode: str = "w", **options: Any) -> IO[Any]:
    """open(path, mode) for "w", "wb", "a" or "ab", creating the file 0600; `options` as
    for open() (encoding, newline)."""
    flags = {"w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
             "a": os.O_WRONLY | os.O_CREAT | os.O_APPEND}[mode.rstrip("b")]
    return os.fdopen(open_private(path, flags), mode, **options)


@contextmanager
def replacing(path: Path | str, mode: str = "w", **options: Any) -> Iterator[IO[Any]]:
    """Writes a private file beside `path` and renames it over `path` when the block ends
    without an error: readers see the old file or the whole new one, never a part."""
    path = Path(path)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        with private_file(partial, mode, **options) as handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_private(path: Path | str, content: bytes | str) -> None:
    """The whole file at once, 0600, atomically (see `replacing`)."""
    with replacing(path, "wb") as handle:
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)


def write_private_new(path: Path | str, content: bytes | str) -> None:
    """As `write_private`, but only if `path` does not exist yet: FileExistsError otherwise,
    even when another process creates it at the same moment (the file is published with a
    hard link, which fails if the name is taken, where a rename would replace it)."""
    path = Path(path)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        with private_file(partial, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.link(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def private_sqlite(path: Path | str) -> Path:
    """Makes a SQLite database file private before SQLite opens it. SQLite creates a new
    database with mode 0644 less the umask, and its -wal, -shm and -journal files with the
    database's own mode: so the (empty, hence valid) database file is created 0600 first,
    and files an older version left looser are tightened."""
    path = Path(path)
    private_folder(path.parent)
    try:
        os.close(open_private(path, os.O_RDWR | os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        # Never open (and close) a database file that exists: closing any descriptor of a
        # file drops every POSIX lock this process holds on it, SQLite's own included.
        keep_private(path)
    for suffix in ("-wal", "-shm", "-journal"):
        keep_private(path.with_name(path.name + suffix))
    return path


def keep_private(path: Path | str) -> None:
    """Tightens a file that may exist to 0600: one another program rewrites in place (the
    node's state), or one an older version left open to others."""
    with suppress(FileNotFoundError):
        _tighten(Path(path), FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    """Sets `mode` if the current one differs (which needs a stat, not a write)."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current == mode:
        return
    try:
        path.chmod(mode)
    except PermissionError:
        raise NotPrivateError(f"{path} is open to other users (mode {current:04o}) and belongs "
                              "to another account, so it cannot be made private: use a "
                              "folder of your own.", path=str(path)) from None
