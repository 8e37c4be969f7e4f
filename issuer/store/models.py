"""The issuer's store: jobs, batches and their anchoring state, licences, status changes.

Personal data lives in one place only: `licences.encoded`, the licence as issued (its
claims, salt seed and proof), kept so a licence can be re-rendered, renewed and claimed
into a wallet, and erased by `elicence purge` when the retention period is over
(`purged_at` set, `encoded` replaced by NULL); wallet-bound copies likewise in
`bindings.encoded`, erased by the same purge. Nothing personal is stored anywhere else in
the store, sent to the chain or written to logs; the output folders recorded in
`output_folders` hold the letters, report.json and claim-codes.csv, which purge cleans too.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from licence import Licence
from licence.vocabulary import LicenceState


class Base(DeclarativeBase):
    pass


class JobState(StrEnum):
    VALIDATED = "validated"  # rows checked; licences not yet all signed
    ISSUING = "issuing"  # every batch signed; anchoring and outputs under way
    DONE = "done"


class BatchState(StrEnum):
    SIGNED = "signed"  # licences and signed roots stored; nothing sent yet
    SUBMITTED = "submitted"  # the signed transaction is stored (write-ahead) and sent
    CONFIRMED = "confirmed"  # mined and buried under the configured confirmations


class Job(Base):
    """One `elicence issue` run, identified by what it issues so a rerun resumes it."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(64))
    licence_type: Mapped[int] = mapped_column(Integer)
    input_sha256: Mapped[str] = mapped_column(String(64))
    input_name: Mapped[str] = mapped_column(String(512))
    batch_size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=JobState.VALIDATED)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[int] = mapped_column(BigInteger)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (
        UniqueConstraint("authority_id", "licence_type", "input_sha256", "batch_size",
                         name="uq_jobs_input"),
    )


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    authority_id: Mapped[str] = mapped_column(String(64))
    authority_number: Mapped[int] = mapped_column(Integer)
    licence_type: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)  # order within its job
    count: Mapped[int] = mapped_column(Integer)
    roots: Mapped[bytes] = mapped_column(LargeBinary)  # packed 16-byte subtree roots
    # The scope region it is anchored under (None: stored before regions, the widest scope).
    region: Mapped[str | None] = mapped_column(String(6), nullable=True)
    issued_at: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default=BatchState.SIGNED)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    raw_tx: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    nonce: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    anchored_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (Index("ix_batches_job", "job_id", "sequence"),
                      Index("ix_batches_state", "state"))


class BatchRoot(Base):
    """A signed subtree root of a batch: what every licence of that subtree carries."""

    __tablename__ = "batch_roots"
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    protected: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class IssuedLicence(Base):
    __tablename__ = "licences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(64))
    licence_type: Mapped[int] = mapped_column(Integer)
    licence_number: Mapped[str] = mapped_column(String(64))
    status_ref: Mapped[bytes] = mapped_column(LargeBinary(16))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    root_position: Mapped[int] = mapped_column(Integer)
    leaf_index: Mapped[int] = mapped_column(Integer)
    # The licence exactly as issued (CBOR, what its QR carries: claims, salt seed, proof):
    # outputs are written from it without re-encoding. Personal data; purged with `claims`.
    encoded: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    valid_from: Mapped[int] = mapped_column(BigInteger)
    valid_until: Mapped[int] = mapped_column(BigInteger)
    row_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=LicenceState.ACTIVE)
    suspended_until: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status_reason: Mapped[int | None] = mapped_column(Integer, nullable=True)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("licences.id"), nullable=True)
    replaces: Mapped[int | None] = mapped_column(ForeignKey("licences.id"), nullable=True)
    claim_code_hash: Mapped[bytes] = mapped_column(LargeBinary(16))

    @property
    def claims(self) -> dict | None:
        """The claims as issued (dates as ISO text), read from `encoded`; None once purged."""
        if self.encoded is None:
            return None
        claims = Licence.from_bytes_unverified(self.encoded).claims
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in claims.items()}
    claim_expires_at: Mapped[int] = mapped_column(BigInteger)
    claimed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # A claim in progress holds the code (issuer.claims.reservation): which device key
    # (its digest) and since when; a reservation older than the timeout may be taken over.
    claim_reserved_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    claim_reserved_by: Mapped[bytes | None] = mapped_column(LargeBinary(16), nullable=True)
    # Which claim code is current: `elicence new-claim-code` moves it on (codes.derive).
    claim_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    purged_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # When the status last changed on chain (confirmed): the retention clock of `purge`.
    status_changed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (
        # Random 128-bit references: unique across authorities too. Narrow indexes keep a
        # million-licence run's inserts in memory.
        UniqueConstraint("status_ref", name="uq_licences_status_ref"),
        UniqueConstraint("claim_code_hash", name="uq_licences_claim_code"),
        Index("ix_licences_number", "licence_number"),
        Index("ix_licences_batch", "batch_id"),
    )


class StatusChange(Base):
    """A lifecycle change, written before its transaction is sent (write-ahead)."""

    __tablename__ = "status_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)  # registry status code 1..4
    until: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[int] = mapped_column(Integer, default=0)
    refs: Mapped[bytes] = mapped_column(LargeBinary)  # packed status refs
    successors: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    state: Mapped[str] = mapped_column(String(16), default=BatchState.SIGNED)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    raw_tx: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    nonce: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("lifecycle_jobs.id"), nullable=True)


