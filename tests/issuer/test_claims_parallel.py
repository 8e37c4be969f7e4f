"""The claim attacks, end to end on a real chain and the real claim endpoint, with the
store on SQLite and on PostgreSQL:

- three wallets claiming one code at the same moment: exactly one copy is bound and
  anchored, the others get one clear sentence (HTTP 410);
- one device's copy is stopped with `elicence revoke-copy`: a verifier answers revoked for
  that copy, while the printed licence and the holder's other copy stay valid.

The PostgreSQL runs need a server (scripts/postgres-test-server, ELICENCE_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import create_engine, select, text

import licence
from chain.config import load_settings
from issuer.claims.exchange import claim_message
from issuer.issue.outputs import read_claim_codes
from issuer.store import Binding, IssuedLicence, Store
from licence._cose import sign
from tests.support.home import Home, copy_home, set_up_home
from tests.support.issuing import anchored_batches, issue_driving

from .test_claims import b64, unb64

pytestmark = pytest.mark.anvil
POSTGRES = os.environ.get("ELICENCE_TEST_POSTGRES_URL")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def home(request: pytest.FixtureRequest, home_template: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    """A home on its own anvil node whose store is SQLite, or a fresh PostgreSQL database."""
    path = tmp_path_factory.mktemp(f"home-{request.param}")
    if request.param == "sqlite":  # the store is in the home: a copy is a set-up
        yield from _stopped_after(copy_home(home_template, path))
        return
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set ELICENCE_TEST_POSTGRES_URL "
                    "(scripts/postgres-test-server start)")
    database = f"elicence_claims_{uuid.uuid4().hex[:12]}"
    with create_engine(POSTGRES, isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield from _stopped_after(set_up_home(
            path, ELICENCE_DATABASE_URL=POSTGRES.rsplit("/", 1)[0] + f"/{database}"))
    finally:
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        admin.dispose()


def _stopped_after(home: Home) -> Iterator[Home]:
    try:
        yield home
    finally:
        home.run("node", "stop", ok=False)


@pytest.fixture(scope="module")
def app(home: Home):
    with home.app() as app:
        yield app


@pytest.fixture(scope="module")
def issued(home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return issue_driving(home, tmp_path_factory.mktemp("parallel"), 3, start=7000)


def store_of(home: Home) -> Store:
    return Store.open(load_settings(home.path, home.env).store_url)


def prepared_claim(client, code: str, device: ec.EllipticCurvePrivateKey,
                   label: str | None = None) -> dict:
    """A wallet's claim request, signed over a fresh challenge, ready to send."""
    challenge = unb64(client.post("/api/v1/claims/challenge").get_json()["challenge"])
    key = licence.compressed_public_key(device)
    body = {"code": code, "device_key": b64(key), "challenge": b64(challenge),
            "signature": b64(sign(device, claim_message(challenge, code, key)))}
    if label:
        body["device_label"] = label
    return body


def claim(app, code: str, device: ec.EllipticCurvePrivateKey, label: str | None = None):
    client = app.test_client()
    return client.post("/api/v1/claims", json=prepared_claim(client, code, device, label))


def verdict(home: Home, qr: str) -> str:
    result = home.run("verify", qr, "--json", ok=False)
    return json.loads(result.output)["verdict"]


