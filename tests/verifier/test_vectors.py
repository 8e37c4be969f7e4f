"""The format's known-answer vectors (tests/vectors) through the full pipeline, with their
key, batch and status event on a real registry (authority 3 of the test world)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chain.index import LicenceIndex
from verifier import Verifier

from .world import VECTORS, World

pytestmark = pytest.mark.timeout(120)

FILES = sorted(VECTORS.glob("*/*.json"))


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_vector_verdict(world: World, index: LicenceIndex, path: Path) -> None:
    vector = json.loads(path.read_text(encoding="utf-8"))
    challenge = bytes.fromhex(vector["challenge"]) if vector.get("challenge") else None
    result = Verifier(index).verify(vector["qr"], now=vector["now"], challenge=challenge)
    reason = result.decided_by.reason if result.decided_by else None
    if path.parent.name == "valid":
        assert (result.verdict, reason) == ("valid", None)
        assert result.authority is not None and result.authority["id"] == "CN-44-DMV"
    elif path.parent.name == "status":
        assert result.verdict == vector["expected_verdict"]
    else:
        assert result.verdict in {"invalid", "unreadable"}
        assert reason == vector["reason"]
