"""What an issuance leaves in its output folder: report.json, claim-codes.csv, rejected.csv,
and per licence a QR PNG and a printable PDF letter. Everything can be derived from the
store alone, so a resumed run writes exactly what an uninterrupted one would.

The folder and every file in it are private (chain/private_files.py). The claim codes, which
let anyone holding one put the licence in their wallet, are kept out of report.json in
their own file, so the report can be shared inside the authority without them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring as _json_text  # as json.dumps, not ASCII-only
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chain.private_files import (
    output_folder,
    private_file,
    private_folder,
    replacing,
    write_private,
)
from issuer.claims.codes import derive
from issuer.issue.rows import RowProblem
from issuer.store import IssuedLicence, OutputFolder, Store, utc_now
from licence import load_schema
from licence.qr import LICENCE_PREFIX, encode_text

REPORT = "report.json"
CLAIM_CODES = "claim-codes.csv"
CLAIM_CODES_HEADER = "licence_number,row,claim_code,claim_expires_at"


class Entry(NamedTuple):
    """One issued licence in the outputs: its report.json object, serialised, and its row of
    claim-codes.csv (no line end)."""

    report: str
    claim: str


def entry_fragment(*, row: int | None, licence_number: str, type_name: str,
                   status_ref: bytes, batch_root: bytes, qr: str, stem: str, rendered: bool,
                   claim_code: str, claim_expires_at: int) -> Entry:
    """One licence's outputs; its report entry is JSON open at the end: the transaction
    that anchors it is added by `Fragments.completed` once known. Workers make these while
    signing, one per licence: the JSON is written directly (json.dumps of the same object
    cost four times as much). Only the two free texts need escaping; the QR text is base45
    and the rest are hex, digits or a file stem."""
    files = f'"pdf/{stem}.pdf", "png": "qr/{stem}.png"' if rendered else 'null, "png": null'
    return Entry(
        f'{{"row": {"null" if row is None else row}, '
        f'"licence_number": {_json_text(licence_number)}, "licence_type": {_json_text(type_name)}, '
        f'"status_ref": "{status_ref.hex()}", "batch_root": "{batch_root.hex()}", "qr": "{qr}", '
        f'"pdf": {files}, "claim_expires_at": {claim_expires_at}',
        claim_line(licence_number, row, claim_code, claim_expires_at))


class Fragments(NamedTuple):
    """Entries as text blocks, one licence per line: the report objects (open at the end)
    and the claim-codes.csv rows. A report is assembled block by block, so a million
    licences cost a few string operations in C per batch, not Python work per licence."""

    reports: str
    claims: str

    @classmethod
    def of(cls, entries: list[Entry]) -> Fragments:
        return cls("".join(f"{e.report}\n" for e in entries),
                   "".join(f"{e.claim}\n" for e in entries))

    @property
    def count(self) -> int:
        return self.reports.count("\n")

    def completed(self, tx_hash: str, block_number: int) -> str:
        """The report objects closed with the transaction that anchors them, each
        followed by ",\n" (JSON text holds no raw line break, so every one ends an entry)."""
        return self.reports.replace(
            "\n", f', "tx_hash": "{tx_hash}", "block_number": {block_number}}},\n')


def claim_line(licence_number: str, row: int | None, code: str, expires_at: int) -> str:
    cells = (licence_number, "" if row is None else str(row), code, _iso_time(expires_at))
    return ",".join(_csv_cell(cell) for cell in cells)


def _csv_cell(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


@lru_cache(maxsize=64)  # a run's licences share one claim expiry
def _iso_time(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_claim_codes(out_dir: Path) -> list[dict[str, str]]:
    """The rows of an output folder's claim-codes.csv, as dicts keyed by its header."""
    with (out_dir / CLAIM_CODES).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def stem_for(row_number: int | None, licence_id: int | None) -> str:
    """Output file names carry the input row (or the licence id), never personal data."""
    return f"row-{row_number:07d}" if row_number is not None else f"licence-{licence_id:09d}"


