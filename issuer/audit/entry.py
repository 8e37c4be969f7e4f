"""What one audit entry says, and the hash that chains it to the one before.

The hash is sha256(previous hash ‖ canonical JSON of the entry's fields): keys sorted, no
spaces, UTF-8. The sequence number is inside, so moving an entry changes its hash too."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

GENESIS = bytes(32)  # the "previous hash" of an authority's first entry
LISTED_MAX = 1_000  # licence numbers listed in one entry; above this, count + file hash

# Actions, as stored (API for inspectors' tooling: add, never rename).
ISSUE, CLAIM, PURGE, EXPORT = "issue", "claim", "purge", "export"
LOGIN_FAILED = "login-failed"
REFRESH = "refresh"  # a wallet copy signed again for its device (issuer/claims/refresh.py)
COPY_EXPORT = "copy-export"  # a wallet copy exported for its device (issuer/claims/export.py)
CLAIM_SERVER = "claim-server"  # the operator name of claims made by holders' wallets


@dataclass
class AuditRecord:
    """What a command fills in while it runs; `audited` appends it when the command ends."""

    authority_id: str
    operator: str
    action: str
    case_number: str | None = None
    licences: list[str] = field(default_factory=list)
    licence_count: int | None = None  # default: len(licences)
    file_sha256: str | None = None
    tx_hashes: list[str] = field(default_factory=list)
    approved_by: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    outcome: str = "done"

    def name_licences(self, numbers: list[str]) -> None:
        """Names the licences acted on: listed when few, else their count and the hash of
        the sorted list (which a numbers file the inspector holds can be checked against)."""
        self.licence_count = len(numbers)
        if len(numbers) <= LISTED_MAX:
            self.licences = list(numbers)
        else:
            self.licences = []
            self.file_sha256 = self.file_sha256 or numbers_sha256(numbers)


def numbers_sha256(numbers: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(numbers)).encode()).hexdigest()


def hashed_fields(*, authority_id: str, sequence: int, at: int, operator: str, action: str,
                  outcome: str, case_number: str | None, licences: list[str],
                  licence_count: int, file_sha256: str | None, tx_hashes: list[str],
                  approved_by: str | None, detail: dict[str, Any]) -> dict[str, Any]:
    return {"authority": authority_id, "sequence": sequence, "at": at, "operator": operator,
            "action": action, "outcome": outcome, "case": case_number,
            "licences": licences, "count": licence_count, "file_sha256": file_sha256,
            "tx_hashes": tx_hashes, "approved_by": approved_by, "detail": detail}


def entry_hash(previous: bytes, fields: dict[str, Any]) -> bytes:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(previous + canonical.encode()).digest()


def fields_of(row: Any) -> dict[str, Any]:
    """The hashed fields of a stored AuditEntry."""
    return hashed_fields(
        authority_id=row.authority_id, sequence=row.sequence, at=row.at, operator=row.operator,
        action=row.action, outcome=row.outcome, case_number=row.case_number,
        licences=list(row.licences or []), licence_count=row.licence_count,
        file_sha256=row.file_sha256, tx_hashes=list(row.tx_hashes or []),
        approved_by=row.approved_by, detail=dict(row.detail or {}))
