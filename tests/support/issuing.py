"""Issuing on a test home through `elicence issue`, and reading what it wrote, as a
holder's letter and an inspector see it."""

from __future__ import annotations

import json
from pathlib import Path

from chain.config import load_settings
from chain.connect import connect
from chain.registry import Registry
from issuer.issue.outputs import read_claim_codes
from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv
from tests.support.home import Home


def rows_file(tmp_path: Path, count: int, start: int, bad: dict[int, dict] | None = None,
              name: str = "rows.csv") -> Path:
    """A CSV of `count` driving-licence rows numbered from `start`; `bad` changes rows."""
    rows = list(driving_rows(count, seed=start, start=start))
    for index, changes in (bad or {}).items():
        rows[index].update(changes)
    return write_csv(tmp_path / name, DRIVING_FIELDS, iter(rows))


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def issued_licences(out: Path) -> list[dict]:
    """report.json's entries, each with its claim code from claim-codes.csv: what a holder's
    letter gives them."""
    codes = {(c["licence_number"], c["row"]): c["claim_code"] for c in read_claim_codes(out)}
    return [{**e, "claim_code": codes[e["licence_number"], "" if e["row"] is None
                                      else str(e["row"])]} for e in report(out)["licences"]]


def issue_driving(home: Home, tmp: Path, count: int, start: int) -> list[dict]:
    """Issues `count` driving licences as CN-31-DMV (no letters); returns their entries."""
    home.run("issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
             str(rows_file(tmp, count, start=start)), "--out", str(tmp / "out"), "--no-pdf")
    return issued_licences(tmp / "out")


def registry(home: Home) -> Registry:
    settings = load_settings(home.path, home.env)
    return Registry(connect(settings.rpc_url), settings.registry_address)


def anchored_batches(home: Home) -> list[dict]:
    contract = registry(home).contract
    return [dict(e["args"]) for e in contract.events.BatchAnchored.get_logs(from_block=0)]
