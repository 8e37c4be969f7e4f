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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from chain.config import DEFAULT_PUBLIC_URL
from issuer import anchoring, status_changes
from issuer.authority import IssuingAuthority
from issuer.batches import sign_here
from issuer.letters import LetterContext, render_letters
from issuer.outputs import (
    STORED_COLUMNS,
    BatchOutputs,
    ReportWriter,
    SignedRootRow,
    StoredLicence,
    batch_report_lines,
)
from issuer.rows import Row
from issuer.store import (
    Batch,
    BatchRoot,
    BatchState,
    IssuedLicence,
    JobState,
    StatusChange,
    Store,
)
from issuer.store.models import LifecycleJob
from issuer.storing import store_batch
from issuer.validation import CHINA
from licence import load_schema
from licence.vocabulary import LicenceState, StatusCode

REVOKE, SUSPEND, REINSTATE, REPLACE, RENEW = "revoke", "suspend", "reinstate", "replace", "renew"
ACTIONS = (REVOKE, SUSPEND, REINSTATE, REPLACE, RENEW)
REISSUING = (REPLACE, RENEW)
STATUS = {REVOKE: StatusCode.REVOKED, SUSPEND: StatusCode.SUSPENDED,
          REINSTATE: StatusCode.REINSTATED, REPLACE: StatusCode.SUPERSEDED,
          RENEW: StatusCode.SUPERSEDED}
PAST = {REVOKE: "revoked", SUSPEND: "suspended", REINSTATE: "reinstated",
        REPLACE: "replaced", RENEW: "renewed"}
DAY = 86_400
CLAIM_DAYS = 90  # how long the holders of successors can claim them, as `issue` defaults
IN_CHUNK = status_changes.IN_CHUNK

@dataclass(frozen=True)
class LifecycleRequest:
    action: str
    numbers: tuple[str, ...]
    reason: int = 0
    until: int | None = None  # suspend: end of the suspension; renew: end of the new expiry date
    case: str | None = None  # the back office's case number, when it has one
    out_dir: Path | None = None  # replace/renew: where report.json and PDFs go

    def key(self) -> str:
        """What makes two runs the same request."""
        text = json.dumps([self.action, sorted(self.wanted()), self.reason, self.until,
                           self.case])
        return hashlib.sha256(text.encode()).hexdigest()

    def wanted(self) -> list[str]:
        """The numbers as stored (upper case), each once, in the order given."""
        return list(dict.fromkeys(n.strip().upper() for n in self.numbers if n.strip()))


@dataclass(frozen=True)
class Refusal:
    licence_number: str
    reason: str  # stable code: API
    message: str  # one sentence: what is wrong and what to do

    def line(self) -> str:
        return f"{self.licence_number}: {self.message}"


@dataclass
class LifecycleSummary:
    action: str
    changed: int = 0
    transactions: int = 0
    refused: list[Refusal] = field(default_factory=list)
    resumed: bool = False  # an interrupted run of the same request was finished
    done_before: bool = False  # the same request was already carried out: nothing sent
    report: Path | None = None

    def line(self) -> str:
        note = " (done before; nothing sent)" if self.done_before else (
            " (resumed)" if self.resumed else "")
        return (f"{self.changed:,} {PAST[self.action]}, {len(self.refused):,} refused, "
                f"{self.transactions:,} transactions{note}")


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
        sent += _anchor_successors(store, authority, job, now=now)
        _record_supersessions(store, job, now=now)
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


# ---------------------------------------------------------------------- stage 1
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


def resolve(store: Store, authority_id: str, request: LifecycleRequest, *,
            now: int) -> tuple[list[IssuedLicence], list[Refusal]]:
    """This authority's current licence for each number, or why it cannot be changed."""
    numbers = request.wanted()
    newest: dict[str, IssuedLicence] = {}
    elsewhere: dict[str, str] = {}
    with store.session() as s:
        for part in range(0, len(numbers), IN_CHUNK):
            for licence in s.scalars(select(IssuedLicence).where(
                    IssuedLicence.licence_number.in_(numbers[part:part + IN_CHUNK]))
                    .order_by(IssuedLicence.id)):
                if licence.authority_id == authority_id:
                    newest[licence.licence_number] = licence
                else:
                    elsewhere[licence.licence_number] = licence.authority_id
        unanchored = _unanchored_batches(s, {lic.batch_id for lic in newest.values()})
    targets, refusals = [], []
    for number in numbers:
        licence = newest.get(number)
        if licence is None:
            refusals.append(_unknown(number, authority_id, elsewhere.get(number)))
            continue
        problem = refusal_for(request, licence, now=now, unanchored=licence.batch_id in
                              unanchored)
        if problem is None:
            targets.append(licence)
        else:
            refusals.append(Refusal(number, *problem))
    return targets, refusals


