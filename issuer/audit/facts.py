"""The facts an audit entry records about a job, read from the store: the transactions it
sent (hashes only), and the input files that issued given licences."""

from __future__ import annotations

from sqlalchemy import select

from issuer.audit.entry import PURGE
from issuer.audit.log import entries
from issuer.store import Batch, IssuedLicence, Job, StatusChange, Store
from issuer.store.models import LifecycleJob

IN_CHUNK = 500


def issue_transactions(store: Store, authority_id: str, licence_type: int, input_sha256: str,
                       batch_size: int) -> list[str]:
    with store.session() as s:
        job = s.scalars(select(Job).where(
            Job.authority_id == authority_id, Job.licence_type == licence_type,
            Job.input_sha256 == input_sha256, Job.batch_size == batch_size)).first()
        if job is None:
            return []
        return [h for h in s.scalars(select(Batch.tx_hash).where(Batch.job_id == job.id)
                                     .order_by(Batch.sequence)) if h]


def lifecycle_transactions(store: Store, authority_id: str, action: str,
                           request_key: str) -> list[str]:
    with store.session() as s:
        job = s.scalars(select(LifecycleJob).where(
            LifecycleJob.authority_id == authority_id, LifecycleJob.action == action,
            LifecycleJob.request_key == request_key)).first()
        if job is None:
            return []
        changes = s.scalars(select(StatusChange.tx_hash).where(StatusChange.job_id == job.id)
                            .order_by(StatusChange.id))
        hashes = [h for h in changes if h]
        if action in ("replace", "renew"):  # the successors' own batches
            targets, batch_ids = list(job.targets), set()
            for part in range(0, len(targets), IN_CHUNK):
                batch_ids.update(s.scalars(select(IssuedLicence.batch_id).where(
                    IssuedLicence.replaces.in_(targets[part:part + IN_CHUNK]))))
            hashes += [h for h in s.scalars(select(Batch.tx_hash).where(
                Batch.id.in_(sorted(batch_ids))).order_by(Batch.id)) if h]
        return hashes


def issuing_files(store: Store, authority_id: str, numbers: list[str]) -> list[str]:
    """The sha256 of the input files whose issuance made these licences: an issuance entry
    names its file, not its (up to millions of) numbers. A purge records them for the
    licences it erases (`issued_from`), since their numbers leave the store."""
    found: set[str] = set()
    with store.session() as s:
        for part in range(0, len(numbers), IN_CHUNK):
            found.update(s.scalars(
                select(Job.input_sha256).join(Batch, Batch.job_id == Job.id)
                .join(IssuedLicence, IssuedLicence.batch_id == Batch.id)
                .where(IssuedLicence.authority_id == authority_id,
                       IssuedLicence.licence_number.in_(numbers[part:part + IN_CHUNK]))
                .distinct()))
    if len(numbers) == 1:
        for entry in entries(store, authority_id, licence=numbers[0]):
            if entry.action == PURGE:
                found.update((entry.detail or {}).get("issued_from", []))
    return sorted(found)
