"""Private files and folders whatever the umask: the helpers every writer goes through."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chain.private_files import (
    NotPrivateError,
    output_folder,
    private_file,
    private_folder,
    private_sqlite,
    replacing,
    write_private,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000])
def permissive_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """A umask that would leave new files readable (or writable) by others."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_folders_and_their_missing_parents_are_0700(tmp_path: Path,
                                                    permissive_umask: int) -> None:
    made = private_folder(tmp_path / "a" / "b" / "c")
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", made)] == [0o700] * 3


def test_an_existing_folder_of_ours_is_tightened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    private_folder(home)
    assert mode(home) == 0o700


def test_an_operators_folder_open_to_others_is_refused_unchanged(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o750)
    with pytest.raises(NotPrivateError) as refused:
        output_folder(shared)
    assert refused.value.message == (f"{shared} can be opened by other users (mode 0750): make "
                                     f"it private with `chmod 700 {shared}`, or name a new "
                                     "folder.")
    assert mode(shared) == 0o750
    shared.chmod(0o700)
    assert output_folder(shared) == shared
    assert mode(output_folder(tmp_path / "new")) == 0o700


def test_files_are_0600_also_when_they_existed_looser(tmp_path: Path,
                                                       permissive_umask: int) -> None:
    write_private(tmp_path / "whole.json", "{}")
    with private_file(tmp_path / "log.jsonl", "a", encoding="utf-8") as log:
        log.write("line\n")
    old = tmp_path / "old.txt"
    old.write_text("from an older version")
    old.chmod(0o644)
    write_private(old, b"new")
    assert [mode(tmp_path / n) for n in ("whole.json", "log.jsonl", "old.txt")] == [0o600] * 3
    assert old.read_bytes() == b"new"


def test_replacing_leaves_the_old_file_whole_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    write_private(target, "old")
    with pytest.raises(RuntimeError), replacing(target, "w", encoding="utf-8") as handle:
        handle.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_sqlite_database_and_its_companions_are_0600(tmp_path: Path,
                                                      permissive_umask: int) -> None:
    path = private_sqlite(tmp_path / "var" / "store.sqlite")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        companions = sorted(p.name for p in path.parent.iterdir())
        assert companions == ["store.sqlite", "store.sqlite-shm", "store.sqlite-wal"]
        assert {p.name: mode(p) for p in path.parent.iterdir()} == dict.fromkeys(companions,
                                                                                   0o600)
    assert mode(path.parent) == 0o700


def test_sqlite_files_an_older_version_left_open_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    for name in ("index.sqlite", "index.sqlite-journal"):
        (tmp_path / name).touch()
        (tmp_path / name).chmod(0o644)
    private_sqlite(path)
    assert [mode(tmp_path / n) for n in ("index.sqlite", "index.sqlite-journal")] == [0o600] * 2
    with sqlite3.connect(path) as db:  # still the same database
        assert db.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_opening_a_database_again_keeps_the_locks_this_process_holds_on_it(
        tmp_path: Path) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it: a
    second store or index opened in the same process must not release the first one's
    write lock (seen as "disk I/O error" and lost writes)."""
    path = private_sqlite(tmp_path / "store.sqlite")
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (x)")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # holds the database's write lock
    private_sqlite(path)  # another part of this process opens the same database
    script = ("import sqlite3, sys; db = sqlite3.connect(sys.argv[1], timeout=0.1); "
              "db.execute('INSERT INTO t VALUES (2)'); db.commit()")
    locked_out = subprocess.run([sys.executable, "-c", script, str(path)],
                                capture_output=True, text=True, timeout=60)
    assert "database is locked" in locked_out.stderr
    writer.execute("ROLLBACK")
    writer.close()
