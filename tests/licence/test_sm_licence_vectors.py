"""tests/vectors/sm2_licence.json: SM2-with-SM3 licences an independent verifier can check.
Every SM3 value is exact (the generator reproduces it); signatures are verified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import licence

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
FILE = json.loads((VECTORS / "sm2_licence.json").read_text(encoding="utf-8"))


def _generator():
    import importlib.util
    spec = importlib.util.spec_from_file_location("sm_generate", VECTORS / "sm_generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize("vector", FILE["vectors"], ids=lambda v: v["name"])
def test_sm2_licence_vector_verifies(vector):
    lic = licence.decode_unverified(vector["qr"])
    expected = vector["expected"]
    header = lic.header
    assert (header.algorithm, header.authority, header.key_id, header.licence_type,
            header.issued_at, header.subtree_size) == (
        expected["alg"], expected["authority"], expected["key_id"], expected["licence_type"],
        expected["issued_at"], expected["subtree_size"])
    assert lic.claims_root().hex() == expected["claims_root"]
    assert lic.leaf_hash().hex() == expected["leaf_hash"]
    assert lic.subtree_root().hex() == expected["subtree_root"] in FILE["anchored_roots"]
    assert sorted(lic.claims) == expected["claims"]
    key = licence.authority_key_from_bytes(bytes.fromhex(FILE["authority_public_key"]))
    assert licence.suite_of_key(key) is licence.SM2_SM3
    lic.verify_signature(key)


def test_sm3_values_are_reproduced_by_the_generator():
    fresh = _generator().build()
    assert fresh["anchored_roots"] == FILE["anchored_roots"]
    for old, new in zip(FILE["vectors"], fresh["vectors"], strict=True):
        assert old["expected"] == new["expected"]
        licence.decode_unverified(new["qr"]).verify_signature(
            licence.authority_key_from_bytes(bytes.fromhex(FILE["authority_public_key"])))
