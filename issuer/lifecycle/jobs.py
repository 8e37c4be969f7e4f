"""Changing issued licences: revoke, suspend, reinstate, replace (lost or damaged) and renew.

One request is one LifecycleJob, identified by what it asks for (action, numbers, reason,
dates and an optional case number), so running the same command again after a crash
finishes it and running it after success repeats nothing. Its stages, each resumable:

1. resolve the numbers to this authority's current licences; refusals recorded  job VALIDATED
2. replace/renew: sign the successors (same claims, new status refs, new expiry for a
   renewal), store them, anchor them in one batch per licence type              batch CONFIRMED
3. record the setStatus calls (≤ CHUNK refs each), then send them (write-ahead)  change SUBMITTED
4. on confirmation, the licence rows take their new status                      change CONFIRMED
5. replace/renew: write report.json (and PDFs) for the successors                job DONE

This module runs the stages: resolving does stage 1, reissuing stages 2, 3 and 5 (the
supersessions), status_changes records and sends the other changes (3 and 4).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from chain.config import DEFAULT_PUBLIC_URL
from issuer.authority import IssuingAuthority
from issuer.lifecycle import status_changes
from issuer.lifecycle.reissuing import anchor_successors, record_supersessions, write_outputs
from issuer.lifecycle.request import (
    REISSUING,
    STATUS,
    LifecycleRequest,
    LifecycleSummary,
    Refusal,
)
from issuer.lifecycle.resolving import resolve
from issuer.sending import anchoring
from issuer.store import BatchState, JobState, Store
from issuer.store.models import LifecycleJob


def run(store: Store, authority: IssuingAuthority, request: LifecycleRequest, *, now: int,
        render: bool = False, public_url: str = DEFAULT_PUBLIC_URL) -> LifecycleSummary:
    """Carries out `request`, or finishes it when an earlier run of it was interrupted."""
    summary = LifecycleSummary(request.action)
    resend_pending(store, authority)
    # Earlier requests left unfinished go first: their changes decide what this one sees.
    for job in unfinished_jobs(store, authority.id):
        if job.request_key != request.key() or job.action != request.action:
            finish_job(store, authority, job, now=now, render=False)
    job = _find_job(store, authority.id, request)
    summary.done_before = job is not None and job.state == JobState.DONE
    summary.resumed = job is not None and not summary.done_before
    if job is None:
        job = _create_job(store, authority, request, now=now)
    summary.transactions = finish_job(store, authority, job, now=now, render=render,
                                      out_dir=request.out_dir, public_url=public_url)
    summary.changed = len(job.targets)
    summary.refused = [Refusal(*r) for r in job.refusals]
    if request.action in REISSUING and request.out_dir is not None:
        summary.report = request.out_dir / "report.json"
    return summary


def resend_pending(store: Store, authority: IssuingAuthority) -> None:
    """Sends again every lifecycle transaction a crash may have lost, before waiting for any:
    one waiting behind another's nonce would otherwise never be mined."""
    registry = authority.registry
    anchoring.resume_submitted(store, registry, [
        b for b in anchoring.pending_batches(store, authority.id)
        if b.state == BatchState.SUBMITTED and b.job_id is None])
    status_changes.resume_submitted(store, authority.status, [
        c for c in status_changes.pending_changes(store, authority.id)
        if c.state == BatchState.SUBMITTED])


def unfinished_jobs(store: Store, authority_id: str) -> list[LifecycleJob]:
    with store.session() as s:
        return list(s.scalars(select(LifecycleJob).where(
            LifecycleJob.authority_id == authority_id, LifecycleJob.state != JobState.DONE)
            .order_by(LifecycleJob.id)))


def finish_job(store: Store, authority: IssuingAuthority, job: LifecycleJob, *, now: int,
               render: bool, out_dir: Path | None = None,
               public_url: str = DEFAULT_PUBLIC_URL) -> int:
    """Stages 2-5 for one job, each skipped when the store shows it done. Returns the number
    of transactions this call signed."""
    sent = 0
    if job.action in REISSUING and job.state != JobState.DONE:
        sent += anchor_successors(store, authority, job, now=now)
        record_supersessions(store, job, now=now)
    sent += status_changes.send_all(
        store, authority.status, status_changes.pending_changes(store, authority.id, job.id),
        now=now)
    out = out_dir or (Path(job.out_dir) if job.out_dir else None)
    if job.action in REISSUING and out is not None:
        write_outputs(store, authority, job, out, render, public_url)
    with store.session() as s:
        row = s.get(LifecycleJob, job.id)
        if row.state != JobState.DONE:
            row.state, row.finished_at = JobState.DONE, now
    job.state = JobState.DONE
    return sent


def _find_job(store: Store, authority_id: str, request: LifecycleRequest) -> LifecycleJob | None:
    with store.session() as s:
        return s.scalars(select(LifecycleJob).where(
            LifecycleJob.authority_id == authority_id, LifecycleJob.action == request.action,
            LifecycleJob.request_key == request.key())).first()


def _create_job(store: Store, authority: IssuingAuthority, request: LifecycleRequest, *,
                now: int) -> LifecycleJob:
    targets, refusals = resolve(store, authority.id, request, now=now)
    if request.action in REISSUING:  # the new batch's anchor would revert
        barred = [t for t in targets if not authority.record.accredited_for(t.licence_type)]
        targets = [t for t in targets if t not in barred]
        refusals += [Refusal(t.licence_number, "not_accredited", f"{authority.id} is no "
                             "longer accredited for this licence type, so it cannot issue its "
                             "successor: ask the council to accredit it again.") for t in barred]
    with store.session() as s:
        job = LifecycleJob(
            authority_id=authority.id, action=request.action, request_key=request.key(),
            reason=request.reason, until=request.until, targets=[t.id for t in targets],
            refusals=[[r.licence_number, r.reason, r.message] for r in refusals],
            out_dir=str(request.out_dir) if request.out_dir else None,
            state=JobState.VALIDATED, created_at=now)
        s.add(job)
        s.flush()
        if request.action not in REISSUING and targets:
            # Same unit of work as the job: a crash leaves both or neither.
            s.add_all(status_changes.new_changes(
                authority.id, STATUS[request.action], [t.status_ref for t in targets],
                now=now, job_id=job.id, until=request.until or 0, reason=request.reason))
    return job
