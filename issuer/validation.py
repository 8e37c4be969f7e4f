"""The first pass of an issuance: every row checked against the licence type's schema and
for duplicate licence numbers, before anything is signed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from issuer.rows import Row, RowProblem
from licence import ClaimsError, Schema

# Licence validity ends at the end of its expiry date in China Standard Time (UTC+8).
CHINA = dt.timezone(dt.timedelta(hours=8))
LONG_TERM = int(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp())


def number_field(schema: Schema) -> str:
    """The claim that identifies a licence within its authority."""
    return "credit_code" if "credit_code" in schema.by_name else "licence_number"


def valid_until(claims: dict[str, Any]) -> int:
    expiry = claims.get("expiry_date")
    if expiry is None:
        return LONG_TERM
    end = dt.datetime.combine(expiry, dt.time(23, 59, 59), tzinfo=CHINA)
    return int(end.timestamp())


def check_row(schema: Schema, row: Row, now: int) -> tuple[dict[str, Any] | None,
                                                         list[RowProblem]]:
    """Validated claims, or the problems found (one per bad field)."""
    shape = row.values.get("__shape__")
    if shape is not None:
        return None, [RowProblem(row.number, "-", "shape", f"The row cannot be read: {shape}.",
                                 "one value per column, as in the header")]
    try:
        claims = schema.validate(row.values)
    except ClaimsError as exc:
        return None, [RowProblem(row.number, e.field, e.problem, e.message, e.expected)
                      for e in exc.errors]
    if valid_until(claims) <= now:
        return None, [RowProblem(row.number, "expiry_date", "expired",
                                 f"expiry_date {claims['expiry_date']} has already passed.",
                                 "a date in the future")]
    return claims, []


def validate_chunk(schema_code: int, rows: list[Row],
                   now: int) -> list[tuple[int, str | None, list[RowProblem]]]:
    """Worker task: (row number, licence number or None, problems) per row."""
    from licence import load_schema

    schema = load_schema(schema_code)
    key = number_field(schema)
    out = []
    for row in rows:
        claims, problems = check_row(schema, row, now)
        out.append((row.number, claims[key] if claims else None, problems))
    return out


@dataclass
class Validation:
    total: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    accepted: int = 0

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)


def collect(results: Iterable[list[tuple[int, str | None, list[RowProblem]]]], *,
            number_name: str, already_issued: Callable[[list[str]], dict[str, str]],
            progress: Callable[[int], None] = lambda n: None) -> Validation:
    """Folds worker results in row order; rejects repeated licence numbers (the first row
    wins) and numbers this authority has already issued and that are still valid."""
    validation = Validation()
    first_row: dict[str, int] = {}
    for chunk in results:
        numbers = [n for _, n, _ in chunk if n is not None]
        issued = already_issued(numbers) if numbers else {}
        for number, licence_number, problems in chunk:
            validation.total += 1
            if licence_number is not None and licence_number in first_row:
                problems = [RowProblem(
                    number, number_name, "duplicate",
                    f"{number_name} {licence_number} is also on row {first_row[licence_number]}"
                    " of this file.", "each licence once per file")]
            elif licence_number is not None and licence_number in issued:
                problems = [RowProblem(
                    number, number_name, "already_issued",
                    f"{number_name} {licence_number} is already issued by this authority and "
                    f"still {issued[licence_number]}.",
                    "a new number, or `elicence renew`/`replace` for the existing licence")]
            if problems:
                validation.problems.extend(problems)
                validation.rejected_rows.add(number)
            else:
                first_row[licence_number] = number  # type: ignore[index]
                validation.accepted += 1
        progress(len(chunk))
    return validation
