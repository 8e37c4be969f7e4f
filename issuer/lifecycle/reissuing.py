"""Replacing and renewing: the successors of a job's licences signed, stored and anchored
(stage 2), the old licences' supersessions recorded once every successor is anchored
(stage 3), and report.json, letters and QR images written for the successors (stage 5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from chain.config import DEFAULT_PUBLIC_URL
from issuer.authority import IssuingAuthority
from issuer.issue.batches import batch_owner, sign_here
from issuer.issue.letters import LetterContext, render_letters
from issuer.issue.outputs import (
    STORED_COLUMNS,
    BatchOutputs,
    ReportWriter,
    SignedRootRow,
    StoredLicence,
    batch_fragments,
    prepare_outputs,
)
from issuer.issue.rows import Row
from issuer.issue.saving import store_batch
from issuer.issue.validation import CHINA
from issuer.lifecycle import status_changes
from issuer.lifecycle.request import RENEW
from issuer.lifecycle.status_changes import IN_CHUNK
from issuer.sending import anchoring
from issuer.store import Batch, BatchRoot, BatchState, IssuedLicence, StatusChange, Store
from issuer.store.models import LifecycleJob
from licence import load_schema
from licence.vocabulary import StatusCode

DAY = 86_400
CLAIM_DAYS = 90  # how long the holders of successors can claim them, as `issue` defaults


def anchor_successors(store: Store, authority: IssuingAuthority, job: LifecycleJob, *,
                      now: int) -> int:
    """Signs and stores the successors not yet stored, then anchors every batch of them."""
    with store.session() as s:
        targets = _licences(s, job.targets)
        done = {lic.replaces for lic in _successors(s, job.targets)}
    todo = [t for t in targets if t.id not in done]
    place = {target_id: i for i, target_id in enumerate(job.targets, start=1)}
    by_type: dict[int, list[IssuedLicence]] = {}
    for target in todo:
        by_type.setdefault(target.licence_type, []).append(target)
    expires = now + CLAIM_DAYS * DAY
    for licence_type, olds in sorted(by_type.items()):
        # Row numbers: the place in the request, which names the output files.
        rows = [Row(place[old.id], successor_values(old, job, now=now)) for old in olds]
        signed = sign_here(authority, licence_type, rows, now)
        store_batch(store, batch_owner(authority), licence_type, signed, expires,
                    replaces=[old.id for old in olds])
    with store.session() as s:
        batch_ids = {lic.batch_id for lic in _successors(s, job.targets)}
        batches = list(s.scalars(select(Batch).where(Batch.id.in_(batch_ids))
                                 .order_by(Batch.id))) if batch_ids else []
    registry = authority.registry
    sent = 0
    anchoring.resume_submitted(store, registry,
                               [b for b in batches if b.state == BatchState.SUBMITTED])
    for batch in batches:
        if batch.state == BatchState.SIGNED:
            anchoring.submit(store, registry, batch,
                             authority.anchor_region(batch.licence_type, batch.region))
            sent += 1
    for batch in batches:
        if batch.state != BatchState.CONFIRMED:
            anchoring.confirm(store, registry, batch)
    return sent


def successor_values(old: IssuedLicence, job: LifecycleJob, *, now: int) -> dict[str, Any]:
    """The input row of a successor: the old claims (derived ones are computed again), with
    a later expiry date for a renewal."""
    schema = load_schema(old.licence_type)
    values = {k: v for k, v in (old.claims or {}).items()
              if k in schema.by_name and schema.by_name[k].derived is None}
    if job.action == RENEW:
        values["expiry_date"] = renewal_expiry(old, job.until, now=now).isoformat()
    return values


def renewal_expiry(old: IssuedLicence, until: int | None, *, now: int) -> dt.date:
    if until is not None:
        return dt.datetime.fromtimestamp(until, CHINA).date()
    current = dt.date.fromisoformat(old.claims["expiry_date"])
    start = max(current, dt.datetime.fromtimestamp(now, CHINA).date())
    years = load_schema(old.licence_type).renewal_years
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def _licences(session, ids: Sequence[int]) -> list[IssuedLicence]:
    found: list[IssuedLicence] = []
    for part in range(0, len(ids), IN_CHUNK):
        found.extend(session.scalars(select(IssuedLicence).where(
            IssuedLicence.id.in_(ids[part:part + IN_CHUNK]))))
    return sorted(found, key=lambda lic: lic.id)


def _successors(session, target_ids: Sequence[int]) -> list[IssuedLicence]:
    found: list[IssuedLicence] = []
    for part in range(0, len(target_ids), IN_CHUNK):
        found.extend(session.scalars(select(IssuedLicence).where(
            IssuedLicence.replaces.in_(target_ids[part:part + IN_CHUNK]))))
    return sorted(found, key=lambda lic: lic.id)



def record_supersessions(store: Store, job: LifecycleJob, *, now: int) -> None:
    """Once every successor is anchored: the setStatus(superseded) calls, recorded once."""
    with store.session() as s:
        if s.scalar(select(StatusChange.id).where(StatusChange.job_id == job.id).limit(1)):
            return
        olds = {lic.id: lic for lic in _licences(s, job.targets)}
        pairs = sorted(((olds[new.replaces], new) for new in _successors(s, job.targets)),
                       key=lambda pair: pair[0].id)
        if not pairs:
            return
        s.add_all(status_changes.new_changes(
            job.authority_id, StatusCode.SUPERSEDED, [old.status_ref for old, _ in pairs], now=now,
            job_id=job.id, reason=job.reason, successors=[new.status_ref for _, new in pairs]))



def write_outputs(store: Store, authority: IssuingAuthority, job: LifecycleJob, out: Path,
                  render: bool, public_url: str = DEFAULT_PUBLIC_URL) -> Path:
    """report.json (and PDFs and QR images when `render`) for the successors, written from
    the store the way `issue` writes its outputs."""
    prepare_outputs(store, authority.id, out, render=render)
    with store.session() as s:
        successors = _successors(s, job.targets)
        batch_ids = sorted({lic.batch_id for lic in successors})
        batches = list(s.scalars(select(Batch).where(Batch.id.in_(batch_ids))
                                 .order_by(Batch.id))) if batch_ids else []
    writer = ReportWriter(out, {"authority": authority.id, "action": job.action,
                                "issued": len(successors), "refused": len(job.refusals),
                                "batches": len(batches)})
    for batch in batches:
        with store.session() as s:
            roots = {r.position: SignedRootRow(r.root, r.protected, r.signature)
                     for r in s.scalars(select(BatchRoot).where(BatchRoot.batch_id == batch.id))}
            records = [StoredLicence(*row) for row in s.execute(
                select(*STORED_COLUMNS).where(IssuedLicence.batch_id == batch.id,
                                              IssuedLicence.replaces.is_not(None))
                .order_by(IssuedLicence.id))]
        writer.add(batch_fragments(BatchOutputs(
            batch.licence_type, batch.tx_hash or "", batch.block_number or 0, roots, records,
            authority.claim_secret, out if render else None)),
            batch.tx_hash or "", batch.block_number or 0)
        if render:
            record = authority.record
            render_letters(LetterContext(authority.id, record.name_zh, record.name_en,
                                         record.jurisdiction, authority.claim_secret,
                                         public_url, out), batch.issued_at, records)
    writer.close()
    return writer.path
