"""Key and operator changes under the issuer's rules, on anvil: `elicence authority add-key`,
`rotate-key` and `mark-compromised` (chain/cli, overseen through chain/cli/key_oversight.py)
and `elicence operator add|disable` need a named key-officer, are appended to the
authority's audit log with their transactions, and, once the approval policy covers key
changes, wait for a second operator's approval (exit 75), which runs the very same command.
A policy that covers key changes can itself only be changed with approval."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import update

from chain.cli.key_oversight import META_KEY
from chain.config import load_settings
from elicence import cli as root
from issuer.store import ApprovalRequest, Store
from tests.support.issuing import rows_file

from ..conftest import Home
from .test_operators import add, run_as, secret

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

DMV = "CN-31-DMV"
HELD, REFUSED = 75, 77


@pytest.fixture(scope="module")
def office(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("key-office")
    for by, name, roles in ((None, "keeper", ["key-officer"]), ("keeper", "alice", ["clerk"]),
                            ("keeper", "bob", ["approver"]),
                            ("keeper", "inspector", ["auditor"])):
        assert add(chain_home, tmp, by, name, *roles).exit_code == 0
    return tmp


def key_ids(home: Home) -> list[int]:
    shown = home.run("authority", "show", DMV).output
    return [int(n) for n in re.findall(r"^  key (\d+):", shown, re.MULTILINE)]


def log(home: Home, tmp: Path) -> list[dict]:
    shown = run_as(home, tmp, "inspector", "audit", "show", "--authority", DMV, "--json")
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.output)


def held_id(result) -> int:
    assert result.exit_code == HELD, result.output
    return int(re.search(r"Request (\d+) waits", result.output).group(1))


def test_the_root_command_hands_the_issuer_oversight_to_chain_commands() -> None:
    assert root.KEY_OVERSIGHT_META == META_KEY
    module, attribute = root.KEY_OVERSIGHT.split(":")
    assert attribute in vars(__import__(module, fromlist=[attribute]))


def test_a_key_change_by_anyone_but_a_key_officer_is_refused_and_logged(
        chain_home: Home, office: Path) -> None:
    before = key_ids(chain_home)
    refused = run_as(chain_home, office, "alice", "authority", "add-key", DMV)
    assert refused.exit_code == REFUSED
    assert refused.output.strip() == ("Error: alice may not add signing keys: that needs the "
                                      "key-officer role, and alice holds clerk.")
    unnamed = run_as(chain_home, office, None, "authority", "rotate-key", DMV)
    assert unnamed.exit_code == REFUSED
    assert "say who runs this command with --operator NAME" in unnamed.output
    assert key_ids(chain_home) == before  # nothing made, nothing sent
    failures = [(e["operator"], e["detail"]["attempted"], e["outcome"])
                for e in log(chain_home, office) if e["action"] == "login-failed"]
    assert ("alice", "add signing keys", "failed: role_missing") in failures
    assert ("(none)", "rotate signing keys", "failed: operator_required") in failures


def test_key_changes_are_audited_with_their_transactions(chain_home: Home,
                                                         office: Path) -> None:
    added = run_as(chain_home, office, "keeper", "authority", "add-key", DMV)
    assert added.exit_code == 0, added.output
    new_key = key_ids(chain_home)[-1]
    marked = run_as(chain_home, office, "keeper", "authority", "mark-compromised", DMV,
                    "--key", str(new_key))
    assert marked.exit_code == 0, marked.output
    entries = log(chain_home, office)
    # The set-up's own first key, added before the authority had operators, is there too.
    assert [e["operator"] for e in entries if e["action"] == "add-key"] == \
        ["authority", "keeper"]
    add_entry = [e for e in entries if e["action"] == "add-key"][-1]
    (mark_entry,) = [e for e in entries if e["action"] == "compromise-key"]
    assert (add_entry["operator"], add_entry["detail"]["key"], add_entry["outcome"]) == \
        ("keeper", new_key, "done")
    assert (mark_entry["operator"], mark_entry["detail"]["key"]) == ("keeper", new_key)
    for entry in (add_entry, mark_entry):
        assert len(entry["tx_hashes"]) == 1 and entry["tx_hashes"][0].startswith("0x")
        assert entry["approved_by"] is None  # no policy yet: nothing waits


def test_under_the_policy_a_rotation_waits_for_an_approver_and_runs_once(
        chain_home: Home, office: Path) -> None:
    assert run_as(chain_home, office, "keeper", "requests", "policy", "--authority", DMV,
                  "--key-changes").exit_code == 0
    before = key_ids(chain_home)
    request = held_id(run_as(chain_home, office, "keeper", "authority", "rotate-key", DMV))
    assert key_ids(chain_home) == before  # held: no key made, nothing sent
    shown = run_as(chain_home, office, "bob", "requests", "show", str(request),
                   "--authority", DMV, "--json")
    summary = json.loads(shown.output)["summary"]
    assert summary["text"].startswith(f"rotate {DMV}'s signing key: a new key made in a key "
                                      "file")
    # Neither the key-officer who asked (no approver role) nor a clerk approves it.
    for who in ("keeper", "alice"):
        assert run_as(chain_home, office, who, "requests", "approve", str(request),
                      "--authority", DMV).exit_code == REFUSED
    approved = run_as(chain_home, office, "bob", "requests", "approve", str(request),
                      "--authority", DMV)
    assert approved.exit_code == 0, approved.output
    assert "now signs; retired key(s)" in approved.output
    after = key_ids(chain_home)
    assert len(after) == len(before) + 1
    # A key change is finished by a key-officer (a clerk finishes issuance and lifecycle
    # requests), and a finished one never runs again.
    again = run_as(chain_home, office, "alice", "requests", "run", str(request),
                   "--authority", DMV)
    assert again.exit_code == REFUSED
    again = run_as(chain_home, office, "keeper", "requests", "run", str(request),
                   "--authority", DMV)
    assert again.exit_code == 1 and "has already run" in again.output
    assert key_ids(chain_home) == after
    entries = log(chain_home, office)
    asked = [e for e in entries if e["action"] == "request"][-1]
    assert (asked["operator"], asked["detail"]) == ("keeper", {"request": request,
                                                               "action": "rotate-key"})
    approval = [e for e in entries if e["action"] == "approve"][-1]
    assert (approval["operator"], approval["detail"]["requested_by"]) == ("bob", "keeper")
    (rotation,) = [e for e in entries if e["action"] == "rotate-key"]
    assert (rotation["operator"], rotation["approved_by"], rotation["detail"]["key"]) == \
        ("keeper", "bob", after[-1])
    assert len(rotation["tx_hashes"]) >= 2  # the new key, and the end of the old one


def test_under_the_policy_operator_changes_wait_too(chain_home: Home, office: Path) -> None:
    request = held_id(run_as(chain_home, office, "keeper", "operator", "add", "carol",
                             "--authority", DMV, "--role", "clerk", "--passphrase-file",
                             str(secret(office, "carol"))))
    listed = chain_home.run("operator", "list", "--authority", DMV).output
    assert "carol" not in listed
    assert run_as(chain_home, office, "bob", "requests", "approve", str(request),
                  "--authority", DMV).exit_code == 0
    assert "carol" in chain_home.run("operator", "list", "--authority", DMV).output
    rows = rows_file(office, 2, start=70_000, name="carol.csv")
    checked = run_as(chain_home, office, "carol", "issue", "--authority", DMV, "--type",
                     "driving", "--input", str(rows), "--dry-run")
    assert checked.exit_code == 0, checked.output  # carol logs in and works as a clerk

    request = held_id(run_as(chain_home, office, "keeper", "operator", "disable", "carol",
                             "--authority", DMV))
    assert run_as(chain_home, office, "bob", "requests", "approve", str(request),
                  "--authority", DMV).exit_code == 0
    assert re.search(r"^carol\s.*disabled$", chain_home.run(
        "operator", "list", "--authority", DMV).output, re.MULTILINE)
    entries = log(chain_home, office)
    changes = [(e["action"], e["operator"], e["approved_by"], e["detail"]["name"])
               for e in entries if e["action"] in ("operator-add", "operator-disable")
               and e["detail"]["name"] == "carol"]
    assert changes == [("operator-add", "keeper", "bob", "carol"),
                       ("operator-disable", "keeper", "bob", "carol")]


def test_the_policy_itself_cannot_be_loosened_by_one_key_officer(chain_home: Home,
                                                                  office: Path) -> None:
    request = held_id(run_as(chain_home, office, "keeper", "requests", "policy",
                             "--authority", DMV, "--no-key-changes"))
    described = chain_home.run("requests", "policy", "--authority", DMV).output
    assert "key and operator changes" in described  # unchanged while it waits
    assert run_as(chain_home, office, "bob", "requests", "reject", str(request),
                  "--authority", DMV).exit_code == 0
    assert "key and operator changes" in chain_home.run(
        "requests", "policy", "--authority", DMV).output
    verified = run_as(chain_home, office, "inspector", "audit", "verify", "--authority", DMV)
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith(f"Audit log of {DMV} is intact: ")


def test_a_key_change_interrupted_mid_run_is_not_repeated_blindly(chain_home: Home,
                                                                   office: Path) -> None:
    before = key_ids(chain_home)
    request = held_id(run_as(chain_home, office, "keeper", "authority", "add-key", DMV))
    # As if the approving process had been killed after the request moved to running.
    with Store.open(load_settings(chain_home.path, chain_home.env).store_url).session() as s:
        s.execute(update(ApprovalRequest).where(ApprovalRequest.id == request)
                  .values(state="running", decided_by="bob"))
    again = run_as(chain_home, office, "keeper", "requests", "run", str(request),
                   "--authority", DMV)
    assert again.exit_code == 1
    assert f"Request {request} was interrupted while it ran, and a key is never made twice " \
        "blindly" in again.output
    assert key_ids(chain_home) == before
