"""`elicence issue`: rows → validated claims → signed batches → anchored roots → outputs.

Rows are read once and go to worker processes a batch at a time; repeated licence
numbers are refused in the main process first. Each batch then moves through states
kept in the store, so the same command run again after a crash continues where it stopped:
1. workers validate its rows and sign the valid ones; stored whole:     batch SIGNED
2. the anchoring transaction is recorded, then sent (write-ahead):      batch SUBMITTED
3. buried under the configured confirmations:                          batch CONFIRMED
4. outputs (report.json, claim-codes.csv, PNGs, PDFs) are written for confirmed batches
   only, into a private folder;                                         job DONE
A dry run only validates.
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

from chain.config import DEFAULT_PUBLIC_URL
from issuer.authority import IssuingAuthority
from issuer.issue.batches import signing_setup
from issuer.issue.letters import LetterContext, render_letters
from issuer.issue.outputs import (
    STORED_COLUMNS,
    BatchOutputs,
    ReportWriter,
    SignedRootRow,
    Spool,
    StoredLicence,
    batch_fragments,
    prepare_outputs,
    write_rejected,
)
from issuer.issue.regions import Scopes, chunks_by_region
from issuer.issue.rows import InputFacts, Row, RowProblem, read_rows, scan_input
from issuer.issue.signing import StoredBatch, fewer_collections, sign_and_store, start_worker
from issuer.issue.validation import Deduper, Validation, validate_chunk
from issuer.sending import anchoring
from issuer.store import (
    Batch,
    BatchRoot,
    BatchState,
    IssuedLicence,
    Job,
    JobState,
    Store,
    utc_now,
)
from licence import Schema

DAY = 86_400
RENDER_CHUNK = 50


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
    public_url: str = DEFAULT_PUBLIC_URL  # printed on letters: where to claim and verify


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


def ordered_map(executor: Executor, calls: Iterable[tuple[Callable[..., Any], tuple]],
                window: int) -> Iterator[Any]:
    """Results of (function, arguments) calls in order, like Executor.map, but submitting
    at most `window` calls ahead, so a million rows never sit in memory at once."""
    pending: deque = deque()
    for fn, args in calls:
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


def already_issued_query(store: Store, request: IssueRequest,
                         job_id: int | None) -> Callable[[list[str]], dict[str, str]]:
    """Which of these numbers this authority has issued and are still valid (not counting
    the licences of the job being resumed). Plain driver SQL: compiling an IN list of ten
    thousand parameters through SQLAlchemy cost more than running it."""

    def query(numbers: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with store.engine.connect() as connection:
            mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            for start in range(0, len(numbers), 5_000):
                part = numbers[start:start + 5_000]
                rows = connection.exec_driver_sql(
                    "SELECT l.licence_number, l.status FROM licences l JOIN batches b "
                    f"ON b.id = l.batch_id WHERE l.authority_id = {mark} "
                    f"AND l.licence_type = {mark} AND l.status IN ('active', 'suspended') "
                    f"AND l.valid_until > {mark} AND (b.job_id IS NULL OR b.job_id != {mark}) "
                    f"AND l.licence_number IN ({', '.join([mark] * len(part))})",
                    (request.authority_id, request.schema.code, utc_now(), job_id or 0, *part))
                found.update((number, status) for number, status in rows)
        return found

    return query


def region_chunks(request: IssueRequest, scopes: Scopes) -> Iterator[tuple[str, list[Row]]]:
    """The input's rows in chunks of one batch each, grouped by the scope region their
    batch is declared under."""
    return chunks_by_region(read_rows(request.input_path), request.batch_size,
                            lambda row: scopes.raw_batch_region(request.schema, row))


def dry_run(request: IssueRequest, executor: Executor, deduper: Deduper,
            validation: Validation, progress: Progress, facts: InputFacts,
            scopes: Scopes) -> None:
    tick = progress.stage("validating", facts.rows)
    now = utc_now()
    sizes: deque[int] = deque()  # rows per chunk sent, to move the bar as results arrive

    def calls() -> Iterator[tuple[Callable[..., Any], tuple]]:
        for _region, chunk in region_chunks(request, scopes):
            validation.total += len(chunk)
            sizes.append(len(chunk))
            kept, problems = deduper.filter(chunk)
            validation.reject(problems)
            yield validate_chunk, (request.schema.code, kept, now, scopes.regions)

    for problems in ordered_map(executor, calls(), window=request.workers + 1):
        validation.reject(problems)
        tick(sizes.popleft())
    progress.done("validating")


def find_job(store: Store, request: IssueRequest, input_sha256: str) -> Job | None:
    with store.session() as s:
        return s.scalars(select(Job).where(
            Job.authority_id == request.authority_id, Job.licence_type == request.schema.code,
            Job.input_sha256 == input_sha256, Job.batch_size == request.batch_size)).first()


def issue(store: Store, authority: IssuingAuthority, request: IssueRequest, *,
          dry_run_only: bool = False, progress: Progress | None = None) -> IssueSummary:
    progress = progress or Progress()
    started = time.monotonic()
    fewer_collections()
    facts = scan_input(request.input_path)
    job = find_job(store, request, facts.sha256)
    summary = IssueSummary(resumed=job is not None and not dry_run_only)
    validation = Validation()
    deduper = Deduper(request.schema,
                      already_issued_query(store, request, job.id if job else None))
    with ProcessPoolExecutor(request.workers, initializer=start_worker,
                             initargs=(signing_setup(authority, request.schema.code,
                                                     store.url),)
                             ) as executor:
        scopes = Scopes(authority.record.regions_for(request.schema.code))
        if dry_run_only:
            dry_run(request, executor, deduper, validation, progress, facts, scopes)
        else:
            prepare_outputs(store, authority.id, request.out_dir, render=request.render)
            job = job or _create_job(store, request, facts.sha256)
            spool = Spool(request.out_dir)
            _sign_and_anchor(store, authority, request, job, deduper, validation, executor,
                             spool, progress, facts.rows, scopes)
            summary.timings["signed"] = time.monotonic() - started
            _confirm(store, authority, job, progress)
            summary.issued, summary.batches = _write_outputs(
                store, authority, request, job, spool, progress, validation.rejected, executor)
            summary.transactions = summary.batches
    validation.problems.sort(key=lambda p: p.row)
    summary.total, summary.rejected = validation.total, validation.rejected
    summary.problems = validation.problems
    if dry_run_only:
        summary.issued = validation.accepted
    else:
        write_rejected(request.out_dir, validation.problems)
        with store.session() as s:
            row = s.get(Job, job.id)
            row.state, row.finished_at = JobState.DONE, utc_now()
            row.rows_total, row.rows_rejected = validation.total, validation.rejected
    summary.elapsed = time.monotonic() - started
    return summary


def _create_job(store: Store, request: IssueRequest, input_sha: str) -> Job:
    with store.session() as s:
        job = Job(authority_id=request.authority_id, licence_type=request.schema.code,
                  input_sha256=input_sha, input_name=request.input_path.name,
                  batch_size=request.batch_size, created_at=utc_now())
        s.add(job)
    return job


def _sign_and_anchor(store: Store, authority: IssuingAuthority, request: IssueRequest,
                     job: Job, deduper: Deduper, validation: Validation, executor: Executor,
                     spool: Spool, progress: Progress, rows: int, scopes: Scopes) -> None:
    """Signs and stores batch after batch in the workers while earlier batches are being
    anchored; confirms what the chain has buried as it goes, so the first batch is
    released early. Batches stored by an earlier run are only validated again (for the
    rejection report)."""
    registry = authority.registry
    with store.session() as s:
        stored = {b.sequence: b for b in s.scalars(select(Batch).where(Batch.job_id == job.id))}
    # Batches a crash left behind go first, in nonce order, before any new nonce is used.
    waiting = [b for b in stored.values() if b.state == BatchState.SUBMITTED]
    for batch in anchoring.resume_submitted(store, registry, waiting):
        anchoring.submit(store, registry, batch,
                         authority.anchor_region(batch.licence_type, batch.region))
    for batch in stored.values():
        if batch.state == BatchState.SIGNED:
            anchoring.submit(store, registry, batch,
                             authority.anchor_region(batch.licence_type, batch.region))
    in_flight = [b for b in stored.values() if b.state == BatchState.SUBMITTED]
    expires = utc_now() + request.claim_validity_days * DAY

    def calls() -> Iterator[tuple[Callable[..., Any], tuple]]:
        for sequence, (region, chunk) in enumerate(region_chunks(request, scopes)):
            validation.total += len(chunk)
            kept, problems = deduper.filter(chunk)
            validation.reject(problems)
            if sequence in stored:
                yield validate_chunk, (request.schema.code, kept, stored[sequence].issued_at,
                                       scopes.regions)
            else:
                yield sign_and_store, (sequence, kept, utc_now(), expires, request.render, spool,
                                       job.id, region)

    tick = progress.stage("validate & sign", rows)
    for result in ordered_map(executor, calls(), window=request.workers + 1):
        if not isinstance(result, StoredBatch):
            validation.reject(result)
            continue
        validation.reject(result.rejected)
        if result.batch_id is not None:
            with store.session() as s:
                batch = s.get(Batch, result.batch_id)
            anchoring.submit(store, registry, batch,
                             authority.anchor_region(batch.licence_type, batch.region))
            in_flight.append(batch)
        in_flight = [b for b in in_flight if not anchoring.try_confirm(store, registry, b)]
        tick(result.count + len(result.rejected))
    progress.done("validate & sign")
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
                   spool: Spool, progress: Progress, rejected: int,
                   executor: Executor) -> tuple[int, int]:
    """report.json and claim-codes.csv in batch order, from the spool (or, for batches
    whose spool a crash lost, rebuilt from the store by the workers); every batch is
    confirmed by now."""
    out = request.out_dir
    with store.session() as s:
        batches = list(s.scalars(select(Batch).where(Batch.job_id == job.id)
                                 .order_by(Batch.sequence)))
    total = sum(b.count for b in batches)
    summary = {"authority": authority.id, "licence_type": request.schema.name,
               "input": request.input_path.name, "input_sha256": job.input_sha256,
               "issued": total, "rejected": rejected, "batches": len(batches)}
    writer = ReportWriter(out, summary)
    tick = progress.stage("writing outputs", total)

    for batch in batches:
        fragments = spool.read(batch.sequence) \
            or batch_fragments(_stored_batch(store, authority, batch, request))
        writer.add(fragments, batch.tx_hash or "", batch.block_number or 0)
        tick(fragments.count)
    writer.close()
    spool.clear()
    progress.done("writing outputs")
    if request.render:
        _render(store, authority, request, batches, executor, progress, total)
    return total, len(batches)


def _render(store: Store, authority: IssuingAuthority, request: IssueRequest,
            batches: list[Batch], executor: Executor, progress: Progress, total: int) -> None:
    """PDF letters and QR images, in the workers, for confirmed batches only."""
    record = authority.record
    context = LetterContext(authority.id, record.name_zh, record.name_en, record.jurisdiction,
                            authority.claim_secret, request.public_url, request.out_dir)
    tick = progress.stage("rendering", total)

    def calls() -> Iterator[tuple[Callable[..., Any], tuple]]:
        for batch in batches:
            records = _stored_batch(store, authority, batch, request).records
            for start in range(0, len(records), RENDER_CHUNK):
                yield render_letters, (context, batch.issued_at,
                                       records[start:start + RENDER_CHUNK])

    for count in ordered_map(executor, calls(), window=request.workers * 2):
        tick(count)
    progress.done("rendering")


def _stored_batch(store: Store, authority: IssuingAuthority, batch: Batch,
                  request: IssueRequest) -> BatchOutputs:
    with store.session() as s:
        roots = {r.position: SignedRootRow(r.root, r.protected, r.signature)
                 for r in s.scalars(select(BatchRoot).where(BatchRoot.batch_id == batch.id))}
        records = [StoredLicence(*row) for row in s.execute(
            select(*STORED_COLUMNS).where(IssuedLicence.batch_id == batch.id)
            .order_by(IssuedLicence.id))]
    return BatchOutputs(batch.licence_type, batch.tx_hash or "", batch.block_number or 0,
                        roots, records, authority.claim_secret,
                        request.out_dir if request.render else None)
