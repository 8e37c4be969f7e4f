"""Everything an installation writes is readable by its owner alone, whatever the umask of
the commands that write it: the home (store, keys, locks, node, logs) and the output
folders (report.json, claim-codes.csv, letters, QR images, rejected.csv)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.home import Home
from tests.support.issuing import report, rows_file
from tests.support.ports import free_port

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]


def elicence(home: Home, umask: int, *args: str) -> subprocess.CompletedProcess[str]:
    """`elicence ARGS` in a process of its own started with `umask`."""
    return subprocess.run([sys.executable, "-m", "elicence", *args], env=home.subprocess_env(),
                          cwd=ROOT, umask=umask, capture_output=True, text=True, timeout=300)


def not_private(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every folder under `root` (itself included) whose mode is not 0700 and every file
    whose mode is not 0600, with its mode."""
    found = {}
    for folder, _, files in os.walk(root):
        here = Path(folder)
        for path, wanted in [(here, 0o700), *((here / name, 0o600) for name in files)]:
            if path.name in skip:
                continue
            mode = stat.S_IMODE(path.lstat().st_mode)
            if mode != wanted and not path.is_symlink():
                found[str(path.relative_to(root.parent))] = f"{mode:04o}"
    return found


# Made by the tests' own set-up (tests/conftest.py), not by elicence.
TEST_FILES = ("passphrase",)


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_issuing_replacing_and_verifying_write_only_private_files(
        chain_home: Home, tmp_path: Path, umask: int) -> None:
    chain_home.path.chmod(0o755)  # as an older version left it: made private on use
    start = 60_000 + umask * 10
    out, replaced = tmp_path / "out", tmp_path / "replaced"
    issued = elicence(chain_home, umask, "issue", "--authority", "CN-31-DMV", "--type",
                      "driving", "--input", str(rows_file(tmp_path, 3, start=start, bad={
                          2: {"birth_date": "1990-02-30"}})),
                      "--out", str(out), "--workers", "2", "--batch-size", "1")
    assert issued.returncode == 3, issued.stderr
    number = report(out)["licences"][0]["licence_number"]
    done = elicence(chain_home, umask, "replace", "--authority", "CN-31-DMV", number,
                    "--reason", "lost", "--out", str(replaced))
    assert done.returncode == 0, done.stderr
    verified = elicence(chain_home, umask, "verify", "--image", str(out / "qr" / "row-0000003.png"))
    assert verified.returncode == 0, verified.stdout + verified.stderr

    names = {p.name for p in chain_home.path.rglob("*")}
    assert {"store.sqlite", "index.sqlite", "verifications.jsonl",
            "verifier-salt", "config.json", "anvil.log", "state.json"} <= names
    assert {p.name for p in out.rglob("*")} >= {"report.json", "claim-codes.csv",
                                                "rejected.csv", "row-0000002.pdf",
                                                "row-0000002.png", "pdf", "qr"}
    assert not_private(chain_home.path, skip=TEST_FILES) == {}
    assert not_private(out) == {}
    assert not_private(replaced) == {}


def test_an_existing_output_folder_open_to_others_is_refused(chain_home: Home,
                                                            tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    refused = elicence(chain_home, 0o022, "issue", "--authority", "CN-31-DMV", "--type",
                       "driving", "--input", str(rows_file(tmp_path, 2, start=61_000)),
                       "--out", str(shared), "--no-pdf")
    assert refused.returncode == 1
    assert refused.stderr == (f"Error: {shared} can be opened by other users (mode 0755): make "
                              f"it private with `chmod 700 {shared}`, or name a new folder.\n")
    assert list(shared.iterdir()) == [] and stat.S_IMODE(shared.stat().st_mode) == 0o755


def test_the_web_app_writes_only_private_files(chain_home: Home) -> None:
    """`elicence serve` (the follower's state, the index, receipts, the verification log)
    under a umask that would let the whole machine read them."""
    port = free_port()
    env = {**chain_home.subprocess_env(), "ELICENCE_RATE_LIMIT": "off"}
    process = subprocess.Popen(
        [sys.executable, "-m", "elicence", "serve", "--port", str(port), "--workers", "1"],
        env=env, cwd=ROOT, umask=0o002, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _verified(port):
            assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    names = {p.name for p in chain_home.path.iterdir()}
    assert {"follower.json", "verifier-state.sqlite", "verifications.jsonl"} <= names
    assert not_private(chain_home.path, skip=TEST_FILES) == {}


def _verified(port: int) -> bool:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/verify",
                                     json.dumps({"qr": "ELC1:NOT A LICENCE"}).encode(),
                                     {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False
