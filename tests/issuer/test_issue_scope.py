"""`elicence issue` against the authority's scope on chain: rows of a region outside it are
rejected up front, the others are anchored under the scope region with their own region
signed in the licence (real anvil node, real SQLite store)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

import licence
from chain.config import load_settings
from chain.connect import connect
from chain.records import decode_region
from chain.registry import Registry
from issuer.issue.samples import BUSINESS_FIELDS, business_rows, credit_code, write_csv
from tests.support.home import Home

pytestmark = pytest.mark.anvil


def anchored(home: Home) -> list[dict]:
    settings = load_settings(home.path, home.env)
    contract = Registry(connect(settings.rpc_url), settings.registry_address).contract
    return [dict(e["args"]) for e in contract.events.BatchAnchored.get_logs(from_block=0)]


def business_file(tmp_path: Path, beijing_rows: set[int], name: str, seed: int) -> Path:
    rows = list(business_rows(6, seed=seed))
    rng = random.Random(7)
    for i in beijing_rows:  # registered in Beijing: outside CN-32-AMR's scope (business, 32)
        rows[i]["credit_code"] = credit_code(rng, "110105")
    return write_csv(tmp_path / name, BUSINESS_FIELDS, iter(rows))


def test_rows_outside_the_scope_are_rejected_and_the_rest_anchored_under_it(
        chain_home: Home, tmp_path: Path) -> None:
    source = business_file(tmp_path, {1, 4}, "mixed.csv", 77)
    out = tmp_path / "out"
    before = len(anchored(chain_home))
    result = chain_home.run("issue", "--authority", "CN-32-AMR", "--type", "business",
                            "--input", str(source), "--out", str(out), "--no-pdf", ok=False)
    assert "4 issued, 2 rejected" in result.output, result.output
    with (out / "rejected.csv").open(encoding="utf-8-sig") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["row"], r["field"], r["problem"]) for r in rejected] == [
        ("3", "credit_code", "out_of_scope"), ("6", "credit_code", "out_of_scope")]
    assert rejected[0]["message"] == ("credit_code: characters 3 to 8 name a region outside "
                                      "this authority's scope on chain.")
    assert "110105" not in (out / "rejected.csv").read_text(encoding="utf-8-sig")
    (batch,) = anchored(chain_home)[before:]
    assert decode_region(batch["region"]) == "32"
    entries = json.loads((out / "report.json").read_text(encoding="utf-8"))["licences"]
    regions = {licence.decode_unverified(e["qr"]).region for e in entries}
    assert regions == {"320100"}  # each licence's own region, narrower than its batch's


def test_a_dry_run_rejects_the_same_rows(chain_home: Home, tmp_path: Path) -> None:
    source = business_file(tmp_path, {0}, "dry.csv", 78)
    result = chain_home.run("issue", "--authority", "CN-32-AMR", "--type", "business",
                            "--input", str(source), "--out", str(tmp_path / "dry"),
                            "--dry-run", ok=False)
    assert "row 2: credit_code: characters 3 to 8 name a region outside" in result.output
    assert "6 rows, 5 would be issued, 1 rejected" in result.output
