"""What a purge leaves in the audit log (docs/decisions/0240): the log is never edited, so
the licence's number stays in the entries that named it (the agency's record of its own
acts, readable by auditors only), never any claim; the purge entry names the licence and
the input files that issued it, so `audit show --licence NUMBER` still answers "who did
what to this licence" after its number has left the store; and `audit verify` still
passes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from issuer.audit.facts import issuing_files

from ..conftest import Home
from .test_audit_command import shown, store
from .test_lifecycle import DMV, issue, licences

pytestmark = pytest.mark.anvil


def test_a_purged_licence_is_still_traced_by_number_and_no_claim_enters_the_log(
        chain_home: Home, tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 3, start=60_000)
    with (tmp_path / "rows-60000.csv").open(encoding="utf-8") as rows:
        holders = list(csv.DictReader(rows))
    purged = numbers[0]
    (file_sha,) = issuing_files(store(chain_home), DMV, [purged])
    chain_home.run("revoke", "--authority", DMV, purged, "--reason", "holder_deceased",
                   "--case", "C-2026-88")
    chain_home.run("purge", "--authority", DMV, purged)
    assert not licences(chain_home, [purged])  # the number has left the licence store

    about = shown(chain_home, "--licence", purged)
    assert [e["action"] for e in about] == ["issue", "revoke", "purge"]
    issued, revoked, purge = about
    assert issued["file_sha256"] == file_sha
    assert revoked["case_number"] == "C-2026-88"
    assert purge["licences"] == [purged] and purge["detail"]["issued_from"] == [file_sha]
    assert purge["detail"]["purged"] == 1

    verified = chain_home.run("audit", "verify", "--authority", DMV)
    assert "is intact" in verified.output  # the purge did not touch the log

    out = tmp_path / "audit.csv"
    chain_home.run("audit", "export", "--authority", DMV, "--out", str(out))
    exported = out.read_text(encoding="utf-8")
    assert purged in exported
    for holder in holders:  # numbers only: no holder's name, birth date or address
        for key in ("given_name", "birth_date", "address"):
            assert holder[key] not in exported, key
        assert holder["family_name"] + holder["given_name"] not in exported
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["action"] for r in rows} >= {"issue", "revoke", "purge"}
