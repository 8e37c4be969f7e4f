"""The facts an audit entry records about a job, read from the store after it ran: the
transactions it sent (hashes only)."""

from __future__ import annotations

from sqlalchemy import select

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
