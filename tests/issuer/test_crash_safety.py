"""Killing `elicence issue` (SIGKILL) at several points of a real run against anvil, then
running the same command again, finishes the job: no licence lost, none issued twice, no
batch anchored twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv
from tests.support.home import Home
from tests.support.issuing import anchored_batches

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

ROWS, BATCH = 3_000, 100


def query(store: Path, sql: str) -> int:
    """Reads the store while the issuer writes (WAL lets readers in); 0 before it exists."""
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1) as db:
            return db.execute(sql).fetchone()[0] or 0
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def assert_group_gone(pgid: int, timeout: float = 10) -> None:
    """No worker process (which holds the signing key) outlives the killed issuer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("worker processes outlived the killed issuer")


def kill_when(home: Home, args: list[str], condition: Callable[[], bool],
              timeout: float = 120) -> bool:
    """Starts the command, SIGKILLs it once `condition` holds; False if it ended first."""
    process = subprocess.Popen([sys.executable, "-m", "elicence", *args],
                               env=home.subprocess_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if condition():
                process.send_signal(signal.SIGKILL)  # the issuer only; its workers follow
                process.wait(10)
                assert_group_gone(process.pid)
                return True
            time.sleep(0.005)
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_sigkill_at_any_stage_then_rerun_finishes_exactly_once(chain_home: Home,
                                                                tmp_path: Path) -> None:
    source = write_csv(tmp_path / "rows.csv", DRIVING_FIELDS,
                       driving_rows(ROWS, seed=7, start=700_000))
    out = tmp_path / "out"
    args = ["issue", "--authority", "CN-31-DMV", "--type", "driving", "--input", str(source),
            "--out", str(out), "--batch-size", str(BATCH), "--no-pdf", "--quiet",
            "--workers", "1"]
    store = chain_home.path / "store.sqlite"
    anchors_before = len(anchored_batches(chain_home))

    def batches(state: str) -> int:
        return query(store, f"select count(*) from batches where state = '{state}'")

    stages = {
        "while validating": lambda: query(store, "select count(*) from jobs") == 0
        and time.monotonic() - started > 1.5,
        "after the first signed batch": lambda: batches("signed") >= 1,
        "with transactions in flight": lambda: batches("submitted") >= 3,
        "while confirming": lambda: batches("confirmed") >= 5,
        "while writing outputs": lambda: (out / "report.json.tmp").exists(),
    }
    killed = []
    for name, condition in stages.items():
        started = time.monotonic()
        if kill_when(chain_home, args, condition):
            killed.append(name)
    assert len(killed) >= 4, f"the run finished before most kill points: killed {killed}"

    final = subprocess.run([sys.executable, "-m", "elicence", *args],
                           env=chain_home.subprocess_env(), capture_output=True, text=True,
                           timeout=300)
    assert final.returncode == 0, final.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    numbers = Counter(e["licence_number"] for e in report["licences"])
    assert len(numbers) == ROWS and set(numbers.values()) == {1}

    assert query(store, "select count(*) from licences where licence_number >= "
                        "'310000000000700000' and licence_number < '310000000000703000'") == ROWS
    assert query(store, "select count(*) from batches where state != 'confirmed'") == 0
    stored_roots = Counter()
    with sqlite3.connect(store) as db:
        for (roots,) in db.execute("select roots from batches"):
            stored_roots[bytes(roots)] += 1
    anchors = anchored_batches(chain_home)[anchors_before:]
    anchored_roots = Counter(bytes(a["roots"]) for a in anchors)
    job_roots = {r for r in anchored_roots if r in stored_roots}
    assert len(job_roots) == ROWS // BATCH
    assert all(anchored_roots[r] == 1 for r in job_roots), "a batch was anchored twice"
    batch_roots = {e["batch_root"] for e in report["licences"]}
    assert batch_roots <= {r[i:i + 16].hex() for r in job_roots for i in range(0, len(r), 16)}
