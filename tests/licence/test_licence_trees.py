"""Claims trees (multiproofs) and batch subtrees (inclusion proofs)."""

from __future__ import annotations

import dataclasses
import itertools
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

import licence
from licence import _cbor, batch_tree, claims_tree
from licence.licence import _leaf_hash

from .licence_testdata import BUSINESS_ROW, DRIVING_ROW


@pytest.mark.parametrize("count", [1, 2, 3, 15, 16, 17, 33, 1000, 10_000, 100_000])
def test_split_makes_at_most_16_contiguous_subtrees(count):
    ranges = batch_tree.split(count)
    assert 1 <= len(ranges) <= 16
    assert [i for r in ranges for i in r] == list(range(count))


@pytest.mark.parametrize("count", [0, 16 * (1 << 20) + 1])
def test_split_rejects_bad_sizes(count):
    with pytest.raises(licence.LimitError):
        batch_tree.split(count)


@pytest.mark.parametrize("size", [*range(1, 19), 31, 32, 33])
def test_every_leaf_proves_to_the_root(size):
    leaves = [os.urandom(16) for _ in range(size)]
    tree = batch_tree.levels(leaves)
    for i in range(size):
        proof = batch_tree.proof(tree, i)
        assert len(proof) == 16 * batch_tree.proof_length(size, i)
        assert batch_tree.root_from_proof(leaves[i], i, size, proof) == tree[-1][0]
        for wrong in {0, size - 1, i ^ 1} - {i}:
            if wrong < size:
                assert _root_or_error(leaves[i], wrong, size, proof) != tree[-1][0]


def _root_or_error(leaf: bytes, index: int, size: int, proof: bytes) -> bytes | None:
    try:
        return batch_tree.root_from_proof(leaf, index, size, proof)
    except licence.ProofError:
        return None


def test_proof_of_wrong_length_or_index_is_rejected():
    leaves = [os.urandom(16) for _ in range(10)]
    tree = batch_tree.levels(leaves)
    proof = batch_tree.proof(tree, 3)
    with pytest.raises(licence.ProofError) as info:
        batch_tree.root_from_proof(leaves[3], 3, 10, proof + b"\x00" * 16)
    assert info.value.reason == "proof_invalid"
    with pytest.raises(licence.ProofError) as info:
        batch_tree.root_from_proof(leaves[3], 10, 10, proof)
    assert info.value.reason == "leaf_index_out_of_range"


def test_leaf_and_inner_nodes_are_domain_separated():
    a, b = os.urandom(16), os.urandom(16)
    tree = batch_tree.levels([a, b])
    # An inner node's preimage presented as a leaf does not hash like the inner node.
    assert licence._hash.h(licence._hash.LICENCE_LEAF + a + b) != tree[-1][0]


def test_salts_are_hmac_sha256_of_the_cbor_key():
    import hashlib
    import hmac
    seed = bytes(range(16))
    assert claims_tree.derive_salts(seed, [b"\x01", b"\x0d"]) == [
        hmac.new(seed, bytes([k]), hashlib.sha256).digest()[:16] for k in (1, 13)]


@pytest.mark.parametrize("schema_name", ["driving", "business", "professional"])
def test_every_disclosure_subset_recomputes_the_root(schema_name):
    schema = licence.load_schema(schema_name)
    digests = [os.urandom(16) for _ in schema.leaves]
    root = claims_tree.root_of_digests(schema, digests)
    n = len(schema.leaves)
    subsets = [set(c) for k in (0, 1, 2, n - 1, n) for c in itertools.combinations(range(n), k)]
    for picked in subsets:
        proof = claims_tree.multiproof(schema, digests, picked)
        assert claims_tree.root_from_multiproof(
            schema, {i: digests[i] for i in picked}, proof) == root
        if proof:
            with pytest.raises(licence.ProofError):
                claims_tree.root_from_multiproof(schema, {i: digests[i] for i in picked},
                                                 proof[:-1])
        with pytest.raises(licence.ProofError):
            claims_tree.root_from_multiproof(schema, {i: digests[i] for i in picked},
                                             [*proof, root])


