"""`elicence revoke|suspend|reinstate|replace|renew` end to end on anvil and SQLite: the
store rows, the StatusChanged events on chain, refusals, reruns and interrupted runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import licence
from chain.config import load_settings
from chain.installation import Installation
from chain.keystore import Keystore, passphrase_from_env
from elicence.cli import main
from issuer.authority import load_authority
from issuer.issue.samples import BUSINESS_FIELDS, business_rows, write_csv
from issuer.issue.validation import CHINA
from issuer.lifecycle import jobs, status_changes
from issuer.lifecycle.request import LifecycleRequest
from issuer.store import BatchState, IssuedLicence, StatusChange, Store
from licence.vocabulary import LicenceState, ReasonClass, Role, StatusCode
from tests.support.home import Home
from tests.support.issuing import anchored_batches, registry, rows_file

pytestmark = pytest.mark.anvil

DMV = "CN-31-DMV"


def status_events(home: Home) -> list[dict]:
    contract = registry(home).contract
    return [dict(e["args"]) for e in contract.events.StatusChanged.get_logs(from_block=0)]


def store(home: Home) -> Store:
    return Store.open(load_settings(home.path, home.env).store_url)


def licences(home: Home, numbers: list[str]) -> list[IssuedLicence]:
    with store(home).session() as s:
        return list(s.scalars(select(IssuedLicence).where(
            IssuedLicence.licence_number.in_(numbers)).order_by(IssuedLicence.id)))


def current(home: Home, number: str) -> IssuedLicence:
    return licences(home, [number])[-1]


def issue(home: Home, tmp_path: Path, count: int, start: int) -> list[str]:
    source = rows_file(tmp_path, count, start=start, name=f"rows-{start}.csv")
    out = tmp_path / f"issued-{start}"
    home.run("issue", "--authority", DMV, "--type", "driving", "--input", str(source),
             "--out", str(out), "--no-pdf", "--quiet")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return [e["licence_number"] for e in report["licences"]]


def refs(rows: list[IssuedLicence]) -> bytes:
    return b"".join(r.status_ref for r in rows)


def test_revoke_suspend_reinstate_reach_chain_and_store(chain_home: Home,
                                                        tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 6, start=10_000)
    before = len(status_events(chain_home))

    result = chain_home.run("revoke", "--authority", DMV, numbers[0], numbers[1],
                            "--reason", "fraud")
    assert "2 revoked, 0 refused, 1 transactions" in result.output
    chain_home.run("suspend", "--authority", DMV, numbers[2], numbers[3], "--reason",
                   "points_limit", "--until", "2099-06-30")
    chain_home.run("reinstate", "--authority", DMV, numbers[3])

    revoke, suspend, reinstate = status_events(chain_home)[before:]
    rows = {r.licence_number: r for r in licences(chain_home, numbers)}
    # The chain gets the public class (fraud → withdrawn); the store keeps the precise reason.
    assert (revoke["status"], revoke["reasonClass"]) == (
        StatusCode.REVOKED, ReasonClass.WITHDRAWN)
    assert revoke["refs"] == refs([rows[numbers[0]], rows[numbers[1]]])
    assert revoke["successors"] == b"" and revoke["until"] == 0
    end = int(dt.datetime(2099, 6, 30, 23, 59, 59, tzinfo=CHINA).timestamp())
    assert (suspend["status"], suspend["reasonClass"], suspend["until"]) == (
        StatusCode.SUSPENDED, ReasonClass.WITHDRAWN, end)
    assert reinstate["refs"] == rows[numbers[3]].status_ref and reinstate["status"] == 3

    assert [rows[n].status for n in numbers] == [
        LicenceState.REVOKED, LicenceState.REVOKED, LicenceState.SUSPENDED,
        LicenceState.ACTIVE, LicenceState.ACTIVE, LicenceState.ACTIVE]
    assert rows[numbers[0]].status_reason == 12 and rows[numbers[2]].suspended_until == end
    assert rows[numbers[3]].suspended_until is None and rows[numbers[4]].status_reason is None
    with store(chain_home).session() as s:
        assert not s.scalars(select(StatusChange).where(
            StatusChange.state != BatchState.CONFIRMED)).all()

    # The same command again sends nothing and reports the same outcome.
    again = chain_home.run("revoke", "--authority", DMV, numbers[0], numbers[1], "--reason",
                           "fraud")
    assert "2 revoked, 0 refused, 0 transactions (done before; nothing sent)" in again.output
    assert len(status_events(chain_home)) == before + 3


def test_refusals_one_sentence_each_and_the_rest_done(chain_home: Home,
                                                      tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 4, start=11_000)
    company = next(business_rows(1, seed=11))
    business = write_csv(tmp_path / "companies.csv", BUSINESS_FIELDS, iter([company]))
    chain_home.run("issue", "--authority", "CN-32-AMR", "--type", "business", "--input",
                   str(business), "--out", str(tmp_path / "biz"), "--no-pdf")
    chain_home.run("revoke", "--authority", DMV, numbers[0], "--reason", "2")
    chain_home.run("suspend", "--authority", DMV, numbers[1], "--reason", "medical",
                   "--until", "2099-01-01")
    before = len(status_events(chain_home))

    numbers_file = tmp_path / "numbers.csv"
    numbers_file.write_text(f"licence_number\n{numbers[0]}\n{numbers[2]}\n", encoding="utf-8")
    result = chain_home.run("suspend", "--authority", DMV, "--input", str(numbers_file),
                            numbers[1], "319999999999999999", company["credit_code"],
                            "--reason", "court_order", "--until", "2099-01-01", ok=False)
    assert result.exit_code == 3, result.output
    lines = result.output.splitlines()
    assert f"{numbers[0]}: it is revoked, which is final: issue a new licence instead." in lines
    assert any(line.startswith(f"{numbers[1]}: it is already suspended until 2099-01-01")
               for line in lines)
    assert ("319999999999999999: no licence with this number was issued by CN-31-DMV: check "
            "the number.") in lines
    assert (f"{company['credit_code']}: issued by CN-32-AMR, not CN-31-DMV: only CN-32-AMR "
            "can change it.") in lines
    assert "1 suspended, 4 refused, 1 transactions" in result.output
    (event,) = status_events(chain_home)[before:]
    assert event["refs"] == current(chain_home, numbers[2]).status_ref

    for args in (("reinstate", numbers[3]), ("renew", numbers[1], "--out", str(tmp_path))):
        result = chain_home.run(args[0], "--authority", DMV, *args[1:], ok=False)
        assert result.exit_code == 3, result.output
        assert "0 " in result.output and "1 refused, 0 transactions" in result.output
    assert len(status_events(chain_home)) == before + 1

    for args, code in ((("revoke", "--authority", DMV, numbers[3]), 2),
                       (("revoke", "--authority", DMV, numbers[3], "--reason", "boredom"), 2),
                       (("suspend", "--authority", DMV, numbers[3], "--reason", "lost",
                         "--until", "2001-01-01"), 2),
                       (("revoke", "--authority", DMV, "--reason", "lost"), 2)):
        result = chain_home.run(*args, ok=False)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output


def test_rerun_finishes_what_a_crash_left_recorded_but_unsent(chain_home: Home,
                                                              tmp_path: Path) -> None:
    """The state a crash leaves between writing the transaction and sending it (and between
    sending it and confirming it): a rerun sends those bytes once and updates the rows."""
    numbers = issue(chain_home, tmp_path, 4, start=13_000)
    home_store = store(chain_home)
    authority = _authority(chain_home)
    before = len(status_events(chain_home))

    request = LifecycleRequest("revoke", tuple(numbers[:2]), reason=13)
    job = jobs._create_job(home_store, authority, request, now=_now())
    (change,) = status_changes.pending_changes(home_store, DMV, job.id)
    prepared = authority.status.prepare_set_status(
        StatusCode.REVOKED, status_changes.split(change.refs),
        reason_class=ReasonClass.WITHDRAWN)
    with home_store.session() as s:  # what `submit` records before it sends
        row = s.get(StatusChange, change.id)
        row.state, row.tx_hash, row.raw_tx, row.nonce = (
            BatchState.SUBMITTED, prepared.tx_hash, prepared.raw, prepared.nonce)
    assert [r.status for r in licences(chain_home, numbers[:2])] == ["active", "active"]

    # A second request sent (behind the first one's nonce) but never confirmed.
    sent = LifecycleRequest("revoke", (numbers[2],), reason=13)
    job2 = jobs._create_job(home_store, authority, sent, now=_now())
    (change2,) = status_changes.pending_changes(home_store, DMV, job2.id)
    status_changes.submit(home_store, authority.status, change2)
    assert authority.status.receipt(change2.tx_hash) is None  # waits for the first nonce

    result = chain_home.run("revoke", "--authority", DMV, *numbers[:2], "--reason",
                            "administrative")
    assert "(resumed)" in result.output
    assert authority.status.receipt(prepared.tx_hash) is not None
    new = status_events(chain_home)[before:]
    assert [e["refs"] for e in new] == [change.refs, change2.refs]
    assert [r.status for r in licences(chain_home, numbers[:3])] == ["revoked"] * 3
    assert current(chain_home, numbers[3]).status == "active"


def test_replace_issues_same_claims_and_supersedes_the_old(chain_home: Home,
                                                           tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 3, start=14_000)
    old = {r.licence_number: r for r in licences(chain_home, numbers)}
    anchors, events = len(anchored_batches(chain_home)), len(status_events(chain_home))
    out = tmp_path / "replaced"
    args = ("replace", "--authority", DMV, numbers[0], numbers[1], "--reason", "lost",
            "--out", str(out), "--no-pdf")
    result = chain_home.run(*args)
    assert "2 replaced, 0 refused, 2 transactions" in result.output

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    entries = {e["licence_number"]: e for e in report["licences"]}
    assert sorted(entries) == sorted(numbers[:2])
    (anchor,) = anchored_batches(chain_home)[anchors:]
    (event,) = status_events(chain_home)[events:]
    new = {n: current(chain_home, n) for n in numbers[:2]}
    assert event["status"] == StatusCode.SUPERSEDED and event["reasonClass"] == 1
    assert event["refs"] == old[numbers[0]].status_ref + old[numbers[1]].status_ref
    assert event["successors"] == new[numbers[0]].status_ref + new[numbers[1]].status_ref
    for number in numbers[:2]:
        decoded = licence.decode_unverified(entries[number]["qr"])
        assert decoded.status_ref == new[number].status_ref != old[number].status_ref
        assert decoded.subtree_root() in {anchor["roots"][i:i + 16]
                                          for i in range(0, len(anchor["roots"]), 16)}
        assert new[number].claims == old[number].claims
        assert new[number].replaces == old[number].id
        (was,) = [r for r in licences(chain_home, [number]) if r.id == old[number].id]
        assert (was.status, was.superseded_by) == (LicenceState.SUPERSEDED, new[number].id)
    assert current(chain_home, numbers[2]).status == LicenceState.ACTIVE

    again = chain_home.run(*args)
    assert "2 replaced, 0 refused, 0 transactions (done before; nothing sent)" in again.output
    assert len(anchored_batches(chain_home)) == anchors + 1
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == report

    # Lost again, a new case: the replacement is replaced in turn.
    chain_home.run(*args[:-3], "--case", "2026-0042", "--out", str(tmp_path / "again"))
    assert len(licences(chain_home, [numbers[0]])) == 3
    letters = json.loads((tmp_path / "again" / "report.json").read_text(encoding="utf-8"))
    for entry in letters["licences"]:  # rendered this time: a letter and a QR image each
        assert (tmp_path / "again" / entry["pdf"]).read_bytes().startswith(b"%PDF")
        assert (tmp_path / "again" / entry["png"]).read_bytes().startswith(b"\x89PNG")

    # Killed right after the request was recorded: the same command finishes it, once.
    request = LifecycleRequest("replace", (numbers[2],), reason=3,
                                         out_dir=tmp_path / "crashed")
    jobs._create_job(store(chain_home), _authority(chain_home), request, now=_now())
    result = chain_home.run("replace", "--authority", DMV, numbers[2], "--reason", "damaged",
                            "--out", str(tmp_path / "crashed"), "--no-pdf")
    assert "1 replaced, 0 refused, 2 transactions (resumed)" in result.output
    assert [r.status for r in licences(chain_home, [numbers[2]])] == ["superseded", "active"]


def test_renew_extends_the_expiry_date(chain_home: Home, tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 2, start=15_000)
    old = {r.licence_number: r for r in licences(chain_home, numbers)}
    out = tmp_path / "renewed"
    result = chain_home.run("renew", "--authority", DMV, numbers[0], "--out", str(out),
                            "--no-pdf")
    assert "1 renewed, 0 refused" in result.output
    renewed = current(chain_home, numbers[0])
    expiry = dt.date.fromisoformat(old[numbers[0]].claims["expiry_date"])
    assert renewed.claims["expiry_date"] == expiry.replace(year=expiry.year + 10).isoformat()
    assert renewed.valid_until > old[numbers[0]].valid_until
    assert renewed.status_reason is None and renewed.replaces == old[numbers[0]].id
    (entry,) = json.loads((out / "report.json").read_text(encoding="utf-8"))["licences"]
    decoded = licence.decode_unverified(entry["qr"])
    assert decoded.valid_until == renewed.valid_until
    event = status_events(chain_home)[-1]
    assert (event["status"], event["reasonClass"]) == (
        StatusCode.SUPERSEDED, ReasonClass.REPLACED)

    result = chain_home.run("renew", "--authority", DMV, numbers[1], "--until", "2027-01-01",
                            "--out", str(out), ok=False)
    assert result.exit_code == 3
    assert "is not later than its current one" in result.output
    chain_home.run("renew", "--authority", DMV, numbers[1], "--until", "2045-05-05", "--out",
                   str(tmp_path / "r2"), "--no-pdf")
    assert current(chain_home, numbers[1]).claims["expiry_date"] == "2045-05-05"


def _now() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp())


def _authority(home: Home):
    """The authority as the commands load it, for driving the library to a crash state."""
    settings = load_settings(home.path, home.env)
    admin = Installation(settings)
    admin.__dict__["keystore"] = Keystore(settings.keys_dir, passphrase_from_env(home.env))
    return load_authority(admin, DMV, licence_type=None, now=_now(),
                          roles=Role.ANCHOR | Role.STATUS)


@pytest.mark.parametrize("command", ["revoke", "suspend", "reinstate", "replace", "renew",
                                     "reconcile", "purge"])
def test_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "--authority" in result.output


def test_thousands_from_a_file_in_chunks_of_2000(chain_home: Home, tmp_path: Path) -> None:
    count = status_changes.CHUNK + 1
    numbers = issue(chain_home, tmp_path, count, start=100_000)
    numbers_file = tmp_path / "numbers.csv"
    numbers_file.write_text("licence_number\n" + "\n".join(numbers) + "\n", encoding="utf-8")
    before = len(status_events(chain_home))
    result = chain_home.run("revoke", "--authority", DMV, "--input", str(numbers_file),
                            "--reason", "administrative")
    assert f"{count:,} revoked, 0 refused, 2 transactions" in result.output
    events = status_events(chain_home)[before:]
    assert [len(e["refs"]) // 16 for e in events] == [status_changes.CHUNK, 1]
    rows = licences(chain_home, numbers)
    assert b"".join(e["refs"] for e in events) == refs(rows)
    assert {r.status for r in rows} == {LicenceState.REVOKED}


def test_status_reasons_are_stable_and_named() -> None:
    from licence.status_reasons import REASONS, UnknownStatusReason, describe, status_reason

    assert [r.code for r in REASONS] == list(range(14))  # codes are API: append only
    assert len({r.name for r in REASONS}) == len(REASONS)
    assert status_reason("Lost").code == status_reason("1").code == 1
    assert status_reason("court-order").zh == "法院裁定"
    assert describe(99).en == "Reason 99"
    with pytest.raises(UnknownStatusReason) as error:
        status_reason("boredom")
    assert error.value.reason == "status_reason_unknown"
