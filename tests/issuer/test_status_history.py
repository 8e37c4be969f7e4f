"""`elicence status-history` and the sandbox's role accounts on a real anvil node: a
licence's anchoring, its authority's revocation and the council's withdrawal, each with
block, time and public reason class, the council's action marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chain.config import load_settings
from chain.installation import Installation
from elicence.sandbox import AUTHORITIES, role_accounts
from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv
from licence.vocabulary import Role
from tests.support.home import Home

pytestmark = pytest.mark.anvil
DMV = "CN-31-DMV"


def test_each_sandbox_authority_has_three_role_accounts_assigned_on_chain(
        chain_home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in chain_home.env.items():
        monkeypatch.setenv(name, value)
    accounts = role_accounts(chain_home.path)
    registry = Installation(load_settings(chain_home.path)).registry()
    for authority in AUTHORITIES:
        roles = accounts[authority["id"]]
        assert set(roles) == {"anchor", "status", "keys"}
        assert len(set(roles.values())) == 3  # one account per role
        for role, address in roles.items():
            assert registry.authority_account(address).roles == Role[role.upper()]


def test_status_history_traces_anchoring_revocation_and_council_withdrawal(
        chain_home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in chain_home.env.items():
        monkeypatch.setenv(name, value)
    rows = list(driving_rows(2, seed=4040, start=4040))
    source = write_csv(tmp_path / "rows.csv", DRIVING_FIELDS, iter(rows))
    out = tmp_path / "out"
    chain_home.run("issue", "--authority", DMV, "--type", "driving", "--input", str(source),
                   "--out", str(out), "--no-pdf")
    entries = json.loads((out / "report.json").read_text(encoding="utf-8"))["licences"]
    revoked, withdrawn = (e["licence_number"] for e in entries)
    chain_home.run("revoke", "--authority", DMV, revoked, "--reason", "lost")
    chain_home.run("council", "withdraw", DMV, "--ref", entries[1]["status_ref"],
                   "--as", "council-1")
    registry = Installation(load_settings(chain_home.path)).registry()
    chain_home.run("council", "approve", str(registry.proposal_count()), "--as", "council-2")

    text = chain_home.run("status-history", revoked, "--authority", DMV).output
    lines = text.splitlines()
    assert lines[0].startswith("licence #") and entries[0]["status_ref"] in lines[0]
    assert "store: revoked, reason lost (staff only, not on chain)" in text
    anchored = next(line for line in lines if " anchored " in line)
    assert "under scope region 31" in anchored and "[authority]" in anchored
    assert "block" in anchored and "UTC" in anchored
    revocation = next(line for line in lines if " revoked " in line)
    assert "— lost_or_stolen" in revocation and revocation.endswith("[authority]")

    doc = json.loads(chain_home.run("status-history", withdrawn, "--authority", DMV,
                                    "--json").output)
    (trace,) = doc
    events = [(c["event"], c["reason_class"], c["by_council"]) for c in trace["chain"]]
    assert events == [("anchored", None, False), ("revoked", "council_withdrawn", True)]
    assert all(c["block"] > 0 and c["time"] > 0 for c in trace["chain"])


def test_status_history_of_an_unknown_number_is_one_sentence(chain_home: Home) -> None:
    result = chain_home.run("status-history", "NOSUCHNUMBER", "--authority", DMV, ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {DMV} has issued no licence under this number in this store.")
