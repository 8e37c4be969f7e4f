"""`elicence audit` end to end on anvil: issuance and lifecycle commands land in the log
with who, what, case and transactions; the head is anchored on chain at the end of each
command; `audit verify` finds tampering and names the entry; the export is private and
holds no personal data."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import update

from chain.config import load_settings
from issuer.store import AuditEntry, Store
from tests.support.issuing import registry

from ..conftest import Home
from .test_lifecycle import issue

pytestmark = pytest.mark.anvil

DMV = "CN-31-DMV"


def store(home: Home) -> Store:
    return Store.open(load_settings(home.path, home.env).store_url)


def shown(home: Home, *args: str) -> list[dict]:
    return json.loads(home.run("audit", "show", "--authority", DMV, "--json", *args).output)


def test_commands_are_logged_anchored_verified_and_exported(chain_home: Home,
                                                            tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 4, start=40_000)
    chain_home.run("revoke", "--authority", DMV, numbers[0], "--reason", "fraud",
                   "--case", "C-2026-17", "--operator", "alice")

    log = shown(chain_home)
    issued, revoked = log[-2], log[-1]
    assert (issued["action"], issued["licence_count"], issued["outcome"]) == ("issue", 4, "done")
    assert len(issued["file_sha256"]) == 64 and issued["tx_hashes"]
    assert (revoked["action"], revoked["operator"], revoked["case_number"]) == (
        "revoke", "alice", "C-2026-17")
    assert revoked["licences"] == [numbers[0]] and revoked["tx_hashes"]

    # Who did what to this licence: its issuance (by the file's hash) and its revocation.
    about = shown(chain_home, "--licence", numbers[0])
    assert [e["action"] for e in about] == ["issue", "revoke"]
    assert [e["action"] for e in shown(chain_home, "--licence", numbers[1])] == ["issue"]
    assert [e["sequence"] for e in shown(chain_home, "--operator", "alice")] == [
        revoked["sequence"]]
    text = chain_home.run("audit", "show", "--authority", DMV, "--licence", numbers[0]).output
    assert "revoke  by alice  case C-2026-17" in text

    # Each command anchored the head it left.
    number = registry(chain_home).authority_by_id(DMV)
    anchors = registry(chain_home).audit_anchors(number)
    assert anchors[-1].count == revoked["sequence"]
    assert anchors[-1].head.hex() == revoked["hash"]
    result = chain_home.run("audit", "verify", "--authority", DMV)
    assert "is intact" in result.output

    out = tmp_path / "audit.csv"
    chain_home.run("audit", "export", "--authority", DMV, "--out", str(out), "--as", "insp")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["sequence"] for r in rows] == [str(e["sequence"]) for e in log]
    claims = json.loads((tmp_path / "issued-40000" / "report.json").read_text())["licences"]
    exported = out.read_text(encoding="utf-8")
    for entry in claims:  # licence numbers only: no holder's name or other claim
        for key, value in entry.items():
            if key in ("name", "holder_name", "id_number", "address"):
                assert str(value) not in exported
    assert shown(chain_home)[-1]["action"] == "export"  # the export is logged too

    # Tampering: an entry's case number is changed in the store.
    with store(chain_home).session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.authority_id == DMV,
                                           AuditEntry.sequence == revoked["sequence"])
                  .values(case_number="C-forged"))
    result = chain_home.run("audit", "verify", "--authority", DMV, ok=False)
    assert result.exit_code == 4
    assert f"entry {revoked['sequence']} (revoke by alice" in result.output
    assert "changed after it was written" in result.output


def test_a_failed_command_is_logged_with_its_reason(chain_home: Home) -> None:
    result = chain_home.run("revoke", "--authority", DMV, "NO-SUCH-NUMBER", "--reason",
                            "fraud", "--operator", "bob", ok=False)
    assert result.exit_code in (1, 3)
    last = shown(chain_home)[-1]
    assert (last["action"], last["operator"], last["licences"]) == (
        "revoke", "bob", ["NO-SUCH-NUMBER"])


def test_anchor_command_and_bad_options(chain_home: Home) -> None:
    chain_home.run("audit", "anchor", "--authority", DMV)
    again = chain_home.run("audit", "anchor", "--authority", DMV)
    assert "Nothing new to anchor" in again.output
    bad = chain_home.run("audit", "show", "--authority", DMV, "--since", "soon", ok=False)
    assert bad.exit_code == 2 and "is not a date" in bad.output


def test_a_wallet_claim_is_logged_by_number_and_anchored_by_the_next_anchor(
        chain_home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from elicence.app import create_app
    from tests.support.issuing import issued_licences, rows_file

    from .test_claims import wallet_claim

    out = tmp_path / "claimable"
    chain_home.run("issue", "--authority", DMV, "--type", "driving", "--input",
                   str(rows_file(tmp_path, 1, start=41_000)), "--out", str(out), "--no-pdf")
    (issued,) = issued_licences(out)
    for name, value in chain_home.env.items():
        monkeypatch.setenv(name, value)
    client = create_app(load_settings(chain_home.path, chain_home.env)).test_client()
    answer = wallet_claim(client, issued["claim_code"], ec.generate_private_key(
        ec.SECP256R1()))
    assert answer.status_code == 200, answer.get_json()
    last = shown(chain_home)[-1]
    assert (last["action"], last["operator"], last["licences"]) == (
        "claim", "claim-server", [issued["licence_number"]])
    chain_home.run("audit", "anchor", "--authority", DMV)
    number = registry(chain_home).authority_by_id(DMV)
    assert registry(chain_home).audit_anchors(number)[-1].count == last["sequence"]
