"""`elicence purge`: personal data erased once the retention period is over, bookkeeping
kept, licences still valid refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from chain.config import load_settings
from issuer.lifecycle.purge import PurgeError, purge_expired
from issuer.store import IssuedLicence

from ..conftest import Home
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
