"""SQL databases for tests: a SQLite file, or a fresh database on the PostgreSQL server
named by ELICENCE_TEST_POSTGRES_URL (scripts/postgres-test-server starts one; without it
the PostgreSQL runs are skipped)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

POSTGRES = os.environ.get("ELICENCE_TEST_POSTGRES_URL")
KINDS = ["sqlite", "postgresql"]


@contextmanager
def database_url(kind: str, folder: Path) -> Iterator[str]:
    """A URL of an empty database of `kind`, dropped afterwards (PostgreSQL)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'test.sqlite'}"
        return
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set ELICENCE_TEST_POSTGRES_URL "
                    "(scripts/postgres-test-server start)")
    name = f"elicence_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
