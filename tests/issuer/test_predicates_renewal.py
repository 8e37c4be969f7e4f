"""Predicates are computed when a licence is signed, so a renewal after a birthday says what
is true on the renewal day: "over 60" becomes true (issue #15, part 4)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import licence
from chain.config import load_settings
from chain.installation import Installation
from chain.keystore import Keystore, passphrase_from_env
from issuer.authority import load_authority
from issuer.lifecycle import jobs
from issuer.lifecycle.request import RENEW, LifecycleRequest
from issuer.store import Store
from licence.predicates import CHINA
from licence.vocabulary import Role
from tests.support.home import Home
from tests.support.issuing import report, rows_file

pytestmark = pytest.mark.anvil

DMV = "CN-31-DMV"
DAY = 86_400


def _turning_60_tomorrow(today: dt.date) -> str:
    tomorrow = today + dt.timedelta(days=1)
    if (tomorrow.month, tomorrow.day) == (2, 29):
        tomorrow += dt.timedelta(days=1)
    return tomorrow.replace(year=tomorrow.year - 60).isoformat()


def test_a_renewal_after_the_60th_birthday_says_over_60(chain_home: Home,
                                                         tmp_path: Path) -> None:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    birth = _turning_60_tomorrow(dt.datetime.fromtimestamp(now, CHINA).date())
    source = rows_file(tmp_path, 1, start=21_000, bad={0: {"birth_date": birth,
                                                           "issue_date": "2012-04-01"}})
    chain_home.run("issue", "--authority", DMV, "--type", "driving", "--input", str(source),
                   "--out", str(tmp_path / "issued"), "--no-pdf", "--quiet")
    (first,) = report(tmp_path / "issued")["licences"]
    before = licence.decode_unverified(first["qr"]).claims
    assert (before["age_over_18"], before["age_over_60"]) == (True, False)

    # The renewal is signed two days later (past the birthday): the library takes `now`.
    settings = load_settings(chain_home.path, chain_home.env)
    admin = Installation(settings)
    admin.__dict__["keystore"] = Keystore(settings.keys_dir, passphrase_from_env(chain_home.env))
    authority = load_authority(admin, DMV, licence_type=None, now=now,
                               roles=Role.ANCHOR | Role.STATUS)
    later = now + 2 * DAY
    jobs.run(Store.open(settings.store_url), authority,
             LifecycleRequest(RENEW, (first["licence_number"],), out_dir=tmp_path / "renewed"),
             now=later)
    (renewed,) = json.loads((tmp_path / "renewed" / "report.json").read_text("utf-8"))[
        "licences"]
    after = licence.decode_unverified(renewed["qr"])
    assert after.claims["age_over_60"] is True
    assert after.claims["birth_date"] == before["birth_date"]
    assert after.claims["issue_date"] == before["issue_date"]  # first issue stays as it was
