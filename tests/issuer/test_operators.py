"""`elicence operator add|list|disable` and the check every command makes: named operators
with their own key files and passphrases, roles refused in one sentence (exit 77), login
failures written to the audit log, on anvil and SQLite."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from elicence.cli import main
from tests.support.issuing import rows_file

from ..conftest import Home

pytestmark = pytest.mark.anvil

DMV = "CN-31-DMV"
REFUSED = 77


def secret(tmp_path: Path, name: str, value: str | None = None) -> Path:
    path = tmp_path / f"{name}.pass"
    path.write_text((value or f"{name} has a long passphrase") + "\n")
    path.chmod(0o600)
    return path


def run_as(home: Home, tmp_path: Path, name: str | None, *args: str,
           passphrase: str | None = None):
    env = dict(home.env)
    if name is not None:
        env["ELICENCE_OPERATOR"] = name
        env["ELICENCE_OPERATOR_PASSPHRASE_FILE"] = str(secret(tmp_path, f"as-{name}",
                                                               passphrase or
                                                               f"{name} has a long passphrase"))
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def add(home: Home, tmp_path: Path, by: str | None, name: str, *roles: str):
    role_args = [arg for role in roles for arg in ("--role", role)]
    return run_as(home, tmp_path, by, "operator", "add", name, "--authority", DMV, *role_args,
                  "--passphrase-file", str(secret(tmp_path, name)))


def issue(home: Home, tmp_path: Path, who: str | None, start: int):
    out = tmp_path / f"out-{start}"
    return run_as(home, tmp_path, who, "issue", "--authority", DMV, "--type", "driving",
                  "--input", str(rows_file(tmp_path, 2, start=start, name=f"r{start}.csv")),
                  "--out", str(out), "--no-pdf", "--quiet"), out


def audit_log(home: Home, tmp_path: Path) -> list[dict]:
    result = run_as(home, tmp_path, "inspector", "audit", "show", "--authority", DMV, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_operators_roles_and_login(chain_home: Home, tmp_path: Path) -> None:
    # Before the first operator the authority acts as one office.
    result, _ = issue(chain_home, tmp_path, None, start=50_000)
    assert result.exit_code == 0, result.output
    assert "has no operators" in chain_home.run("operator", "list", "--authority", DMV).output

    refused = add(chain_home, tmp_path, None, "alice", "clerk")
    assert refused.exit_code == 1 and "must hold the key-officer role" in refused.output
    assert add(chain_home, tmp_path, None, "keeper", "key-officer").exit_code == 0
    key_file = chain_home.path / "operators" / DMV / "signing" / "keeper.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    # From now on every command names its operator.
    result, _ = issue(chain_home, tmp_path, None, start=50_100)
    assert result.exit_code == REFUSED
    assert "say who runs this command with --operator NAME" in result.output
    assert add(chain_home, tmp_path, None, "bob", "approver").exit_code == REFUSED
    for name, role in (("alice", "clerk"), ("bob", "approver"), ("inspector", "auditor")):
        done = add(chain_home, tmp_path, "keeper", name, role)
        assert done.exit_code == 0, done.output
    listing = chain_home.run("operator", "list", "--authority", DMV).output
    assert "alice" in listing and "approver" in listing

    result, out = issue(chain_home, tmp_path, "alice", start=50_200)
    assert result.exit_code == 0, result.output
    number = json.loads((out / "report.json").read_text())["licences"][0]["licence_number"]

    # Outside one's roles: one sentence, exit 77, nothing done.
    result = run_as(chain_home, tmp_path, "bob", "revoke", number, "--authority", DMV,
                    "--reason", "fraud")
    assert result.exit_code == REFUSED
    assert result.output.strip() == ("Error: bob may not revoke: that needs the clerk role, "
                                      "and bob holds approver.")
    assert run_as(chain_home, tmp_path, "alice", "audit", "show", "--authority",
                  DMV).exit_code == REFUSED

    # A wrong passphrase, an unknown name: refused and logged.
    result = run_as(chain_home, tmp_path, "alice", "revoke", number, "--authority", DMV,
                    "--reason", "fraud", passphrase="not alice's passphrase")
    assert result.exit_code == REFUSED and "does not open alice's key file" in result.output
    assert run_as(chain_home, tmp_path, "mallory", "issue", "--authority", DMV, "--type",
                  "driving", "--input", str(rows_file(tmp_path, 1, start=50_300)), "--out",
                  str(tmp_path / "m")).exit_code == REFUSED

    # A swapped key file (another operator's, under their passphrase) is not alice's.
    alice_file = chain_home.path / "operators" / DMV / "signing" / "alice.json"
    saved = alice_file.read_bytes()
    bob_doc = json.loads((alice_file.parent / "bob.json").read_text())
    bob_doc["name"] = "alice"
    alice_file.write_text(json.dumps(bob_doc))
    result = run_as(chain_home, tmp_path, "alice", "revoke", number, "--authority", DMV,
                    "--reason", "fraud", passphrase="bob has a long passphrase")
    assert result.exit_code == REFUSED
    alice_file.write_bytes(saved)

    log = audit_log(chain_home, tmp_path)
    failures = [(e["operator"], e["outcome"], e["detail"]["attempted"]) for e in log
                if e["action"] == "login-failed"]
    assert ("bob", "failed: role_missing", "revoke") in failures
    assert ("alice", "failed: login_failed", "revoke") in failures
    assert ("mallory", "failed: operator_unknown", "issue") in failures
    assert ("(none)", "failed: operator_required", "issue") in failures
    assert [e["operator"] for e in log if e["action"] == "issue"][-1] == "alice"
    assert [(e["detail"]["name"], e["outcome"]) for e in log
            if e["action"] == "operator-add"] == [
        ("alice", "failed: first_operator_not_key_officer"), ("keeper", "done"),
        ("alice", "done"), ("bob", "done"), ("inspector", "done")]

    # Disabled: refused from then on; the last key-officer cannot be disabled.
    assert run_as(chain_home, tmp_path, "keeper", "operator", "disable", "alice",
                  "--authority", DMV).exit_code == 0
    result, _ = issue(chain_home, tmp_path, "alice", start=50_400)
    assert result.exit_code == REFUSED and "alice is disabled" in result.output
    last = run_as(chain_home, tmp_path, "keeper", "operator", "disable", "keeper",
                  "--authority", DMV)
    assert last.exit_code == 1 and "last active key-officer" in last.output