class Spool:
    """Report fragments and claim-code lines written while signing, two files per batch, so
    the outputs can be assembled without encoding every licence again; regenerated from
    the store if lost."""

    def __init__(self, out_dir: Path) -> None:
        self.directory = out_dir / ".spool"

    def _paths(self, sequence: int) -> tuple[Path, Path]:
        return (self.directory / f"{sequence:06d}.jsonl",
                self.directory / f"{sequence:06d}.codes.csv")

    def write(self, sequence: int, entries: list[Entry]) -> None:
        private_folder(self.directory)
        fragments = Fragments.of(entries)
        reports, claims = self._paths(sequence)
        write_private(claims, fragments.claims)
        write_private(reports, fragments.reports)  # last: complete

    def read(self, sequence: int) -> Fragments | None:
        try:
            fragments = Fragments(*(p.read_text(encoding="utf-8")
                                    for p in self._paths(sequence)))
        except FileNotFoundError:
            return None
        if fragments.count != fragments.claims.count("\n"):
            return None
        return fragments

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


def batch_fragments(task: BatchOutputs) -> Fragments:
    """The outputs of one stored batch, rebuilt from the store (purged licences, whose
    encoded form is erased, have none)."""
    type_name = load_schema(task.licence_type).name
    entries = []
    for record in task.records:
        if record.encoded is None:
            continue
        root = task.roots[record.root_position]
        entries.append(entry_fragment(
            row=record.row_number, licence_number=record.licence_number, type_name=type_name,
            status_ref=record.status_ref, batch_root=root.root,
            qr=encode_text(LICENCE_PREFIX, record.encoded),
            stem=stem_for(record.row_number, record.id),
            rendered=task.out_dir is not None,
            claim_code=derive(task.claim_secret, record.authority_id, record.status_ref),
            claim_expires_at=record.claim_expires_at))
    return Fragments.of(entries)


def prepare_outputs(store: Store, authority_id: str, out_dir: Path, *, render: bool) -> None:
    """Makes the output folder (private; an existing one open to other users is refused)
    with pdf/ and qr/ when rendering, and records it for `purge`."""
    output_folder(out_dir)
    if render:
        private_folder(out_dir / "pdf")
        private_folder(out_dir / "qr")
    path = str(out_dir.resolve())
    try:
        with store.session() as s:
            if s.scalar(select(OutputFolder.id).where(OutputFolder.authority_id == authority_id,
                                                      OutputFolder.path == path)) is None:
                s.add(OutputFolder(authority_id=authority_id, path=path, created_at=utc_now()))
    except IntegrityError:
        pass  # another run recorded the same folder at the same moment


class ReportWriter:
    """Streams report.json and claim-codes.csv (a million entries never sit in memory) and
    renames each into place only when complete, so an output on disk is always whole."""

    def __init__(self, out_dir: Path, summary: dict[str, Any]) -> None:
        self.path = out_dir / REPORT
        self.claim_codes = out_dir / CLAIM_CODES
        self._tmp = out_dir / f"{REPORT}.tmp"
        self._claims_tmp = out_dir / f"{CLAIM_CODES}.tmp"
        self._handle: TextIO = private_file(self._tmp, "w", encoding="utf-8")
        self._claims: TextIO = private_file(self._claims_tmp, "w", encoding="utf-8")
        head = json.dumps(summary, ensure_ascii=False)[:-1]
        self._handle.write(head + ', "licences": [\n')
        self._claims.write(CLAIM_CODES_HEADER + "\n")
        self._first = True

    def add(self, fragments: Fragments, tx_hash: str, block_number: int) -> None:
        """Adds a batch's entries, already serialised (by the workers), with the
        transaction that anchored them."""
        if not fragments.reports:
            return
        self._handle.write(("" if self._first else ",\n")
                           + fragments.completed(tx_hash, block_number)[:-2])
        self._claims.write(fragments.claims)
        self._first = False

    def close(self) -> None:
        self._handle.write("\n]}\n")
        for handle, tmp, path in ((self._claims, self._claims_tmp, self.claim_codes),
                                  (self._handle, self._tmp, self.path)):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            tmp.replace(path)


def write_rejected(out_dir: Path, problems: list[RowProblem]) -> Path | None:
    """rejected.csv: row, field and problem, never a value from the row."""
    path = out_dir / "rejected.csv"
    if not problems:
        path.unlink(missing_ok=True)
        return None
    with replacing(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "field", "problem", "message", "expected"])
        for p in problems:
            writer.writerow([p.row, p.field, p.problem, p.message, p.expected])
    return path
