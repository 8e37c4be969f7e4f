"""What `elicence purge` does to the output folders `issue`, `replace` and `renew` wrote:
each purged licence's letter and QR image are removed, then its claim-codes.csv row, then
its report.json entry; or, with `--files`, all of these are listed and left in place.

report.json and claim-codes.csv are rewritten whole beside themselves and renamed into
place (a reader sees the old file or the new one). The report goes last: it is how a
purge finds the rest, so one interrupted before the end finds it all again when run again.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chain.private_files import replacing
from issuer.issue.outputs import CLAIM_CODES, REPORT

_REF = re.compile(r'"status_ref": "([0-9a-f]{32})"')
_OPEN_LIST = ', "licences": ['


@dataclass
class FolderPurge:
    """One output folder's share of a purge."""

    folder: Path
    files: list[Path] = field(default_factory=list)  # letters and QR images on disk
    entries: list[str] = field(default_factory=list)  # "row 2", or "status ref ..."
    missing: bool = False  # the folder is no longer there
    unreadable: bool = False  # its report.json is not as elicence writes it

    def lines(self, removed: bool) -> list[str]:
        if self.missing:
            return [f"{self.folder}: no longer there (moved or deleted), nothing to remove."]
        if self.unreadable:
            return [f"{self.folder}/{REPORT} is not as elicence writes it: remove the purged "
                    "licences' entries, letters and claim codes from this folder by hand."]
        if not self.entries:
            return []
        entries = ", ".join(self.entries)
        if removed:
            return [f"{self.folder}: removed {len(self.files):,} letter and QR image files and "
                    f"the {REPORT} and {CLAIM_CODES} entries of {entries}."]
        return [*(str(path) for path in self.files),
                f"{self.folder}/{REPORT} and {CLAIM_CODES}: the entries of {entries}."]


def purge_folder(folder: Path, refs: set[str], *, remove: bool) -> FolderPurge:
    """Finds (and, when `remove`, removes) what `folder` holds of the licences whose status
    references (hex) are in `refs`. Raises OSError when a file cannot be read or removed."""
    result = FolderPurge(folder)
    report = folder / REPORT
    if not folder.is_dir():
        result.missing = True
        return result
    if not report.exists():
        return result  # the run never got as far as writing outputs
    try:
        found = [entry for _, entry in _entries(report, refs) if entry is not None]
    except (ValueError, KeyError, TypeError):
        result.unreadable = True
        return result
    result.entries = [_label(entry) for entry in found]
    result.files = [path for entry in found for path in _files(folder, entry) if path.exists()]
    if remove and found:
        for path in result.files:
            path.unlink(missing_ok=True)
        _rewrite_claim_codes(folder / CLAIM_CODES, {_claim_key(entry) for entry in found})
        _rewrite_report(report, refs, len(found))
    return result


def _entries(report: Path, refs: set[str]) -> Iterator[tuple[str, dict | None]]:
    """The entry lines of a report.json as ReportWriter writes it (the summary and list
    opening, one entry per line, the closing), each with the entry parsed if its status
    reference is in `refs` (only then: a report holds up to millions)."""
    with report.open(encoding="utf-8") as handle:
        head = handle.readline().rstrip("\n")
        if not head.endswith(_OPEN_LIST):
            raise ValueError("not a report written by elicence")
        for line in handle:
            line = line.rstrip("\n")
            if not line or line == "]}":
                continue
            text = line.removesuffix(",")
            match = _REF.search(text)
            yield text, (json.loads(text) if match and match.group(1) in refs else None)


def _label(entry: dict) -> str:
    """Input row, or (a successor's entry has none) status reference: never the number."""
    row = entry.get("row")
    return f"row {row}" if row is not None else f"status ref {entry['status_ref']}"


def _claim_key(entry: dict) -> tuple[str, str]:
    return entry["licence_number"], "" if entry.get("row") is None else str(entry["row"])


def _files(folder: Path, entry: dict) -> list[Path]:
    """The letter and QR image an entry names, if they lie inside the folder."""
    inside = folder.resolve()
    paths = []
    for name in (entry.get("pdf"), entry.get("png")):
        if name:
            path = (folder / name).resolve()
            if inside in path.parents:
                paths.append(folder / name)
    return paths


def _rewrite_claim_codes(path: Path, purged: set[tuple[str, str]]) -> None:
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as source, \
            replacing(path, "w", encoding="utf-8", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target, lineterminator="\n")
        writer.writerow(next(reader))
        writer.writerows(row for row in reader if (row[0], row[1]) not in purged)


def _rewrite_report(report: Path, refs: set[str], count: int) -> None:
    with report.open(encoding="utf-8") as source:
        head = source.readline().rstrip("\n")
    summary = json.loads(head + "]}")
    del summary["licences"]
    summary["purged"] = summary.get("purged", 0) + count
    kept = (text for text, entry in _entries(report, refs) if entry is None)
    with replacing(report, "w", encoding="utf-8") as target:
        target.write(json.dumps(summary, ensure_ascii=False)[:-1] + _OPEN_LIST + "\n")
        first = True
        for text in kept:
            target.write(("" if first else ",\n") + text)
            first = False
        target.write("\n]}\n")
