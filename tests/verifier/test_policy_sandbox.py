"""Cross-province recognition end to end on a real anvil node with the real issuer: the
sandbox's Shanghai (CN-31-DMV) and Guangdong (CN-44-DMV) traffic police each issue from
their CSV (the Guangdong one is the demo's third-province data); `elicence verify` at a
Zhejiang counter says both are valid, and not_accepted once the counter only takes
Zhejiang's own licences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elicence.demo import DEMO_DATA
from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv
from tests.support.home import Home

pytestmark = pytest.mark.anvil


def issue(home: Home, authority: str, source: Path, out: Path) -> dict:
    home.run("issue", "--authority", authority, "--type", "driving", "--input", str(source),
             "--out", str(out), "--no-pdf")
    return json.loads((out / "report.json").read_text("utf-8"))["licences"][0]


def test_two_provinces_valid_at_a_third_and_not_accepted_under_its_own_policy(
        chain_home: Home, tmp_path: Path) -> None:
    shanghai = issue(chain_home, "CN-31-DMV", write_csv(
        tmp_path / "rows.csv", DRIVING_FIELDS, iter(driving_rows(1, seed=6060, start=6060))),
        tmp_path / "sh")
    guangdong = issue(chain_home, "CN-44-DMV", DEMO_DATA / "driving-44.csv", tmp_path / "gd")
    for licence, authority in ((shanghai, "CN-31-DMV"), (guangdong, "CN-44-DMV")):
        result = chain_home.run("verify", "--json", licence["qr"])
        doc = json.loads(result.output[result.output.index("{"):])
        assert (doc["verdict"], doc["authority"]["id"]) == ("valid", authority)
        narrow = chain_home.run("verify", "--no-sync", "--accept-region", "33",
                                licence["qr"], ok=False)
        assert narrow.exit_code == 3, narrow.output
        assert narrow.output.startswith("NOT ACCEPTED HERE — 本柜台不受理")
        assert f"licences issued by {authority}" in narrow.output
