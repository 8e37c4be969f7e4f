"""Run in worker processes: rows of one batch → validated claims → salted commitments →
signed subtree roots, as plain records the store can take (and the problems of rows that
do not validate).

Each worker holds the authority's signing key for the run (handed over once, at start-up)
and does everything CPU-bound for its batch; the main process only stores and anchors.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric import ec

from issuer.claim_codes import code_hash, derive
from issuer.claims_json import claims_to_json
from issuer.outputs import Spool, entry_fragment, stem_for
from issuer.rows import Row, RowProblem
from issuer.validation import check_row, number_field, valid_until
from licence import LicenceItem, build_batch, load_schema
from licence.qr import LICENCE_PREFIX, encode_text

_worker: dict = {}


@dataclass(frozen=True)
class SigningSetup:
    authority_number: int
    key_id: int
    private_value: int  # the P-256 private scalar; lives only in worker memory
    licence_type: int
    authority_id: str
    claim_secret: bytes  # claim codes are derived in the workers too

    def __repr__(self) -> str:  # never print the key
        return f"SigningSetup(authority={self.authority_number}, key={self.key_id})"


class SignedLicence(NamedTuple):  # a tuple: ten thousand of them cross a pipe per batch
    row_number: int
    licence_number: str
    status_ref: bytes
    seed: bytes
    root_position: int
    leaf_index: int
    proof: bytes
    claims_json: str  # what the store keeps, serialised in the worker
    valid_from: int
    valid_until: int
    encoded: bytes  # the full licence as CBOR
    claim_code_hash: bytes


@dataclass(frozen=True)
class SignedBatch:
    sequence: int
    issued_at: int
    roots: list[tuple[bytes, bytes, bytes]]  # (root, protected header, signature)
    licences: list[SignedLicence]
    rejected: list[RowProblem]  # rows of this chunk that failed validation


def die_with_parent() -> None:
    """Workers hold a signing key: they must not outlive a killed issuer process (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the pool still ends its workers on a normal exit


def start_worker(setup: SigningSetup) -> None:
    """Initializer of the worker processes."""
    die_with_parent()
    init_worker(setup)


def init_worker(setup: SigningSetup) -> None:
    _worker["setup"] = setup
    _worker["key"] = ec.derive_private_key(setup.private_value, ec.SECP256R1())
    _worker["schema"] = load_schema(setup.licence_type)


def sign_batch(sequence: int, rows: list[Row], issued_at: int, claim_expires_at: int = 0,
               rendered: bool = False, spool: Spool | None = None) -> SignedBatch:
    """Validates and signs one batch. Its report fragments go straight to `spool` (they
    are the bulk of the output and need not cross back to the main process)."""
    setup: SigningSetup = _worker["setup"]
    schema = _worker["schema"]
    key_name = number_field(schema)
    items, kept, rejected = [], [], []
    refs = os.urandom(16 * len(rows))
    for i, row in enumerate(rows):
        claims, problems = check_row(schema, row, issued_at)
        if problems:
            rejected.extend(problems)
            continue
        items.append(LicenceItem(claims, issued_at, valid_until(claims),
                                 refs[16 * i:16 * i + 16]))
        kept.append((row.number, claims))
    if not items:
        return SignedBatch(sequence, issued_at, [], [], rejected)
    batch = build_batch(setup.authority_number, setup.key_id, _worker["key"],
                        setup.licence_type, issued_at, items)
    # Licences come subtree by subtree, in input order.
    positions = [p for p, r in enumerate(batch.roots) for _ in range(r.header.subtree_size)]
    licences, fragments = [], []
    for (row_number, claims), licence, position in zip(kept, batch.licences, positions,
                                                       strict=True):
        encoded = licence.to_bytes()
        code = derive(setup.claim_secret, setup.authority_id, licence.status_ref)
        fragments.append(entry_fragment(
            row=row_number, licence_number=claims[key_name], type_name=schema.name,
            status_ref=licence.status_ref, batch_root=batch.roots[position].root,
            qr=encode_text(LICENCE_PREFIX, encoded), stem=stem_for(row_number, None),
            rendered=rendered, claim_code=code, claim_expires_at=claim_expires_at))
        licences.append(SignedLicence(
            row_number=row_number, licence_number=claims[key_name],
            status_ref=licence.status_ref, seed=licence.seed,
            root_position=position, leaf_index=licence.leaf_index, proof=licence.proof,
            claims_json=json.dumps(claims_to_json(claims), ensure_ascii=False),
            valid_from=licence.valid_from, valid_until=licence.valid_until,
            encoded=encoded, claim_code_hash=code_hash(code),
        ))
    if spool is not None:
        spool.write(sequence, fragments)
    return SignedBatch(sequence, issued_at,
                       [(r.root, r.protected, r.signature) for r in batch.roots], licences,
                       rejected)

