"""What an issuance leaves in its output folder: report.json, rejected.csv, and per licence
a QR PNG and a printable PDF letter. Everything can be derived from the store alone, so a
resumed run writes exactly what an uninterrupted one would."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from issuer.claims.codes import derive
from issuer.issue.rows import RowProblem
from issuer.store import IssuedLicence
from licence import load_schema
from licence.qr import LICENCE_PREFIX, encode_text


def entry_fragment(*, row: int | None, licence_number: str, type_name: str,
                   status_ref: bytes, batch_root: bytes, qr: str, stem: str, rendered: bool,
                   claim_code: str, claim_expires_at: int) -> str:
    """One report entry as JSON, open at the end: the transaction that anchors it is added
    by `complete_line` once known. Workers make these while signing."""
    entry = {"row": row, "licence_number": licence_number, "licence_type": type_name,
             "status_ref": status_ref.hex(), "batch_root": batch_root.hex(), "qr": qr,
             "pdf": f"pdf/{stem}.pdf" if rendered else None,
             "png": f"qr/{stem}.png" if rendered else None,
             "claim_code": claim_code, "claim_expires_at": claim_expires_at}
    return json.dumps(entry, ensure_ascii=False)[:-1]


def complete_line(fragment: str, tx_hash: str, block_number: int) -> str:
    return f'{fragment}, "tx_hash": "{tx_hash}", "block_number": {block_number}}}'


def stem_for(row_number: int | None, licence_id: int | None) -> str:
    """Output file names carry the input row (or the licence id), never personal data."""
    return f"row-{row_number:07d}" if row_number is not None else f"licence-{licence_id:09d}"


class Spool:
    """Report fragments written while signing, one file per batch, so the report can be
    assembled without encoding every licence again; regenerated from the store if lost."""

    def __init__(self, out_dir: Path) -> None:
        self.directory = out_dir / ".spool"

    def _path(self, sequence: int) -> Path:
        return self.directory / f"{sequence:06d}.jsonl"

    def write(self, sequence: int, fragments: list[str]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self._path(sequence).with_suffix(".tmp")
        tmp.write_text("\n".join(fragments) + "\n", encoding="utf-8")
        tmp.replace(self._path(sequence))

    def read(self, sequence: int) -> list[str] | None:
        try:
            return self._path(sequence).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return None

    def clear(self) -> None:
        if self.directory.exists():
            for path in self.directory.iterdir():
                path.unlink()
            self.directory.rmdir()


class StoredLicence(NamedTuple):
    """The columns of a stored licence that outputs need (read with a Core select)."""

    id: int
    row_number: int | None
    licence_number: str
    authority_id: str
    licence_type: int
    status_ref: bytes
    root_position: int
    leaf_index: int
    valid_from: int
    valid_until: int
    claim_expires_at: int
    encoded: bytes | None


STORED_COLUMNS = tuple(getattr(IssuedLicence, name) for name in StoredLicence._fields)


class SignedRootRow(NamedTuple):
    root: bytes
    protected: bytes
    signature: bytes


@dataclass(frozen=True)
class BatchOutputs:
    """Everything a worker needs to write one batch's outputs: plain, picklable data."""

    licence_type: int
    tx_hash: str
    block_number: int
    roots: dict[int, SignedRootRow]
    records: list[StoredLicence]
    claim_secret: bytes
    out_dir: Path | None  # None: no rendering


def batch_fragments(task: BatchOutputs) -> list[str]:
    """The report fragments of one stored batch, rebuilt from the store (purged licences,
    whose encoded form is erased, have none)."""
    type_name = load_schema(task.licence_type).name
    fragments = []
    for record in task.records:
        if record.encoded is None:
            continue
        root = task.roots[record.root_position]
        fragments.append(entry_fragment(
            row=record.row_number, licence_number=record.licence_number, type_name=type_name,
            status_ref=record.status_ref, batch_root=root.root,
            qr=encode_text(LICENCE_PREFIX, record.encoded),
            stem=stem_for(record.row_number, record.id),
            rendered=task.out_dir is not None,
            claim_code=derive(task.claim_secret, record.authority_id, record.status_ref),
            claim_expires_at=record.claim_expires_at))
    return fragments


def batch_report_lines(task: BatchOutputs) -> list[str]:
    """Worker task: the complete report lines of one stored batch."""
    return [complete_line(f, task.tx_hash, task.block_number) for f in batch_fragments(task)]


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

    def add_lines(self, lines: list[str]) -> None:
        """Adds entries already serialised as JSON objects (by the workers)."""
        if not lines:
            return
        self._handle.write(("" if self._first else ",\n") + ",\n".join(lines))
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
