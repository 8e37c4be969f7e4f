"""What an issuance leaves in its output folder, derived from the store only (so a resumed
run writes exactly what an uninterrupted one would): report.json, rejected.csv, and per
licence a QR PNG and a printable PDF letter."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from issuer.claim_codes import derive
from issuer.rows import RowProblem
from issuer.signing import claims_from_json
from issuer.store import Batch, BatchRoot, IssuedLicence
from licence import Licence, RootHeader, load_schema


@dataclass(frozen=True)
class ReportEntry:
    row: int | None
    licence_number: str
    licence_type: str
    status_ref: str
    batch_root: str
    tx_hash: str
    block_number: int
    qr: str
    pdf: str | None
    png: str | None
    claim_code: str
    claim_expires_at: int

    def to_json(self) -> dict[str, Any]:
        return self.__dict__


def rebuild_licence(record: IssuedLicence, root: BatchRoot) -> Licence:
    """The holder's full licence, from what the store keeps."""
    header = RootHeader.decode_unverified(root.protected)
    schema = load_schema(record.licence_type)
    return Licence(
        header=header, protected=root.protected, signature=root.signature,
        leaf_index=record.leaf_index, proof=record.proof, status_ref=record.status_ref,
        valid_from=record.valid_from, valid_until=record.valid_until, device_digest=None,
        claims=claims_from_json(schema, record.claims or {}), seed=record.seed,
    )


def file_stem(record: IssuedLicence) -> str:
    """Output file names carry the input row (or the licence id), never personal data."""
    return f"row-{record.row_number:07d}" if record.row_number else f"licence-{record.id:09d}"


def report_entries(batch: Batch, roots: dict[int, BatchRoot],
                   records: Iterable[IssuedLicence], *, claim_secret: bytes,
                   rendered: bool) -> Iterator[tuple[ReportEntry, Licence]]:
    type_name = load_schema(batch.licence_type).name
    for record in records:
        root = roots[record.root_position]
        licence = rebuild_licence(record, root)
        stem = file_stem(record)
        yield ReportEntry(
            row=record.row_number, licence_number=record.licence_number,
            licence_type=type_name, status_ref=record.status_ref.hex(),
            batch_root=root.root.hex(), tx_hash=batch.tx_hash or "",
            block_number=batch.block_number or 0, qr=licence.to_qr(),
            pdf=f"pdf/{stem}.pdf" if rendered else None,
            png=f"qr/{stem}.png" if rendered else None,
            claim_code=derive(claim_secret, record.authority_id, record.status_ref),
            claim_expires_at=record.claim_expires_at,
        ), licence


class ReportWriter:
    """Streams report.json (a million entries never sit in memory) and renames it into
    place only when complete, so a report on disk is always whole."""

    def __init__(self, out_dir: Path, summary: dict[str, Any]) -> None:
        self.path = out_dir / "report.json"
        self._tmp = out_dir / "report.json.tmp"
        self._handle: TextIO = self._tmp.open("w", encoding="utf-8")
        head = json.dumps(summary, ensure_ascii=False)[:-1]
        self._handle.write(head + ', "licences": [\n')
        self._first = True

    def add(self, entry: ReportEntry) -> None:
        if not self._first:
            self._handle.write(",\n")
        self._handle.write(json.dumps(entry.to_json(), ensure_ascii=False))
        self._first = False

    def close(self) -> None:
        self._handle.write("\n]}\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._tmp.replace(self.path)


def write_rejected(out_dir: Path, problems: list[RowProblem]) -> Path | None:
    path = out_dir / "rejected.csv"
    if not problems:
        path.unlink(missing_ok=True)
        return None
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "field", "problem", "message", "expected"])
        for p in problems:
            writer.writerow([p.row, p.field, p.problem, p.message, p.expected])
    return path
