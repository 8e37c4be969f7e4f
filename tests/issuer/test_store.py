"""The issuer store on SQLite and on PostgreSQL: migrations, batch storage, lookups.

The PostgreSQL runs need a server: `.ci/run` installs one from Debian and starts it on
127.0.0.1, passing its URL in ELICENCE_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from issuer.issue.rows import Row
from issuer.issue.samples import driving_rows
from issuer.issue.saving import BatchOwner, store_batch
from issuer.issue.signing import SigningSetup, init_worker, sign_batch
from issuer.store import Batch, BatchRoot, BatchState, IssuedLicence, Store
from licence import KeySigner

POSTGRES = os.environ.get("ELICENCE_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
        yield opened
        opened.close()
        return
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set ELICENCE_TEST_POSTGRES_URL (.ci/run starts one)")
    name = f"elicence_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    opened = Store.open(url)
    try:
        yield opened
    finally:
        opened.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()


class Authority:
    id, number, claim_secret = "CN-31-DMV", 1, bytes(32)


OWNER = BatchOwner(Authority.id, Authority.number, 1)


def signed(count: int, start: int):
    signer = KeySigner(ec.generate_private_key(ec.SECP256R1()))
    init_worker(SigningSetup(1, 1, signer, 1, Authority.id, Authority.claim_secret))
    rows = [Row(i + 2, r) for i, r in enumerate(driving_rows(count, seed=start, start=start))]
    return sign_batch(0, rows, 1_800_000_000)


def test_migrations_create_every_table(store: Store) -> None:
    with store.engine.connect() as connection:
        names = set(store.engine.dialect.get_table_names(connection))
    assert {"jobs", "batches", "batch_roots", "licences", "status_changes", "bindings",
            "alembic_version"} <= names
    store.upgrade()  # running the migrations again changes nothing


def test_a_batch_is_stored_whole_with_claims_round_tripped(store: Store) -> None:
    batch = signed(40, start=100)
    stored = store_batch(store, OWNER, 1, batch, claim_expires_at=1_900_000_000)
    with store.session() as s:
        assert s.get(Batch, stored.id).state == BatchState.SIGNED
        roots = s.scalars(select(BatchRoot).where(BatchRoot.batch_id == stored.id)).all()
        licences = s.scalars(select(IssuedLicence).order_by(IssuedLicence.id)).all()
    assert len(roots) == len(batch.roots) and len(licences) == 40
    first = licences[0]
    assert first.claims["licence_number"] == batch.licences[0].licence_number
    assert isinstance(first.claims["vehicle_classes"], list)
    assert first.encoded == batch.licences[0].encoded
    assert first.claim_code_hash == batch.licences[0].claim_code_hash


def test_status_refs_are_unique_per_authority(store: Store) -> None:
    batch = signed(3, start=200)
    store_batch(store, OWNER, 1, batch, claim_expires_at=0)
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"):
        store_batch(store, OWNER, 1, batch, claim_expires_at=0)
    with store.session() as s:  # the failed batch left nothing behind
        assert len(s.scalars(select(Batch)).all()) == 1


def test_already_issued_numbers_are_found_on_every_database(store: Store) -> None:
    from issuer.issue.pipeline import IssueRequest, already_issued_query
    from licence import load_schema

    batch = signed(5, start=300)
    stored = store_batch(store, OWNER, 1, batch, claim_expires_at=0)
    numbers = [lic.licence_number for lic in batch.licences]
    request = IssueRequest(Authority.id, load_schema("driving"), Path("rows.csv"), Path("out"))
    found = already_issued_query(store, request, None)([*numbers[:3], "310000000099999999"])
    assert found == {n: "active" for n in numbers[:3]}
    with store.session() as s:  # a resumed job does not count its own licences
        s.get(Batch, stored.id).job_id = None
    assert already_issued_query(store, request, 7)(numbers) == {n: "active" for n in numbers}
