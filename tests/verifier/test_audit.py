"""The verification log: JSON lines with counter, type, authority, verdict and a salted
reference hash, and never a claim value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chain.index import LicenceIndex
from verifier import VerificationLog, Verifier, installation_salt
from verifier.audit import ref_hash

from .world import World

pytestmark = pytest.mark.timeout(120)


def test_log_lines_hold_no_claim_values(world: World, index: LicenceIndex,
                                        tmp_path: Path) -> None:
    salt = installation_salt(tmp_path / "home")
    log_path = tmp_path / "logs" / "verifications.jsonl"
    log = VerificationLog(log_path, salt, "counter-7")
    verifier = Verifier(index, log=log)
    names = ["good", "revoked", "expired", "tampered_claim"]
    for name in names:
        verifier.verify(world.qr[name], now=world.now)
    verifier.verify(world.live("bound", disclose=["age_over_18", "birth_date"]), now=world.now)
    verifier.verify("ELC1:garbage", now=world.now)
    log.close()

    text = log_path.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert [e["verdict"] for e in lines] == ["valid", "revoked", "expired", "invalid", "valid",
                                             "unreadable"]
    for entry in lines:
        assert set(entry) == {"time", "counter", "licence_type", "authority", "verdict",
                              "reason", "presentation", "ref"}
        assert entry["counter"] == "counter-7" and entry["time"] == world.now
    assert lines[0]["ref"] == ref_hash(salt, 1, world.licences["good"].status_ref)
    assert lines[0]["licence_type"] == 1 and lines[0]["authority"] == 1
    assert lines[-1]["ref"] is None and lines[-1]["authority"] is None

    claims = world.licences["good"].claims
    for value in claims.values():
        shown = [value] if not isinstance(value, list) else value
        for v in shown:
            if isinstance(v, bool):
                continue
            assert str(v) not in text
    for licence in world.licences.values():  # raw status references are not logged either
        assert licence.status_ref.hex() not in text


def test_salt_is_per_installation_and_stable(tmp_path: Path) -> None:
    first = installation_salt(tmp_path / "a")
    assert installation_salt(tmp_path / "a") == first
    assert installation_salt(tmp_path / "b") != first
    assert (tmp_path / "a" / "verifier-salt").stat().st_mode & 0o077 == 0
    assert ref_hash(first, 1, b"r" * 16) != ref_hash(installation_salt(tmp_path / "b"), 1,
                                                      b"r" * 16)