def _unanchored_batches(session, batch_ids: set[int]) -> set[int]:
    ids = list(batch_ids)
    found: set[int] = set()
    for part in range(0, len(ids), IN_CHUNK):
        found.update(session.scalars(select(Batch.id).where(
            Batch.id.in_(ids[part:part + IN_CHUNK]), Batch.state != BatchState.CONFIRMED)))
    return found


def _unknown(number: str, authority_id: str, other: str | None) -> Refusal:
    if other is not None:
        return Refusal(number, "other_authority",
                       f"issued by {other}, not {authority_id}: only {other} can change it.")
    return Refusal(number, "unknown_licence",
                   f"no licence with this number was issued by {authority_id}: check the "
                   "number.")


def refusal_for(request: LifecycleRequest, licence: IssuedLicence, *, now: int,
                unanchored: bool = False) -> tuple[str, str] | None:
    """(reason code, sentence) when `request` cannot apply to `licence`, else None."""
    action = request.action
    suspended = licence.status == LicenceState.SUSPENDED and (licence.suspended_until or 0) > now
    if unanchored:
        return ("not_anchored", "its issuance is not finished on chain yet: run the same "
                "`elicence issue` command again, or `elicence reconcile`, first.")
    if licence.status == LicenceState.REVOKED:
        return ("revoked", "it is revoked, which is final: issue a new licence instead.")
    if licence.status == LicenceState.SUPERSEDED:
        return ("superseded", "it has been superseded by a newer licence, which is the one to "
                "change.")
    if action == SUSPEND and suspended:
        return ("already_suspended", "it is already suspended until "
                f"{china_date(licence.suspended_until)}: reinstate it first to set another "
                "end date.")
    if action == REINSTATE and licence.status != LicenceState.SUSPENDED:
        return ("not_suspended", "it is not suspended, so there is nothing to reinstate.")
    if action in REISSUING:
        if suspended:
            return ("suspended", f"it is suspended until {china_date(licence.suspended_until)}: "
                    f"reinstate it before it can be {PAST[action]}.")
        if licence.claims is None:
            return ("purged", "its personal data has been erased (purged), so it cannot be "
                    "reissued: issue a new licence from the holder's details.")
    if action == REPLACE and licence.valid_until <= now:
        return ("expired", f"it expired on {china_date(licence.valid_until)}: renew it instead.")
    if action == RENEW:
        current = licence.claims.get("expiry_date")
        if current is None:
            return ("no_expiry", "it has no expiry date, so it needs no renewal.")
        if request.until is not None and request.until <= licence.valid_until:
            return ("expiry_not_later", f"the new expiry date {china_date(request.until)} is not "
                    f"later than its current one, {current}: give a later --until date.")
    return None


def china_date(seconds: int | None) -> str:
    return dt.datetime.fromtimestamp(seconds or 0, CHINA).date().isoformat()


# ---------------------------------------------------------------------- stage 2
def _anchor_successors(store: Store, authority: IssuingAuthority, job: LifecycleJob, *,
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
        store_batch(store, authority.owner, licence_type, signed, expires,
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
            anchoring.submit(store, registry, batch, authority.region_for(batch.licence_type))
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


# ---------------------------------------------------------------------- stage 3
def _record_supersessions(store: Store, job: LifecycleJob, *, now: int) -> None:
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


# ---------------------------------------------------------------------- stage 5
def write_outputs(store: Store, authority: IssuingAuthority, job: LifecycleJob, out: Path,
                  render: bool, public_url: str = DEFAULT_PUBLIC_URL) -> Path:
    """report.json (and PDFs and QR images when `render`) for the successors, written from
    the store the way `issue` writes its outputs."""
    out.mkdir(parents=True, exist_ok=True)
    if render:
        (out / "pdf").mkdir(exist_ok=True)
        (out / "qr").mkdir(exist_ok=True)
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
        writer.add_lines(batch_report_lines(BatchOutputs(
            batch.licence_type, batch.tx_hash or "", batch.block_number or 0, roots, records,
            authority.claim_secret, out if render else None)))
        if render:
            record = authority.record
            render_letters(LetterContext(authority.id, record.name_zh, record.name_en,
                                         record.jurisdiction, authority.claim_secret,
                                         public_url, out), batch.issued_at, records)
    writer.close()
    return writer.path


def read_numbers(lines: Iterable[str]) -> list[str]:
    """Licence numbers from a numbers file: the first column of each line; a header line
    naming the column is skipped."""
    numbers = []
    for line in lines:
        cell = line.split(",")[0].strip().strip('"').lstrip("\ufeff")
        if cell and cell.lower() not in ("licence_number", "credit_code", "number"):
            numbers.append(cell)
    return numbers