def test_three_parallel_claims_of_one_code_bind_exactly_one_copy(
        home: Home, app, issued: list[dict]) -> None:
    code = issued[0]["claim_code"]
    devices = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    clients = [app.test_client() for _ in devices]
    bodies = [prepared_claim(c, code, d) for c, d in zip(clients, devices, strict=True)]
    anchors = len(anchored_batches(home))
    start = threading.Barrier(len(devices))
    answers: list = [None] * len(devices)

    def send(i: int) -> None:
        start.wait()
        answers[i] = clients[i].post("/api/v1/claims", json=bodies[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(devices))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(a.status_code for a in answers) == [200, 410, 410]
    for refused in (a for a in answers if a.status_code == 410):
        error = refused.get_json()["error"]
        assert error["reason"] == "claim_code_used"
        assert error["message"].count(".") == 1 and error["message"].endswith("new code.")
    store = store_of(home)
    with store.session() as s:
        record = s.scalars(select(IssuedLicence).where(
            IssuedLicence.licence_number == issued[0]["licence_number"])).one()
        bound = s.scalars(select(Binding).where(Binding.licence_id == record.id)).all()
    assert len(bound) == 1 and record.claimed_at is not None
    assert record.claim_reserved_by is None  # completed, not left reserved
    assert len(anchored_batches(home)) == anchors + 1  # the losers anchored nothing
    winner = devices[[a.status_code for a in answers].index(200)]
    assert bound[0].device_key == licence.compressed_public_key(winner)


def test_revoke_copy_stops_one_device_and_keeps_the_licence_and_other_copies(
        home: Home, app, issued: list[dict], tmp_path: Path) -> None:
    number = issued[1]["licence_number"]
    phone, tablet = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    first = claim(app, issued[1]["claim_code"], phone, "Android phone")
    assert first.status_code == 200, first.get_json()
    # A second device needs a fresh code: the first one is used up.
    assert claim(app, issued[1]["claim_code"], tablet).status_code == 410
    made = home.run("new-claim-code", number, "--authority", "CN-31-DMV", "--out",
                    str(tmp_path / "codes"))
    [row] = read_claim_codes(tmp_path / "codes")
    assert row["licence_number"] == number and row["claim_code"] not in made.output
    assert (tmp_path / "codes" / "claim-codes.csv").stat().st_mode & 0o777 == 0o600
    old = claim(app, issued[1]["claim_code"], tablet)  # the previous code stopped working
    assert (old.status_code, old.get_json()["error"]["reason"]) == (404, "claim_code_unknown")
    second = claim(app, row["claim_code"], tablet, "iPad")
    assert second.status_code == 200, second.get_json()

    listed = home.run("copies", number, "--authority", "CN-31-DMV").output.splitlines()
    assert len(listed) == 3 and "Android phone" in listed[1] and "iPad" in listed[2]
    assert all(line.endswith("active") for line in listed[1:])
    phone_copy = listed[1].split()[0]

    phone_licence = licence.Licence.from_bytes_unverified(unb64(first.get_json()["licence"]))
    tablet_licence = licence.Licence.from_bytes_unverified(unb64(second.get_json()["licence"]))

    def live(bound: licence.Licence, device: ec.EllipticCurvePrivateKey) -> str:
        """A live code made now, as the wallet shows it (valid for a minute)."""
        return licence.present(bound, ["age_over_18"], device, int(time.time())).to_qr()

    live_phone = live(phone_licence, phone)
    assert verdict(home, live_phone) == "valid"

    out = home.run("revoke-copy", number, phone_copy, "--authority", "CN-31-DMV",
                   "--reason", "stolen")
    assert f"Copy {phone_copy} revoked." in out.output
    again = home.run("revoke-copy", number, phone_copy, "--authority", "CN-31-DMV")
    assert "already revoked" in again.output
    listed = home.run("copies", number, "--authority", "CN-31-DMV").output.splitlines()
    assert "revoked" in listed[1] and listed[2].endswith("active")

    live_phone, live_tablet = live(phone_licence, phone), live(tablet_licence, tablet)
    result = json.loads(home.run("verify", live_phone, "--json", ok=False).output)
    assert result["verdict"] == "revoked"
    assert next(c for c in result["checks"] if c["name"] == "status")["reason"] == "copy_revoked"
    assert verdict(home, live_tablet) == "valid"
    assert verdict(home, issued[1]["qr"]) == "valid"  # the printed licence

    # The revoked device cannot fetch its copy again either.
    refused = claim(app, row["claim_code"], phone)
    assert refused.status_code == 410
    assert refused.get_json()["error"]["reason"] == "copy_revoked"


def test_copies_and_revoke_copy_refuse_unknown_licences_and_copies(home: Home,
                                                                   issued: list[dict]) -> None:
    unknown = home.run("copies", "310000000000000000", "--authority", "CN-31-DMV", ok=False)
    assert unknown.exit_code == 1 and "no licence with this number" in unknown.output
    assert "No wallet holds this licence." in home.run(
        "copies", issued[2]["licence_number"], "--authority", "CN-31-DMV").output
    bad = home.run("revoke-copy", issued[2]["licence_number"], "abcd1234", "--authority",
                   "CN-31-DMV", ok=False)
    assert bad.exit_code == 1 and "no copy" in bad.output
