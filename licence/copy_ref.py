"""A wallet copy's own status reference, derived from what the copy already carries.

A bound copy carries its licence's status reference and the digest of the device key it is
bound to, both under the authority's signature. Its own reference is a hash of the two, so
every verifier computes it from the copy alone (no new wire field, no lookup table) and the
authority can stop one device's copy with an ordinary status change on that reference,
leaving the licence and its other copies untouched. See docs/decisions/0142.
"""

from __future__ import annotations

from ._hash import COPY_REF, NODE_BYTES, h


def copy_status_ref(status_ref: bytes, device_digest: bytes) -> bytes:
    """H(0x05 || licence status ref || device key digest): 16 bytes like every status ref."""
    if len(status_ref) != NODE_BYTES or len(device_digest) != NODE_BYTES:
        raise ValueError("status reference and device digest are 16 bytes each")
    return h(COPY_REF + status_ref + device_digest)
