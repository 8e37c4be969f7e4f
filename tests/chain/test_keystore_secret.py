"""A shared secret made on first use by several processes at once (the web app's workers
starting together) ends up one secret: the first written is kept, never replaced."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from chain.keystore import Keystore, KeystoreError, Passphrase
from chain.private_files import write_private_new

PASS = Passphrase(b"correct horse battery staple")


class LookedTooEarly(Keystore):
    """A keystore that checked for the file before another process wrote it."""

    def has(self, kind: str, name: str) -> bool:
        return False


def test_a_worker_that_loses_the_race_uses_the_first_secret(tmp_path: Path) -> None:
    first = Keystore(tmp_path, PASS).secret("claim-challenges", create=True)
    late = LookedTooEarly(tmp_path, PASS).secret("claim-challenges", create=True)
    assert late == first
    assert Keystore(tmp_path, PASS).secret("claim-challenges") == first


def test_a_secret_is_never_replaced(tmp_path: Path) -> None:
    store = Keystore(tmp_path, PASS)
    store.secret("x", create=True)
    with pytest.raises(KeystoreError) as raised:
        LookedTooEarly(tmp_path, PASS)._write("secret", "x", bytes(32), {})
    assert raised.value.reason == "key_exists"


def test_write_private_new_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    write_private_new(path, "one")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        write_private_new(path, "two")
    assert path.read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]  # no partial file left
