"""`elicence purge`: personal data erased once the retention period is over (wallet copies,
letters, QR images and output entries too), bookkeeping kept, licences still valid
refused."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from chain.config import load_settings
from elicence.app import create_app
from issuer.issue.outputs import Fragments, ReportWriter, entry_fragment, read_claim_codes
from issuer.lifecycle.purge import PurgeError, purge_expired
from issuer.lifecycle.purge_outputs import purge_folder
from issuer.store import IssuedLicence
from tests.support.home import Home
from tests.support.issuing import issued_licences, report, rows_file

from .test_claims import wallet_claim
from .test_lifecycle import DMV, current, issue, licences, store

pytestmark = pytest.mark.anvil


def raw_row(home: Home, licence_id: int) -> dict:
    path = load_settings(home.path, home.env).store_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return dict(db.execute("select * from licences where id = ?", (licence_id,)).fetchone())


def assert_purged(home: Home, before: IssuedLicence) -> None:
    row = raw_row(home, before.id)
    assert row["encoded"] is None
    assert row["licence_number"] == f"purged-{before.id}" and row["purged_at"]
    assert (row["status_ref"], row["batch_id"], row["leaf_index"], row["status"],
            row["valid_until"]) == (before.status_ref, before.batch_id, before.leaf_index,
                                    before.status, before.valid_until)


def test_purge_named_licences(chain_home: Home, tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 3, start=30_000)
    chain_home.run("revoke", "--authority", DMV, numbers[0], "--reason", "holder_deceased")
    chain_home.run("renew", "--authority", DMV, numbers[1], "--out", str(tmp_path / "r"),
                   "--no-pdf")
    revoked = current(chain_home, numbers[0])

    result = chain_home.run("purge", "--authority", DMV, *numbers, "319999999999999998",
                            ok=False)
    assert result.exit_code == 3, result.output
    lines = result.output.splitlines()
    assert "1 purged, 3 refused (status and batch records are kept)." in lines
    for number in numbers[1:]:
        assert any(line.startswith(f"{number}: it is still valid until ") and
                   line.endswith("revoke it first, or wait until it expires.")
                   for line in lines)
    assert any(line.startswith("319999999999999998: no licence with this number")
               for line in lines)
    assert_purged(chain_home, revoked)
    assert not licences(chain_home, [numbers[0]])
    assert [lic.claims is not None for lic in licences(chain_home, numbers[1:])] == [True] * 3

    # A purged licence can no longer be reissued; it is simply unknown now.
    again = chain_home.run("replace", "--authority", DMV, numbers[0], "--out",
                           str(tmp_path / "x"), "--no-pdf", ok=False)
    assert again.exit_code == 3 and "no licence with this number" in again.output


def test_purge_by_retention_date(chain_home: Home, tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 4, start=31_000)
    chain_home.run("revoke", "--authority", DMV, numbers[3], "--reason", "fraud")
    rows = sorted((current(chain_home, n) for n in numbers[:3]), key=lambda r: r.valid_until)
    revoked = current(chain_home, numbers[3])
    home_store = store(chain_home)

    # Years later: the licence expiring first has run out; the revoked one ended long ago.
    later = rows[0].valid_until + 1
    summary = purge_expired(home_store, DMV, before=later, now=later)
    assert summary.purged >= 2 and not summary.refused
    for row in (rows[0], revoked):
        assert_purged(chain_home, row)
    kept = [r for r in rows[1:] if r.valid_until >= later]
    assert kept and all(raw_row(chain_home, r.id)["encoded"] is not None for r in kept)

    with pytest.raises(PurgeError):
        purge_expired(home_store, DMV, before=later + 1, now=later)
    future = chain_home.run("purge", "--authority", DMV, "--expired-before", "2999-01-01",
                            ok=False)
    assert future.exit_code == 2 and "no later than today" in future.output
    nothing = chain_home.run("purge", "--authority", DMV, "--expired-before", "2020-01-01")
    assert "0 purged, 0 refused" in nothing.output
    both = chain_home.run("purge", "--authority", DMV, numbers[0], "--expired-before",
                          "2020-01-01", ok=False)
    assert both.exit_code == 2


def test_purge_erases_wallet_copies_and_removes_or_lists_the_files(
        chain_home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, replaced = tmp_path / "out", tmp_path / "replaced"
    chain_home.run("issue", "--authority", DMV, "--type", "driving", "--input",
                   str(rows_file(tmp_path, 4, start=32_000)), "--out", str(out), "--quiet")
    entries = issued_licences(out)
    numbers = [e["licence_number"] for e in entries]
    for name, value in chain_home.env.items():
        monkeypatch.setenv(name, value)
    client = create_app(load_settings(chain_home.path, chain_home.env)).test_client()
    device = ec.generate_private_key(ec.SECP256R1())
    claimed = wallet_claim(client, entries[0]["claim_code"], device)
    assert claimed.status_code == 200, claimed.get_json()
    chain_home.run("replace", "--authority", DMV, numbers[2], "--reason", "lost", "--out",
                   str(replaced))
    chain_home.run("revoke", "--authority", DMV, *numbers[:3], "--reason", "holder_deceased")
    first = current(chain_home, numbers[0])
    assert bindings(chain_home, first.id) == [True]

    # --files: the store is purged, the files are listed and left where they are.
    listed = chain_home.run("purge", "--authority", DMV, numbers[1], "--files")
    assert listed.output.splitlines() == [
        f"{out}/pdf/row-0000003.pdf", f"{out}/qr/row-0000003.png",
        f"{out}/report.json and claim-codes.csv: the entries of row 3.",
        "1 purged, 0 refused (status and batch records are kept)."]
    assert (out / "pdf" / "row-0000003.pdf").exists()
    assert [e["row"] for e in report(out)["licences"]] == [2, 3, 4, 5]

    # Without: the wallet copy's personal data goes, and so do its letter, image and entries.
    old_report = report(out)
    removed = chain_home.run("purge", "--authority", DMV, numbers[0])
    assert f"{out}: removed 2 letter and QR image files and the report.json and " \
           "claim-codes.csv entries of row 2." in removed.output
    assert_purged(chain_home, first)
    assert bindings(chain_home, first.id) == [False]
    assert not (out / "pdf" / "row-0000002.pdf").exists()
    assert not (out / "qr" / "row-0000002.png").exists()
    assert (out / "pdf" / "row-0000004.pdf").exists()
    after = report(out)
    assert after["licences"] == old_report["licences"][1:] and after["purged"] == 1
    assert [c["row"] for c in read_claim_codes(out)] == ["3", "4", "5"]
    for name in ("report.json", "claim-codes.csv"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in out.iterdir()) == ["claim-codes.csv", "pdf", "qr",
                                                     "report.json"]

    # Every version of a replaced licence: the successor's files are in the other folder.
    (successor,) = report(replaced)["licences"]
    chain_home.run("purge", "--authority", DMV, numbers[2])
    assert report(replaced)["licences"] == [] and read_claim_codes(replaced) == []
    assert not (replaced / successor["pdf"]).exists()
    assert [e["row"] for e in report(out)["licences"]] == [3, 5]


def test_purging_a_folder_rewrites_only_what_it_must(tmp_path: Path) -> None:
    """No chain needed: a report written the way `issue` writes it."""
    refs = [bytes([i]) * 16 for i in range(3)]
    folder = tmp_path / "out"
    folder.mkdir(mode=0o700)
    writer = ReportWriter(folder, {"authority": DMV, "issued": 3})
    writer.add(Fragments.of([entry_fragment(
        row=i + 2, licence_number=f"31000000000000000{i}", type_name="driving",
        status_ref=ref, batch_root=bytes(16), qr="ELC1:X", stem=f"row-{i + 2:07d}",
        rendered=False, claim_code="AAAA-BBBB-CCCC-DDDD", claim_expires_at=1_900_000_000)
        for i, ref in enumerate(refs)]), "0x" + "ab" * 32, 7)
    writer.close()
    before = report(folder)

    listed = purge_folder(folder, {refs[1].hex()}, remove=False)
    assert listed.entries == ["row 3"] and report(folder) == before
    purge_folder(folder, {refs[1].hex()}, remove=True)
    assert report(folder) == {**before, "purged": 1,
                              "licences": [before["licences"][0], before["licences"][2]]}
    assert [c["row"] for c in read_claim_codes(folder)] == ["2", "4"]

    (folder / "report.json").write_text('{"licences": []}')  # not as elicence writes it
    assert purge_folder(folder, {refs[0].hex()}, remove=True).unreadable
    assert purge_folder(tmp_path / "gone", {refs[0].hex()}, remove=True).missing


def bindings(home: Home, licence_id: int) -> list[bool]:
    """Whether each wallet copy of the licence still holds its encoded form."""
    path = load_settings(home.path, home.env).store_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return [row[0] is not None for row in db.execute(
            "select encoded from bindings where licence_id = ?", (licence_id,))]