def test_a_schema_sharing_a_code_with_another_gets_its_own_tree():
    # The multiproof walk keeps a per-schema index: a schema parsed from other JSON with the
    # same code and another shape must be walked by its own shape, never the first one seen.
    schema = licence.load_schema("driving")
    mirrored = dataclasses.replace(schema, shape=(schema.shape[1], schema.shape[0]))
    digests = [os.urandom(16) for _ in schema.leaves]
    picked = {0}
    for tree in (schema, mirrored, schema):
        proof = claims_tree.multiproof(tree, digests, picked)
        assert claims_tree.root_from_multiproof(
            tree, {0: digests[0]}, proof) == claims_tree.root_of_digests(tree, digests)
    assert (claims_tree.root_of_digests(mirrored, digests)
            != claims_tree.root_of_digests(schema, digests))


@pytest.mark.parametrize(("names", "nodes"), [
    (["age_over_18"], 2), (["age_over_18", "vehicle_classes"], 1),
    (["family_name", "given_name"], 4)])
def test_common_driving_disclosures_need_few_nodes(names, nodes):
    schema = licence.load_schema("driving")
    picked = {i for i, c in enumerate(schema.leaves) if c.name in names}
    digests = [os.urandom(16) for _ in schema.leaves]
    assert len(claims_tree.multiproof(schema, digests, picked)) == nodes


@given(ref=st.binary(min_size=16, max_size=16), valid_from=st.integers(0, 2**64 - 1),
       valid_until=st.integers(0, 2**64 - 1), root=st.binary(min_size=16, max_size=16),
       device=st.none() | st.binary(min_size=16, max_size=16))
def test_hand_encoded_leaf_matches_deterministic_cbor(ref, valid_from, valid_until, root,
                                                      device):
    leaf = {1: ref, 2: valid_from, 3: valid_until, 4: root}
    if device is not None:
        leaf[5] = device
    expected = licence._hash.h(licence._hash.LICENCE_LEAF + _cbor.dumps(leaf))
    assert _leaf_hash(ref, valid_from, valid_until, root, device) == expected


def test_boolean_map_keys_are_not_taken_for_integers(batch):
    m = batch.licences[0].to_map()
    m[True] = m.pop(1)
    with pytest.raises(licence.DecodeError) as info:
        licence.Licence.from_bytes_unverified(_cbor.dumps(m))
    assert info.value.reason == "structure_invalid"


@pytest.mark.parametrize("suite", licence.SUITES, ids=lambda s: s.name)
@pytest.mark.parametrize(("schema_name", "row"),
                         [("driving", DRIVING_ROW), ("business", BUSINESS_ROW)])
def test_the_one_loop_claims_root_is_the_composed_one(schema_name, row, suite):
    # claims_root fuses salts, digests and nodes for speed; the separate functions (used
    # for disclosures and proofs) must give the very same root, absent claims included.
    schema = licence.load_schema(schema_name)
    claims = schema.validate(row)
    for present in (claims, {k: v for i, (k, v) in enumerate(claims.items()) if i % 2}):
        seed = os.urandom(16)
        composed = claims_tree.root_of_digests(
            schema, claims_tree.leaf_digests(schema, present, seed, suite.new), suite.new)
        assert claims_tree.claims_root(schema, present, seed, suite.new) == composed


def test_a_remembered_subtree_root_never_outlives_the_fields_it_came_from(batch,
                                                                         authority_key):
    # subtree_root() is computed once per licence object (a fresh root needs it twice);
    # a copy with other claims is another object and gets its own root, so a tampered
    # copy of an already verified licence still fails the signature check.
    genuine = licence.decode_unverified(batch.licences[1].to_qr())
    root = genuine.subtree_root()
    assert root == batch.roots[0].root and genuine.subtree_root() is root
    genuine.verify_signature(authority_key.public_key())
    tampered = dataclasses.replace(genuine, claims={**genuine.claims, "family_name": "王"})
    assert tampered == tampered and tampered != genuine
    assert tampered.subtree_root() != root
    with pytest.raises(licence.SignatureError) as info:
        tampered.verify_signature(authority_key.public_key())
    assert info.value.reason == "signature_invalid"
    assert "_subtree_root" not in repr(genuine)
