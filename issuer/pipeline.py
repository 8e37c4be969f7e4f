"""`elicence issue`: rows → validated claims → signed batches → anchored roots → outputs.

Stages, each resumable from the store:
1. validate every row (worker processes) and reject duplicates;        nothing stored
2. sign each batch (workers) and store it with its licences;           batch SIGNED
3. record the anchoring transaction, then send it (write-ahead);       batch SUBMITTED
4. wait for the configured confirmations;                              batch CONFIRMED
5. write outputs (report.json, PNGs, PDFs) for confirmed batches only; job DONE
Running the same command again after a crash continues where the store says it stopped.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from issuer import anchoring
from issuer.authority import IssuingAuthority
from issuer.batches import signing_setup, store_batch
from issuer.outputs import (
    STORED_COLUMNS,
    BatchOutputs,
    ReportWriter,
    SignedRootRow,
    StoredLicence,
    batch_report_lines,
    write_rejected,
)
from issuer.rows import Row, RowProblem, file_sha256, read_rows
from issuer.signing import sign_batch, start_worker
from issuer.store import (
    Batch,
    BatchRoot,
    BatchState,
    IssuedLicence,
    Job,
    JobState,
    LicenceStatus,
    Store,
    utc_now,
)
from issuer.validation import Validation, collect, number_field, validate_chunk
from licence import Schema

VALIDATION_CHUNK = 2_000
DAY = 86_400


@dataclass(frozen=True)
class IssueRequest:
    authority_id: str
    schema: Schema
    input_path: Path
    out_dir: Path
    batch_size: int = 10_000
    render: bool = True
    claim_validity_days: int = 90
    workers: int = max(1, os.cpu_count() or 1)


@dataclass
class IssueSummary:
    total: int = 0
    issued: int = 0
    rejected: int = 0
    batches: int = 0
    transactions: int = 0
    elapsed: float = 0.0
    resumed: bool = False
    problems: list[RowProblem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        return (f"{self.issued:,} issued, {self.rejected:,} rejected, {self.batches:,} "
                f"batches, {self.transactions:,} transactions, {self.elapsed:.1f} s"
                + (" (resumed)" if self.resumed else ""))


class Progress:
    """Progress reporting hooks; the command line gives it bars, tests a recorder."""

    def stage(self, name: str, total: int | None) -> Callable[[int], None]:
        return lambda n: None

    def done(self, name: str) -> None:
        pass


def ordered_map(executor: Executor, fn: Callable[..., Any], calls: Iterable[tuple],
                window: int) -> Iterator[Any]:
    """Like Executor.map, but submits at most `window` calls ahead, so a million rows
    never sit in memory at once."""
    pending: deque = deque()
    for args in calls:
        pending.append(executor.submit(fn, *args))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def validate(store: Store, request: IssueRequest, executor: Executor, progress: Progress,
             job_id: int | None) -> Validation:
    """Stage 1: every row checked; duplicates within the file and against the store."""
    name = number_field(request.schema)
    tick = progress.stage("validating", None)

    def already_issued(numbers: list[str]) -> dict[str, str]:
        now = utc_now()
        with store.session() as s:
            query = select(IssuedLicence.licence_number, IssuedLicence.status).where(
                IssuedLicence.authority_id == request.authority_id,
                IssuedLicence.licence_type == request.schema.code,
                IssuedLicence.licence_number.in_(numbers),
                IssuedLicence.status.in_([LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED]),
                IssuedLicence.valid_until > now)
            if job_id is not None:  # a resumed job's own licences are not duplicates
                query = query.join(Batch).where(Batch.job_id != job_id)
            return {number: status for number, status in s.execute(query)}

    now = utc_now()
    calls = ((request.schema.code, c, now) for c in chunks(read_rows(request.input_path),
                                                            VALIDATION_CHUNK))
    results = ordered_map(executor, validate_chunk, calls, window=request.workers * 2)
    validation = collect(results, number_name=name, already_issued=already_issued,
                         progress=tick)
    progress.done("validating")
    return validation


def find_job(store: Store, request: IssueRequest, input_sha256: str) -> Job | None:
    with store.session() as s:
        return s.scalars(select(Job).where(
            Job.authority_id == request.authority_id, Job.licence_type == request.schema.code,
            Job.input_sha256 == input_sha256, Job.batch_size == request.batch_size)).first()


def issue(store: Store, authority: IssuingAuthority, request: IssueRequest, *,
          dry_run: bool = False, progress: Progress | None = None) -> IssueSummary:
    progress = progress or Progress()
    started = time.monotonic()
    summary = IssueSummary()
    input_sha = file_sha256(request.input_path)
    job = find_job(store, request, input_sha)
    summary.resumed = job is not None
    setup = signing_setup(authority, request.schema.code)
    with ProcessPoolExecutor(request.workers, initializer=start_worker,
                             initargs=(setup,)) as executor:
        validation = validate(store, request, executor, progress, job.id if job else None)
        summary.timings["validate"] = time.monotonic() - started
        summary.total, summary.rejected = validation.total, validation.rejected
        summary.problems = validation.problems
        if dry_run:
            summary.issued = validation.accepted
            summary.elapsed = time.monotonic() - started
            return summary
        request.out_dir.mkdir(parents=True, exist_ok=True)
        write_rejected(request.out_dir, validation.problems)
        if job is None:
            job = _create_job(store, request, input_sha, validation)
        if job.state != JobState.DONE:
            _sign_and_anchor(store, authority, request, job, validation, executor, progress,
                             summary)
        _confirm(store, authority, job, progress)
        summary.timings["anchored"] = time.monotonic() - started
        summary.issued, summary.batches = _write_outputs(store, authority, request, job,
                                                         executor, progress)
    summary.transactions = summary.batches
    with store.session() as s:
        row = s.get(Job, job.id)
        row.state, row.finished_at = JobState.DONE, utc_now()
    summary.elapsed = time.monotonic() - started
    return summary


def _create_job(store: Store, request: IssueRequest, input_sha: str,
                validation: Validation) -> Job:
    with store.session() as s:
        job = Job(authority_id=request.authority_id, licence_type=request.schema.code,
                  input_sha256=input_sha, input_name=request.input_path.name,
                  batch_size=request.batch_size, rows_total=validation.total,
                  rows_rejected=validation.rejected, created_at=utc_now())
        s.add(job)
    return job


def _sign_and_anchor(store: Store, authority: IssuingAuthority, request: IssueRequest,
                     job: Job, validation: Validation, executor: Executor,
                     progress: Progress, summary: IssueSummary) -> None:
    registry = authority.registry
    with store.session() as s:
        stored = {b.sequence: b for b in s.scalars(select(Batch).where(Batch.job_id == job.id))}
    # Batches a crash left behind go first, in nonce order, before any new nonce is used.
    waiting = [b for b in stored.values() if b.state == BatchState.SUBMITTED]
    for batch in anchoring.resume_submitted(store, registry, waiting):
        anchoring.submit(store, registry, batch)
    for batch in stored.values():
        if batch.state == BatchState.SIGNED:
            anchoring.submit(store, registry, batch)

    good = (r for r in read_rows(request.input_path) if r.number not in validation.rejected_rows)
    todo = ((seq, rows, utc_now()) for seq, rows in enumerate(chunks(good, request.batch_size))
            if seq not in stored)
    tick = progress.stage("signing", validation.accepted - sum(b.count for b in stored.values()))
    expires = utc_now() + request.claim_validity_days * DAY
    for signed in ordered_map(executor, sign_batch, todo, window=2):
        batch = store_batch(store, authority, job.licence_type, signed, expires, job_id=job.id)
        anchoring.submit(store, registry, batch)
        tick(len(signed.licences))
    progress.done("signing")
    with store.session() as s:
        s.get(Job, job.id).state = JobState.ISSUING


def _confirm(store: Store, authority: IssuingAuthority, job: Job, progress: Progress) -> None:
    batches = anchoring.pending_batches(store, authority.id, job.id)
    tick = progress.stage("anchoring", len(batches))
    for batch in batches:
        anchoring.confirm(store, authority.registry, batch)
        tick(1)
    progress.done("anchoring")


def _write_outputs(store: Store, authority: IssuingAuthority, request: IssueRequest, job: Job,
                   executor: Executor, progress: Progress) -> tuple[int, int]:
    """Report lines are made by the workers, batch by batch, from the store alone."""
    out = request.out_dir
    with store.session() as s:
        batches = list(s.scalars(select(Batch).where(Batch.job_id == job.id)
                                 .order_by(Batch.sequence)))
    total = sum(b.count for b in batches)
    if request.render:
        (out / "pdf").mkdir(exist_ok=True)
        (out / "qr").mkdir(exist_ok=True)
    summary = {"authority": authority.id, "licence_type": request.schema.name,
               "input": request.input_path.name, "input_sha256": job.input_sha256,
               "issued": total, "rejected": job.rows_rejected, "batches": len(batches)}
    writer = ReportWriter(out, summary)
    tick = progress.stage("writing outputs", total)

    def tasks() -> Iterator[tuple[BatchOutputs]]:
        for batch in batches:
            with store.session() as s:
                roots = {r.position: SignedRootRow(r.root, r.protected, r.signature)
                         for r in s.scalars(select(BatchRoot)
                                            .where(BatchRoot.batch_id == batch.id))}
                records = [StoredLicence(*row) for row in s.execute(
                    select(*STORED_COLUMNS).where(IssuedLicence.batch_id == batch.id)
                    .order_by(IssuedLicence.id))]
            yield (BatchOutputs(batch.licence_type, batch.tx_hash or "",
                                batch.block_number or 0, roots, records,
                                authority.claim_secret, out if request.render else None),)

    for lines in ordered_map(executor, batch_report_lines, tasks(), window=request.workers + 1):
        writer.add_lines(lines)
        tick(len(lines))
    writer.close()
    progress.done("writing outputs")
    return total, len(batches)