class LifecycleJob(Base):
    """One revoke/suspend/reinstate/replace/renew request, identified by what it asks for
    (or its case number), so running the same command again finishes it instead of
    repeating it."""

    __tablename__ = "lifecycle_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    request_key: Mapped[str] = mapped_column(String(64))  # sha256 of the request
    reason: Mapped[int] = mapped_column(Integer, default=0)
    until: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    targets: Mapped[list] = mapped_column(JSON, default=list)  # licence ids acted on
    refusals: Mapped[list] = mapped_column(JSON, default=list)  # [number, reason, message]
    out_dir: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=JobState.VALIDATED)
    created_at: Mapped[int] = mapped_column(BigInteger)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (
        UniqueConstraint("authority_id", "action", "request_key", name="uq_lifecycle_request"),
    )


class CopyState(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"  # `elicence revoke-copy`: its copy_ref is revoked on chain


class Binding(Base):
    """A holder's wallet-bound copy of a licence: the same claims and status reference,
    committed to the holder's device key, anchored in its own small batch. `copy_ref` is
    the copy's own status reference (licence.copy_status_ref), which verifiers check beside
    the licence's, so one copy can be revoked alone."""

    __tablename__ = "bindings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id"))
    device_key: Mapped[bytes] = mapped_column(LargeBinary(33))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    encoded: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # personal data
    created_at: Mapped[int] = mapped_column(BigInteger)  # when the device added the licence
    copy_ref: Mapped[bytes | None] = mapped_column(LargeBinary(16), nullable=True)
    device_label: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=CopyState.ACTIVE,
                                       server_default=CopyState.ACTIVE.value)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The time signed into the newest refresh request accepted for this copy: a request must
    # carry a later one, so a recorded request cannot be replayed (issuer/claims/refresh.py).
    refresh_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (UniqueConstraint("licence_id", "device_key", name="uq_bindings_device"),
                      Index("ix_bindings_copy_ref", "copy_ref", unique=True))


class OutputFolder(Base):
    """A folder `issue`, `replace` or `renew` wrote letters, QR images, report.json and
    claim-codes.csv to (as an absolute path): where `purge` removes a purged licence's."""

    __tablename__ = "output_folders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (UniqueConstraint("authority_id", "path", name="uq_output_folders"),)


def utc_now() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp())


class AuditEntry(Base):
    """One issuer-side action in the authority's hash-chained audit log (issuer.audit).

    `hash` is sha256 over the previous entry's hash and this entry's fields (sequence
    included), so editing, deleting or reordering an entry breaks the chain from there on;
    the head is anchored on chain (AuditAnchored). Licences appear by number only: no
    claims, no names, nothing personal."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer)  # 1, 2, … per authority
    at: Mapped[int] = mapped_column(BigInteger)
    operator: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(128))  # "done", or the failure's reason
    case_number: Mapped[str | None] = mapped_column(String(128), nullable=True)
    licences: Mapped[list] = mapped_column(JSON, default=list)  # numbers, when few enough
    licence_count: Mapped[int] = mapped_column(Integer, default=0)
    file_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tx_hashes: Mapped[list] = mapped_column(JSON, default=list)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # small non-personal facts
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    __table_args__ = (UniqueConstraint("authority_id", "sequence", name="uq_audit_sequence"),)


class AuditLicence(Base):
    """Index of the licence numbers an audit entry names (`audit show --licence`): derived
    from the hashed `licences` list, which is what `audit verify` checks."""

    __tablename__ = "audit_licences"
    entry_id: Mapped[int] = mapped_column(ForeignKey("audit_entries.id"), primary_key=True)
    licence_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    __table_args__ = (Index("ix_audit_licences_number", "licence_number"),)


class AuditAnchorSent(Base):
    """The last head this store anchored per authority: lets a command skip anchoring an
    unchanged head. The chain's AuditAnchored events, not this table, are what verify
    trusts."""

    __tablename__ = "audit_anchors"
    authority_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    head: Mapped[bytes] = mapped_column(LargeBinary(32))
    tx_hash: Mapped[str] = mapped_column(String(66))
    at: Mapped[int] = mapped_column(BigInteger)


class Operator(Base):
    """A named person acting for an authority (issuer.operators): their roles, and the
    public key whose private half is in their own key file, opened by their own
    passphrase. A disabled operator is kept: the audit log names them."""

    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list] = mapped_column(JSON, default=list)  # clerk, approver, auditor, …
    public_key: Mapped[bytes] = mapped_column(LargeBinary(33))
    state: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(64))
    disabled_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (UniqueConstraint("authority_id", "name", name="uq_operators_name"),)


class ApprovalPolicy(Base):
    """Which of an authority's actions need a second operator's approval (issuer.requests):
    issuance files over `issue_rows_over` rows, revocations of more than `revoke_over`
    licences, purges, key and operator changes. NULL / False: no approval needed."""

    __tablename__ = "approval_policies"
    authority_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issue_rows_over: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revoke_over: Mapped[int | None] = mapped_column(Integer, nullable=True)
    purges: Mapped[bool] = mapped_column(default=False)
    key_changes: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[int] = mapped_column(BigInteger)
    changed_by: Mapped[str] = mapped_column(String(64))


class ApprovalRequest(Base):
    """A command held for a second operator's approval: what it will do (its parameters,
    counts, a sample of licence numbers, the input file's hash) and where it stands.
    pending → approved → running → done, or pending → rejected; `running` left behind by a
    crash is finished by `elicence requests run` (the jobs it starts resume, never repeat)."""

    __tablename__ = "approval_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON)  # the command's own options, as given
    summary: Mapped[dict] = mapped_column(JSON)  # count, sample, file_sha256, text
    state: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[int] = mapped_column(BigInteger)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The approver's signature (their operator key, ES256) over the request's digest.
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (Index("ix_approval_requests_state", "authority_id", "state"),)
