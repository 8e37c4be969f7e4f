"""`elicence issue` end to end on a real anvil node and a real SQLite store."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import licence
from issuer.issue.outputs import read_claim_codes
from issuer.issue.samples import driving_rows, write_csv
from tests.support.home import Home
from tests.support.issuing import anchored_batches, registry, report, rows_file

pytestmark = pytest.mark.anvil


def test_issue_validates_signs_anchors_and_reports(chain_home: Home, tmp_path: Path) -> None:
    source = rows_file(tmp_path, 60, start=1000, bad={
        4: {"birth_date": "1990-02-30"}, 9: {"vehicle_classes": "Z9"},
        20: {"licence_number": ""}, 30: {"licence_number": "310000000000001002"}})
    out = tmp_path / "out"
    before = len(anchored_batches(chain_home))
    result = chain_home.run("issue", "--authority", "CN-31-DMV", "--type", "driving",
                            "--input", str(source), "--out", str(out), "--batch-size", "25",
                            "--no-pdf", ok=False)
    assert result.exit_code == 3, result.output
    assert "56 issued, 4 rejected, 3 batches, 3 transactions" in result.output
    assert "row 6: birth_date" in result.output
    assert "row 32: licence_number is the same as on row 4 of this file." in result.output

    rejected = (out / "rejected.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejected[0] == "row,field,problem,message,expected"
    assert sorted(int(line.split(",")[0]) for line in rejected[1:]) == [6, 11, 22, 32]

    data = report(out)
    entries = data["licences"]
    assert len(entries) == 56 == data["issued"]
    assert len({e["licence_number"] for e in entries}) == 56
    anchors = anchored_batches(chain_home)[before:]
    assert len(anchors) == 3
    on_chain_roots = {bytes(a["roots"])[i:i + 16].hex() for a in anchors
                      for i in range(0, len(a["roots"]), 16)}
    reg = registry(chain_home)
    for entry in entries:
        decoded = licence.decode_unverified(entry["qr"])
        assert decoded.claims["licence_number"] == entry["licence_number"]
        key = reg.key(decoded.header.authority, decoded.header.key_id)
        decoded.verify_signature(licence.public_key_from_bytes(key.public_key))
        assert decoded.subtree_root().hex() == entry["batch_root"]
        assert entry["batch_root"] in on_chain_roots
        assert entry["pdf"] is None and "claim_code" not in entry
    codes = read_claim_codes(out)  # the codes have a file of their own
    assert [(c["licence_number"], c["row"]) for c in codes] == [
        (e["licence_number"], str(e["row"])) for e in entries]
    assert all(c["claim_code"].count("-") == 3 and c["claim_expires_at"].endswith("Z")
               for c in codes)


def test_running_the_same_command_again_issues_nothing_twice(chain_home: Home,
                                                             tmp_path: Path) -> None:
    source = rows_file(tmp_path, 30, start=2000)
    out = tmp_path / "out"
    args = ("issue", "--authority", "CN-31-DMV", "--type", "driving", "--input", str(source),
            "--out", str(out), "--batch-size", "10", "--no-pdf")
    chain_home.run(*args)
    first = report(out)
    anchors = len(anchored_batches(chain_home))
    again = chain_home.run(*args)
    assert "(resumed)" in again.output
    assert report(out) == first
    assert len(anchored_batches(chain_home)) == anchors

    elsewhere = chain_home.run(*args[:-3], "--out", str(tmp_path / "other"), "--batch-size",
                               "30", "--no-pdf", ok=False)
    assert elsewhere.exit_code == 3
    assert "already issued by this authority and still active" in elsewhere.output


def test_dry_run_only_validates(chain_home: Home, tmp_path: Path) -> None:
    source = rows_file(tmp_path, 12, start=3000, bad={1: {"expiry_date": "1999-01-01"}})
    anchors = len(anchored_batches(chain_home))
    result = chain_home.run("issue", "--authority", "CN-31-DMV", "--type", "driving",
                            "--input", str(source), "--dry-run", ok=False)
    assert result.exit_code == 3
    assert "Dry run: 12 rows, 11 would be issued, 1 rejected." in result.output
    assert len(anchored_batches(chain_home)) == anchors
    assert not (tmp_path / "out").exists()


def test_json_lines_input(chain_home: Home, tmp_path: Path) -> None:
    source = tmp_path / "rows.jsonl"
    rows = [dict(r, vehicle_classes=r["vehicle_classes"].split())
            for r in driving_rows(5, seed=4000, start=4000)]
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                      encoding="utf-8")
    chain_home.run("issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
                   str(source), "--out", str(tmp_path / "out"), "--no-pdf")
    assert Counter(e["licence_type"] for e in report(tmp_path / "out")["licences"]) == {
        "driving": 5}


@pytest.mark.parametrize(("args", "code", "words"), [
    (("--type", "boat"), 2, "Licence type 'boat' is unknown"),
    (("--type", "business"), 1, "not accredited for this licence type"),
    (("--type", "driving", "--authority", "CN-99-NOPE"), 1, "No authority 'CN-99-NOPE'"),
])
def test_refusals(chain_home: Home, tmp_path: Path, args: tuple[str, ...], code: int,
                  words: str) -> None:
    source = rows_file(tmp_path, 2, start=5000)
    base = ["issue", "--authority", "CN-31-DMV", "--input", str(source), "--out",
            str(tmp_path / "out"), "--no-pdf"]
    if "--authority" in args:
        base[1:3] = []
    result = chain_home.run(*base, *args, ok=False)
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_business_licences_with_letters_including_long_term(chain_home: Home,
                                                            tmp_path: Path) -> None:
    from pypdf import PdfReader

    from issuer.issue.samples import BUSINESS_FIELDS, business_rows

    rows = list(business_rows(4, seed=61))
    rows[0]["expiry_date"] = ""  # long-term (长期)
    source = write_csv(tmp_path / "business.csv", BUSINESS_FIELDS, iter(rows))
    out = tmp_path / "out"
    chain_home.run("issue", "--authority", "CN-32-AMR", "--type", "business", "--input",
                   str(source), "--out", str(out))
    entries = report(out)["licences"]
    assert len(entries) == 4
    text = PdfReader(out / entries[0]["pdf"]).pages[0].extract_text()
    assert "长期 Long-term" in text and rows[0]["company_name"] in text
    assert (out / entries[0]["png"]).read_bytes().startswith(b"\x89PNG")
