"""Per-licence commitment to claims: a Merkle tree over salted claim digests.

salt(key)    = HMAC-SHA256(seed, cbor(key))[:16]
digest(key)  = H(0x02 || salt || cbor([key, value]))   value null for an absent optional claim
node         = H(0x03 || left || right)
The tree's shape is fixed per licence type by its schema, so common disclosures need
few proof nodes. A multiproof lists the hashes of the maximal undisclosed subtrees in
depth-first, left-to-right order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import cbor2

from ._hash import CLAIM_LEAF, CLAIM_NODE, NODE_BYTES
from .errors import ProofError
from .schema import Schema, Shape

_cbor_dumps = cbor2.dumps
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

# HMAC key pads applied with bytes.translate, as the standard library's hmac module does.
_TRANS_36 = bytes(x ^ 0x36 for x in range(256))
_TRANS_5C = bytes(x ^ 0x5C for x in range(256))
_sha256 = hashlib.sha256


def derive_salts(seed: bytes, key_bytes: Iterable[bytes],
                 new: Callable[..., Any] = _sha256) -> list[bytes]:
    """HMAC-H(seed, cbor(key))[:16] per key (cbor(key) is one byte for keys 0..23); H is the
    suite's hash, SHA-256 or SM3 (both have 64-byte blocks).

    Same output as hmac.digest, but the keyed inner/outer states are built once per seed:
    this is the hot loop of issuance.
    """
    padded = seed.ljust(64, b"\x00")
    inner = new(padded.translate(_TRANS_36))
    outer = new(padded.translate(_TRANS_5C))
    salts = []
    for key_byte in key_bytes:
        i = inner.copy()
        i.update(key_byte)
        o = outer.copy()
        o.update(i.digest())
        salts.append(o.digest()[:NODE_BYTES])
    return salts


def cbor_value(value: Any) -> Any:
    """The CBOR data model form of a claim value (dates become days since 1970-01-01)."""
    if value.__class__ is dt.date:
        return value.toordinal() - _EPOCH_ORDINAL
    return value


def claim_digest(key: int, value: Any, salt: bytes,
                 new: Callable[..., Any] = _sha256) -> bytes:
    """H(0x02 || salt || cbor([key, value])); cbor([key, value]) = 0x82, key byte, value.

    Claim values are never maps or floats, so plain cbor2 output is already deterministic.
    """
    return new(CLAIM_LEAF + salt + b"\x82" + bytes((key,)) + _cbor_dumps(cbor_value(value))
                   ).digest()[:NODE_BYTES]


def _ops(shape: Shape) -> list[tuple[int, int]]:
    """Post-order (left, right) index pairs: node list = leaf digests, then one per op."""
    ops: list[tuple[int, int]] = []
    count = _count(shape)

    def walk(node: Shape) -> int:
        if isinstance(node, int):
            return node
        left, right = walk(node[0]), walk(node[1])
        ops.append((left, right))
        return count + len(ops) - 1

    walk(shape)
    return ops


def _count(shape: Shape) -> int:
    return 1 if isinstance(shape, int) else _count(shape[0]) + _count(shape[1])


_OPS_CACHE: dict[int, tuple[Schema, list[tuple[int, int]]]] = {}


def leaf_digests(schema: Schema, claims: Mapping[str, Any], seed: bytes,
                 new: Callable[..., Any] = _sha256) -> list[bytes]:
    """Digests of every claim slot in leaf order (absent optional claims digest null)."""
    slots = _per_schema(_SLOTS_CACHE, schema, lambda: [(c.name, c.key) for c in schema.leaves])
    salts = derive_salts(seed, [bytes((key,)) for _, key in slots], new)
    get = claims.get
    return [claim_digest(key, get(name), salt, new)
            for (name, key), salt in zip(slots, salts, strict=True)]


_SLOTS_CACHE: dict[int, tuple[Schema, list[tuple[str, int]]]] = {}


def root_of_digests(schema: Schema, digests: list[bytes],
                    new: Callable[..., Any] = _sha256) -> bytes:
    ops = _per_schema(_OPS_CACHE, schema, lambda: _ops(schema.shape))
    nodes = list(digests)
    for left, right in ops:
        nodes.append(new(CLAIM_NODE + nodes[left] + nodes[right]).digest()[:NODE_BYTES])
    return nodes[-1]


def claims_root(schema: Schema, claims: Mapping[str, Any], seed: bytes,
                new: Callable[..., Any] = _sha256) -> bytes:
    """Root over every claim slot of the schema, from the full claims and the seed.

    The same salts, digests and nodes as derive_salts, claim_digest and root_of_digests,
    in one loop: it runs once per licence at issue, where the calls between those
    functions and the hash constructor (a Python function for SM3) cost as much as the
    hashing. Hash states that already absorbed the domain byte are copied, so each hash is
    one copy and one update in C (tests/licence/test_licence_trees.py checks both ways
    agree)."""
    plan = _per_schema(_ROOT_PLANS, schema, lambda: (
        [(c.name, bytes((c.key,)), b"\x82" + bytes((c.key,))) for c in schema.leaves],
        _ops(schema.shape)))
    slots, ops = plan
    padded = seed.ljust(64, b"\x00")
    inner, outer = new(padded.translate(_TRANS_36)).copy, new(padded.translate(_TRANS_5C)).copy
    leaf, node = new(CLAIM_LEAF).copy, new(CLAIM_NODE).copy
    get = claims.get
    nodes: list[bytes] = []
    append = nodes.append
    for name, key_byte, head in slots:
        i = inner()
        i.update(key_byte)
        o = outer()
        o.update(i.digest())
        value = get(name)
        if value.__class__ is dt.date:
            value = value.toordinal() - _EPOCH_ORDINAL
        h = leaf()
        h.update(o.digest()[:NODE_BYTES] + head + _cbor_dumps(value))
        append(h.digest()[:NODE_BYTES])
    for left, right in ops:
        h = node()
        h.update(nodes[left] + nodes[right])
        append(h.digest()[:NODE_BYTES])
    return nodes[-1]


_ROOT_PLANS: dict[int, tuple[Schema, tuple[list[tuple[str, bytes, bytes]],
                                             list[tuple[int, int]]]]] = {}


def _has(node: Shape, disclosed: Container[int]) -> bool:
    if isinstance(node, int):
        return node in disclosed
    return _has(node[0], disclosed) or _has(node[1], disclosed)


def multiproof(schema: Schema, digests: Sequence[bytes], disclosed: set[int],
               new: Callable[..., Any] = _sha256) -> list[bytes]:
    """Hashes of the maximal subtrees holding no disclosed leaf (indexes into schema.leaves)."""
    out: list[bytes] = []

    def hash_of(node: Shape) -> bytes:
        if isinstance(node, int):
            return digests[node]
        return new(CLAIM_NODE + hash_of(node[0]) + hash_of(node[1])).digest()[:NODE_BYTES]

    def walk(node: Shape) -> None:
        if not _has(node, disclosed):
            out.append(hash_of(node))
        elif not isinstance(node, int):
            walk(node[0])
            walk(node[1])

    walk(schema.shape)
    return out


def root_from_multiproof(schema: Schema, disclosed: Mapping[int, bytes],
                         proof: Sequence[bytes], new: Callable[..., Any] = _sha256) -> bytes:
    """Recomputes the claims root from disclosed leaf digests (by leaf index) and a multiproof.

    Raises ProofError unless the proof has exactly the nodes the tree shape calls for.
    Every live code with a partial disclosure comes through here: the leaves under each node
    are looked up in the schema's indexed tree, not found by walking the subtree again at
    every level (same nodes, same order as `multiproof`).
    """
    nodes = iter(proof)
    used = 0

    def walk(node: _Indexed) -> bytes:
        nonlocal used
        leaves, left, right = node
        if leaves.isdisjoint(disclosed):
            used += 1
            value = next(nodes, None)
            if value is None:
                raise ProofError("The claims proof is missing nodes; the licence is damaged.",
                                 reason="claims_proof_invalid")
            return value
        if right is None:
            return disclosed[left]  # type: ignore[index]
        return new(CLAIM_NODE + walk(left) + walk(right)).digest()[:NODE_BYTES]  # type: ignore[arg-type]

    root = walk(_indexed(schema))
    if used != len(proof):
        raise ProofError("The claims proof has extra nodes; the licence is damaged.",
                         reason="claims_proof_invalid")
    return root


# A tree node with the set of leaf indexes under it: (leaves, index, None) for a leaf,
# (leaves, left node, right node) otherwise.
_Indexed = tuple[frozenset[int], Any, Any]
_INDEXED_CACHE: dict[int, tuple[Schema, _Indexed]] = {}


def _indexed(schema: Schema) -> _Indexed:
    return _per_schema(_INDEXED_CACHE, schema, lambda: _index(schema.shape))


def _index(node: Shape) -> _Indexed:
    if isinstance(node, int):
        return frozenset((node,)), node, None
    left, right = _index(node[0]), _index(node[1])
    return left[0] | right[0], left, right


def leaf_positions(schema: Schema) -> dict[str, int]:
    """Each claim's index among the schema's leaves (built once per licence type)."""
    return _per_schema(_POSITIONS_CACHE, schema,
                       lambda: {c.name: i for i, c in enumerate(schema.leaves)})


_POSITIONS_CACHE: dict[int, tuple[Schema, dict[str, int]]] = {}


_T = TypeVar("_T")


def _per_schema(cache: dict[int, tuple[Schema, _T]], schema: Schema,
                build: Callable[[], _T]) -> _T:
    """`build()` made once per schema object. Keyed by the object (kept alive beside its
    entry, so its id is never reused), not by its code: a schema parsed from other JSON
    may share a built-in one's code and have another shape."""
    entry = cache.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = cache[id(schema)] = (schema, build())
    return entry[1]
