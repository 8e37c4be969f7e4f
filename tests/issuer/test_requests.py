"""Four-eyes approval end to end on anvil: a policy holds large issuances, revocations and
purges as requests; `requests show` states what will happen; a second operator approves
(running it) or rejects; the requester cannot approve their own; an approved request runs
exactly once, also when its run is killed (SIGKILL) and finished with `requests run`."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv

from ..conftest import Home
from .test_crash_safety import kill_when, query
from .test_operators import add, run_as, secret

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

DMV = "CN-31-DMV"
HELD, REFUSED = 75, 77


def held_id(result) -> int:
    assert result.exit_code == HELD, result.output
    return int(re.search(r"Request (\d+) waits", result.output).group(1))


def show(home: Home, tmp_path: Path, request_id: int) -> dict:
    result = run_as(home, tmp_path, "alice", "requests", "show", str(request_id),
                    "--authority", DMV, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def office(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("office")
    for by, name, roles in ((None, "keeper", ["key-officer"]), ("keeper", "alice", ["clerk"]),
                            ("keeper", "bob", ["approver"]),
                            ("keeper", "carol", ["clerk", "approver"]),
                            ("keeper", "inspector", ["auditor"])):
        assert add(chain_home, tmp, by, name, *roles).exit_code == 0
    assert run_as(chain_home, tmp, "alice", "requests", "policy", "--authority", DMV,
                  "--revoke-over", "1").exit_code == REFUSED
    result = run_as(chain_home, tmp, "keeper", "requests", "policy", "--authority", DMV,
                    "--issue-rows-over", "100", "--revoke-over", "1", "--purges")
    assert "issuance files over 100 rows, revocations of more than 1 licences, purges" in \
        result.output
    return tmp


def issue_rows(home: Home, tmp: Path, who: str, rows: int, start: int, *extra: str):
    source = write_csv(tmp / f"rows-{start}.csv", DRIVING_FIELDS,
                       driving_rows(rows, seed=start, start=start))
    out = tmp / f"out-{start}"
    return run_as(home, tmp, who, "issue", "--authority", DMV, "--type", "driving", "--input",
                  str(source), "--out", str(out), "--no-pdf", "--quiet", *extra), out, source


def test_approval_runs_a_held_revocation_once_and_rejection_never(chain_home: Home,
                                                                  office: Path) -> None:
    tmp = office
    result, out, _ = issue_rows(chain_home, tmp, "alice", 5, 60_000)
    assert result.exit_code == 0, result.output  # under the policy's 100 rows
    numbers = [e["licence_number"] for e in json.loads((out / "report.json").read_text())[
        "licences"]]

    request_id = held_id(run_as(chain_home, tmp, "alice", "revoke", numbers[0], numbers[1],
                                "--authority", DMV, "--reason", "fraud", "--case", "C-88"))
    request = show(chain_home, tmp, request_id)
    assert (request["state"], request["action"], request["requested_by"]) == (
        "pending", "revoke", "alice")
    assert request["summary"]["count"] == 2 and request["summary"]["case"] == "C-88"
    assert request["summary"]["sample"] == numbers[:2]
    listed = run_as(chain_home, tmp, "bob", "requests", "list", "--authority", DMV).output
    assert f"{request_id:>5}  pending" in listed

    # The requester cannot approve (not an approver); nor can an approver their own.
    assert run_as(chain_home, tmp, "alice", "requests", "approve", str(request_id),
                  "--authority", DMV).exit_code == REFUSED
    own = held_id(run_as(chain_home, tmp, "carol", "revoke", numbers[2], numbers[3],
                         "--authority", DMV, "--reason", "fraud"))
    result = run_as(chain_home, tmp, "carol", "requests", "approve", str(own),
                    "--authority", DMV)
    assert result.exit_code == 1 and "cannot approve it too" in result.output

    result = run_as(chain_home, tmp, "bob", "requests", "approve", str(request_id),
                    "--authority", DMV)
    assert result.exit_code == 0, result.output
    assert "2 revoked, 0 refused" in result.output and f"Request {request_id} done" in \
        result.output
    request = show(chain_home, tmp, request_id)
    assert request["state"] == "done" and request["decided_by"] == "bob"
    assert request["approval_signature"]

    again = run_as(chain_home, tmp, "bob", "requests", "approve", str(request_id),
                   "--authority", DMV)
    assert again.exit_code == 1 and "not pending" in again.output
    rerun = run_as(chain_home, tmp, "alice", "requests", "run", str(request_id),
                   "--authority", DMV)
    assert rerun.exit_code == 1 and "already run" in rerun.output

    log = json.loads(run_as(chain_home, tmp, "inspector", "audit", "show", "--authority", DMV,
                            "--json").output)
    revoke = [e for e in log if e["action"] == "revoke" and e["outcome"] == "done"]
    assert len(revoke) == 1
    assert (revoke[0]["operator"], revoke[0]["approved_by"], revoke[0]["case_number"]) == (
        "alice", "bob", "C-88")
    assert [(e["operator"], e["outcome"]) for e in log if e["action"] == "approve"] == [
        ("carol", "failed: same_operator"), ("bob", "done"),
        ("bob", "failed: request_not_pending")]

    # A rejected request never runs.
    purge_id = held_id(run_as(chain_home, tmp, "alice", "purge", numbers[4], "--authority",
                              DMV))
    assert run_as(chain_home, tmp, "bob", "requests", "reject", str(purge_id),
                  "--authority", DMV).exit_code == 0
    result = run_as(chain_home, tmp, "alice", "requests", "run", str(purge_id),
                    "--authority", DMV)
    assert result.exit_code == 1 and "runs only once approved" in result.output
    assert show(chain_home, tmp, purge_id)["state"] == "rejected"


ROWS, BATCH = 600, 50


def test_an_approved_issuance_killed_mid_run_finishes_exactly_once(chain_home: Home,
                                                                    office: Path) -> None:
    tmp = office
    result, out, source = issue_rows(chain_home, tmp, "alice", ROWS, 610_000,
                                     "--batch-size", str(BATCH), "--workers", "1")
    request_id = held_id(result)
    summary = show(chain_home, tmp, request_id)["summary"]
    assert summary["count"] == ROWS and len(summary["file_sha256"]) == 64
    assert summary["sample"][0].startswith("row 2: ")
    assert not out.exists()  # nothing issued while held

    store = chain_home.path / "store.sqlite"
    env = {**chain_home.env, "ELICENCE_OPERATOR": "bob",
           "ELICENCE_OPERATOR_PASSPHRASE_FILE": str(secret(tmp, "bob"))}
    approving = Home(chain_home.path, env)
    confirmed_before = query(store, "select count(*) from batches where state='confirmed'")
    killed = kill_when(approving, ["requests", "approve", str(request_id), "--authority", DMV],
                       lambda: query(store, "select count(*) from batches where "
                                            "state='confirmed'") >= confirmed_before + 2)
    assert killed, "the approved run finished before it could be killed"
    assert show(chain_home, tmp, request_id)["state"] == "running"

    # The file cannot be swapped in between; then the clerk finishes the run.
    finished = run_as(chain_home, tmp, "alice", "requests", "run", str(request_id),
                      "--authority", DMV)
    assert finished.exit_code == 0, finished.output
    assert "(resumed)" in finished.output
    assert show(chain_home, tmp, request_id)["state"] == "done"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    numbers = Counter(e["licence_number"] for e in report["licences"])
    assert len(numbers) == ROWS and set(numbers.values()) == {1}
    with sqlite3.connect(store) as db:
        (stored,) = db.execute("select count(*) from licences where licence_number in "
                               f"({','.join('?' * ROWS)})", list(numbers)).fetchone()
    assert stored == ROWS

    again = run_as(chain_home, tmp, "alice", "requests", "run", str(request_id),
                   "--authority", DMV)
    assert again.exit_code == 1 and "already run" in again.output
    assert source.exists()
