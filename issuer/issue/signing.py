"""Run in worker processes: rows of one batch → validated claims → salted commitments →
signed subtree roots, as plain records the store can take (and the problems of rows that
do not validate).

Each worker holds the authority's signer for the run (handed over once, at start-up: a
key file's key, or where a token key lives and its PIN, the worker then opening its own
session) and does everything CPU-bound for its batch; the main process only stores and
anchors.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
from dataclasses import dataclass
from typing import Any, NamedTuple

from issuer.claims.codes import derive_with_hash
from issuer.issue.outputs import Spool, entry_fragment, stem_for
from issuer.issue.regions import Scopes
from issuer.issue.rows import Row, RowProblem
from issuer.issue.saving import BatchOwner, SignedBatch, SignedLicence, store_batch
from issuer.issue.validation import check_row, number_field
from issuer.store import Store
from licence import LicenceItem, build_batch, load_schema
from licence.qr import LICENCE_PREFIX, encode_text
from licence.signer import Signer

_worker: dict = {}


@dataclass(frozen=True)
class SigningSetup:
    authority_number: int
    key_id: int
    signer: Signer  # a key file's key lives only in worker memory; a token's stays inside
    licence_type: int
    authority_id: str
    claim_secret: bytes  # claim codes are derived in the workers too
    store_url: str | None = None  # workers store their batches themselves
    # The authority's scope regions for the type; () = not checked here (nationwide), as
    # for tests signing without a registry.
    scope_regions: tuple[str, ...] = ()

    @property
    def scopes(self) -> Scopes:
        return Scopes(self.scope_regions or ("",))

    def __repr__(self) -> str:  # never print the key
        return f"SigningSetup(authority={self.authority_number}, key={self.key_id})"


def die_with_parent() -> None:
    """Workers hold a signing key: they must not outlive a killed issuer process (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the pool still ends its workers on a normal exit


def fewer_collections() -> None:
    """Issuance allocates millions of short-lived, acyclic objects: the cyclic garbage
    collector's default pace spent a fifth of the signing time scanning them."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def start_worker(setup: SigningSetup) -> None:
    """Initializer of the worker processes: each opens its own connection to the store."""
    die_with_parent()
    init_worker(setup)
    if setup.store_url is not None:
        _worker["store"] = Store(setup.store_url)
    fewer_collections()


class StoredBatch(NamedTuple):
    sequence: int
    batch_id: int | None  # None: no row of the chunk was valid
    count: int
    rejected: list[RowProblem]


def sign_and_store(sequence: int, rows: list[Row], issued_at: int, claim_expires_at: int,
                   rendered: bool, spool: Spool, job_id: int,
                   region: str | None = None) -> StoredBatch:
    """Worker task of bulk issuance: validate, sign, write the report fragments, and store
    the batch (declared under scope region `region`) in one transaction; only a small
    summary goes back to the main process."""
    setup: SigningSetup = _worker["setup"]
    signed = sign_batch(sequence, rows, issued_at, claim_expires_at, rendered, spool,
                        region=region)
    if not signed.licences:
        return StoredBatch(sequence, None, 0, signed.rejected)
    owner = BatchOwner(setup.authority_id, setup.authority_number, setup.key_id)
    batch = store_batch(_worker["store"], owner, setup.licence_type, signed, claim_expires_at,
                        job_id=job_id)
    return StoredBatch(sequence, batch.id, len(signed.licences), signed.rejected)


def init_worker(setup: SigningSetup) -> None:
    _worker["setup"] = setup
    _worker["key"] = setup.signer
    _worker["schema"] = load_schema(setup.licence_type)


def sign_batch(sequence: int, rows: list[Row], issued_at: int, claim_expires_at: int = 0,
               rendered: bool = False, spool: Spool | None = None, *,
               region: str | None = None) -> SignedBatch:
    """Validates and signs one batch declared under scope region `region` (default: the
    authority's widest scope for the type). Its report entries and claim codes go straight
    to `spool` (they are the bulk of the output and need not cross back to the main
    process)."""
    setup: SigningSetup = _worker["setup"]
    schema = _worker["schema"]
    scopes = setup.scopes
    batch_region = scopes.authority_region if region is None else region
    key_name = number_field(schema)
    items, kept, rejected = [], [], []
    refs = os.urandom(16 * len(rows))
    for i, row in enumerate(rows):
        claims, until, problems = check_row(schema, row, issued_at, scopes)
        if not problems and claims is not None \
                and scopes.batch_region(scopes.licence_region(schema, claims)) != batch_region:
            problems = [_other_batch(schema, row.number, batch_region)]
        if problems:
            rejected.extend(problems)
            continue
        items.append(LicenceItem(claims, issued_at, until, refs[16 * i:16 * i + 16], None,
                                 scopes.licence_region(schema, claims)))
        kept.append((row.number, claims))
    if not items:
        return SignedBatch(sequence, issued_at, [], [], rejected, batch_region)
    batch = build_batch(setup.authority_number, setup.key_id, _worker["key"],
                        setup.licence_type, issued_at, items, region=batch_region)
    # Licences come subtree by subtree, in input order.
    positions = [p for p, r in enumerate(batch.roots) for _ in range(r.header.subtree_size)]
    licences, entries = [], []
    for (row_number, claims), licence, position in zip(kept, batch.licences, positions,
                                                       strict=True):
        encoded = licence.to_bytes()
        code, code_digest = derive_with_hash(setup.claim_secret, setup.authority_id,
                                             licence.status_ref)
        entries.append(entry_fragment(
            row=row_number, licence_number=claims[key_name], type_name=schema.name,
            status_ref=licence.status_ref, batch_root=batch.roots[position].root,
            qr=encode_text(LICENCE_PREFIX, encoded), stem=stem_for(row_number, None),
            rendered=rendered, claim_code=code, claim_expires_at=claim_expires_at))
        licences.append(SignedLicence(
            row_number=row_number, licence_number=claims[key_name],
            status_ref=licence.status_ref, root_position=position,
            leaf_index=licence.leaf_index,
            valid_from=licence.valid_from, valid_until=licence.valid_until,
            encoded=encoded, claim_code_hash=code_digest,
        ))
    if spool is not None:
        spool.write(sequence, entries)
    return SignedBatch(sequence, issued_at,
                       [(r.root, r.protected, r.signature) for r in batch.roots], licences,
                       rejected, batch_region)


def _other_batch(schema: Any, row: int, batch_region: str) -> RowProblem:
    """A row of another scope region in a batch of this one (only a renewal or replacement
    mixing scopes meets it: bulk issuance groups rows by region)."""
    field = schema.region_from or "-"
    return RowProblem(row, field, "other_scope",
                      f"{field} belongs to another scope region than this batch's.",
                      f"a licence within region {batch_region or 'nationwide'}, or a separate "
                      "request per region")

