"""Every JSON vector in tests/vectors gives its documented result (docs/format.md §11, §13)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import licence

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def _load(kind: str) -> list[tuple[str, dict]]:
    paths = sorted((VECTORS / kind).glob("*.json"))
    return [(p.stem, json.loads(p.read_text("utf-8"))) for p in paths]


def verify_offline(vector: dict) -> licence.Licence:
    """The order of checks a verifier applies before consulting the chain index."""
    key = licence.public_key_from_bytes(bytes.fromhex(vector["authority_public_key"]))
    decoded = licence.decode_unverified(vector["qr"])
    lic = decoded.licence if isinstance(decoded, licence.Presentation) else decoded
    lic.verify_signature(key)
    if isinstance(decoded, licence.Presentation):
        challenge = vector["challenge"]
        decoded.verify_device(vector["now"], bytes.fromhex(challenge) if challenge else None)
    return lic


def _expected_of(lic: licence.Licence) -> dict:
    return {"authority": lic.header.authority, "key_id": lic.header.key_id,
            "licence_type": lic.header.licence_type, "issued_at": lic.header.issued_at,
            "subtree_root": lic.subtree_root().hex(), "status_ref": lic.status_ref.hex(),
            "valid_from": lic.valid_from, "valid_until": lic.valid_until,
            "claims": {k: v.isoformat() if hasattr(v, "isoformat") else v
                       for k, v in lic.claims.items()}}


@pytest.mark.parametrize(("name", "vector"), _load("valid") + _load("status"))
def test_valid_vectors_verify(name, vector):
    lic = verify_offline(vector)
    assert _expected_of(lic) == vector["expected"]
    if "anchored_roots" in vector:
        assert lic.subtree_root().hex() in vector["anchored_roots"]


def test_revoked_vector_is_named_in_its_status_event():
    vector = json.loads((VECTORS / "status" / "revoked.json").read_text("utf-8"))
    lic = verify_offline(vector)
    event = vector["status_event"]
    refs = bytes.fromhex(event["refs"])
    assert event["status"] == 1 and event["authority"] == lic.header.authority
    assert lic.status_ref in {refs[i : i + 16] for i in range(0, len(refs), 16)}
    assert vector["expected_verdict"] == "revoked"


def test_there_are_at_least_ten_invalid_vectors():
    assert len(_load("invalid")) >= 10


@pytest.mark.parametrize(("name", "vector"), _load("invalid"))
def test_invalid_vectors_give_their_reason(name, vector):
    with pytest.raises(licence.LicenceError) as info:
        verify_offline(vector)
    assert info.value.reason == vector["reason"]


def test_vector_files_match_the_generator():
    spec = importlib.util.spec_from_file_location("vector_generator", VECTORS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for rel, obj in module.build_vectors().items():
        assert (VECTORS / rel).read_text("utf-8") == module.render(obj), rel
