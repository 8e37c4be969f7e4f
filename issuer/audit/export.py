"""`elicence audit export`: the log as CSV for inspectors, one row per entry with its
hashes, so the export itself can be checked against the anchored head. Written private
(0600): case numbers and licence numbers are the agency's business."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chain.private_files import replacing
from issuer.store import AuditEntry

COLUMNS = ("sequence", "time_utc", "operator", "action", "outcome", "case_number",
           "licence_count", "licences", "file_sha256", "tx_hashes", "approved_by", "detail",
           "prev_hash", "hash")


def as_dict(row: AuditEntry) -> dict[str, Any]:
    """An entry as `audit show --json` and the CSV give it."""
    return {
        "sequence": row.sequence,
        "time_utc": dt.datetime.fromtimestamp(row.at, dt.UTC).isoformat(),
        "operator": row.operator, "action": row.action, "outcome": row.outcome,
        "case_number": row.case_number, "licence_count": row.licence_count,
        "licences": list(row.licences or []), "file_sha256": row.file_sha256,
        "tx_hashes": list(row.tx_hashes or []), "approved_by": row.approved_by,
        "detail": dict(row.detail or {}), "prev_hash": row.prev_hash.hex(),
        "hash": row.hash.hex(),
    }


def write_csv(path: Path, rows: Sequence[AuditEntry]) -> None:
    with replacing(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            values = as_dict(row)
            values["licences"] = " ".join(values["licences"])
            values["tx_hashes"] = " ".join(values["tx_hashes"])
            values["detail"] = json.dumps(values["detail"], sort_keys=True, ensure_ascii=False)
            writer.writerow([_cell(values[column]) for column in COLUMNS])


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell starting like a formula is quoted so a spreadsheet never runs it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
