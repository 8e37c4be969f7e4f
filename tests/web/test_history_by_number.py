"""`elicence history --authority ID NUMBER` on a real anvil node with the issuer's store:
staff of the issuing authority ask by number (their store is the credential), and see the
same history as a holder's QR code gives, for the first licence and its replacement,
linked both ways."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from issuer.issue.samples import DRIVING_FIELDS, driving_rows, write_csv
from tests.support.home import Home

pytestmark = pytest.mark.anvil
DMV = "CN-31-DMV"


def test_history_by_number_follows_the_replacement(chain_home: Home, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "rows.csv", DRIVING_FIELDS,
                       iter(driving_rows(1, seed=5150, start=5150)))
    chain_home.run("issue", "--authority", DMV, "--type", "driving", "--input", str(source),
                   "--out", str(tmp_path / "out"), "--no-pdf")
    (first,) = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))["licences"]
    number = first["licence_number"]
    chain_home.run("replace", "--authority", DMV, number, "--reason", "lost", "--out",
                   str(tmp_path / "again"), "--no-pdf")
    (second,) = json.loads((tmp_path / "again" / "report.json").read_text("utf-8"))["licences"]

    old, new = json.loads(chain_home.run("history", "--authority", DMV, number,
                                         "--json").output)
    assert old["status_ref"] == first["status_ref"] and new["status_ref"] == second["status_ref"]
    assert old["anchored"]["region"] == "31" and new["anchored"]["block"] > old["anchored"]["block"]
    assert [(c["event"], c["reason_class"], c["successor"]) for c in old["changes"]] == [
        ("superseded", "lost_or_stolen", second["status_ref"])]
    assert [link["status_ref"] for link in old["superseded_by"]] == [second["status_ref"]]
    assert [link["status_ref"] for link in new["replaced"]] == [first["status_ref"]]
    assert new["changes"] == [] and new["superseded_by"] == []

    # The holder's code gives the same history as the number does.
    from_code = json.loads(chain_home.run("history", "--no-sync", "--json", second["qr"]).output)
    assert {k: from_code[k] for k in new} == new

    text = chain_home.run("history", "--authority", DMV, number).output
    assert text.count("Licence history 证照历史") == 2 and "replaced by 已由新证取代" in text


@pytest.mark.parametrize(("args", "says"), [
    (["--authority", DMV, "NOSUCHNUMBER"],
     f"Error: {DMV} has issued no licence under this number in this store."),
    (["--authority", "CN-99-XXX", "123"],
     "Error: No authority CN-99-XXX is registered on the chain; check the id (e.g. CN-31-DMV)."),
])
def test_unknown_number_or_authority_is_one_sentence(chain_home: Home, args: list[str],
                                                     says: str) -> None:
    result = chain_home.run("history", "--no-sync", *args, ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == says
