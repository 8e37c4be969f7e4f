"""Reading the rows an authority's back office exports: CSV (UTF-8, with or without BOM)
or JSON Lines. Each row keeps its number (the line a person sees in a spreadsheet: the
header is row 1 of a CSV) so every complaint can point at it."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from issuer.errors import InputError


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, Any]


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row, in the words the rejection report uses."""

    row: int
    field: str
    problem: str
    message: str
    expected: str

    def line(self) -> str:
        return f"row {self.row}: {self.message} Expected: {self.expected}."


def input_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise InputError(f"{path.name} is neither .csv nor .jsonl: export the rows as CSV (UTF-8) "
                     "or JSON Lines and name the file accordingly.")


@dataclass(frozen=True)
class InputFacts:
    sha256: str  # identifies the job, so the same command again resumes it
    rows: int  # lines that hold rows (progress bars; a cell spanning lines counts twice)


def scan_input(path: Path) -> InputFacts:
    """One pass over the file for what the run needs before reading its rows."""
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            lines += block.count(b"\n")
    return InputFacts(digest.hexdigest(),
                      max(0, lines - (1 if input_format(path) == "csv" else 0)))


def read_rows(path: Path) -> Iterator[Row]:
    """Yields the rows of a CSV or JSON Lines file, streaming (a million rows fit in little
    memory); raises InputError if the file as a whole cannot be read."""
    kind = input_format(path)
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            yield from (_csv_rows(handle, path) if kind == "csv" else _jsonl_rows(handle))
    except OSError as exc:
        raise InputError(f"Cannot read {path} ({exc.strerror}): check the path.") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text: save it as UTF-8 and try "
                         "again.") from None


def _csv_rows(handle: TextIO, path: Path) -> Iterator[Row]:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path.name} is empty: it needs a header row naming the "
                         "fields.") from None
    names = [h.strip() for h in header]
    if not any(names) or len(set(names)) != len(names):
        raise InputError(f"The header of {path.name} must name each column once: "
                         f"{', '.join(names)}.")
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{path.name} cannot be read as CSV near line {reader.line_num} "
                             f"({exc}): fix the export and try again.") from None
        number += 1
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(names):
            yield Row(number, {"__shape__": f"{len(cells)} cells for {len(names)} columns"})
            continue
        # Blank cells are left out (validation treats whitespace-only values as blank too).
        yield Row(number, {n: c for n, c in zip(names, cells, strict=True) if c})


def _jsonl_rows(handle: TextIO) -> Iterator[Row]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            yield Row(number, {"__shape__": "the line is not valid JSON"})
            continue
        if not isinstance(value, dict):
            yield Row(number, {"__shape__": "the line is not a JSON object"})
            continue
        yield Row(number, value)
