"""Batch Merkle trees over licence leaves, split into at most 16 subtrees.

leaf = H(0x00 || cbor(leaf header)), node = H(0x01 || left || right), 16-byte nodes.
A subtree of n leaves is built bottom-up pairing neighbours; a level's odd last node is
carried up unchanged. A proof lists the siblings that exist, bottom to top; the verifier
knows n (signed in the root's header), so the shape is never ambiguous.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from ._hash import BATCH_NODE, NODE_BYTES
from .errors import LimitError, ProofError
from .limits import MAX_PROOF_DEPTH, MAX_SUBTREES

_sha256 = hashlib.sha256
MAX_SUBTREE_SIZE = 1 << MAX_PROOF_DEPTH


def split(count: int) -> list[range]:
    """Contiguous index ranges of the (≤16) subtrees of a batch of `count` licences."""
    if not 0 < count <= MAX_SUBTREES * MAX_SUBTREE_SIZE:
        raise LimitError(f"A batch holds 1 to {MAX_SUBTREES * MAX_SUBTREE_SIZE} licences, "
                         f"not {count}; split the job.", reason="batch_size_invalid")
    size = -(-count // MAX_SUBTREES)
    return [range(i, min(i + size, count)) for i in range(0, count, size)]


def levels(leaves: Sequence[bytes], new: Callable[..., Any] = _sha256) -> list[list[bytes]]:
    """All levels of one subtree, leaves first, root level last (`new`: the suite's hash)."""
    out = [list(leaves)]
    level = out[0]
    while len(level) > 1:
        nxt = [new(BATCH_NODE + level[i] + level[i + 1]).digest()[:NODE_BYTES]
               for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        out.append(nxt)
        level = nxt
    return out


def proof(tree: list[list[bytes]], index: int) -> bytes:
    """Packed sibling nodes of leaf `index`, bottom to top."""
    nodes = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            nodes.append(level[sibling])
        index >>= 1
    return b"".join(nodes)


def proof_length(size: int, index: int) -> int:
    """How many nodes the proof of leaf `index` in a subtree of `size` leaves has."""
    count = 0
    while size > 1:
        if index ^ 1 < size:
            count += 1
        index >>= 1
        size = (size + 1) // 2
    return count


def root_from_proof(leaf: bytes, index: int, size: int, packed: bytes,
                    new: Callable[..., Any] = _sha256) -> bytes:
    """Recomputes a subtree root; raises ProofError if the proof does not fit the shape."""
    if not 0 < size <= MAX_SUBTREE_SIZE:
        raise LimitError("The batch subtree is larger than the format allows.",
                         reason="proof_too_deep")
    if not 0 <= index < size:
        raise ProofError("The licence's position is outside its batch; it is damaged.",
                         reason="leaf_index_out_of_range")
    if len(packed) != NODE_BYTES * proof_length(size, index):
        raise ProofError("The batch proof has the wrong length; the licence is damaged.",
                         reason="proof_invalid")
    node, pos = leaf, 0
    while size > 1:
        if index ^ 1 < size:
            sibling = packed[pos : pos + NODE_BYTES]
            pos += NODE_BYTES
            pair = node + sibling if index % 2 == 0 else sibling + node
            node = new(BATCH_NODE + pair).digest()[:NODE_BYTES]
        index >>= 1
        size = (size + 1) // 2
    return node
