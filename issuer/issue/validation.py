"""The first pass of an issuance: every row checked against the licence type's schema and
for duplicate licence numbers, before anything is signed.

A problem names the row, the field and what is wrong, never a value from the row: the
messages go to the terminal, to rejected.csv and often on into tickets and e-mails, and a
row is a person's data (docs/decisions/0127-messages-without-personal-data.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from issuer.issue.regions import Scopes
from issuer.issue.rows import Row, RowProblem
from licence import ClaimsError, Schema
from licence.predicates import signing_day

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


def check_row(schema: Schema, row: Row, now: int, scopes: Scopes | None = None
              ) -> tuple[dict[str, Any] | None, int, list[RowProblem]]:
    """Validated claims and the end of their validity, or the problems found (one per bad
    field). `now` is the signing time: predicates are computed for its day. With `scopes`,
    a licence whose region lies outside every scope is refused."""
    shape = row.values.get("__shape__")
    if shape is not None:
        return None, 0, [RowProblem(row.number, "-", "shape", f"The row cannot be read: {shape}.",
                                 "one value per column, as in the header")]
    try:
        claims = schema.validate(row.values, on=signing_day(now))
    except ClaimsError as exc:
        return None, 0, [RowProblem(row.number, e.field, e.problem, e.message, e.expected)
                         for e in exc.errors]
    until = valid_until(claims)
    if until <= now:
        return None, 0, [RowProblem(row.number, "expiry_date", "expired",
                                    "expiry_date has already passed.", "a date in the future")]
    if scopes is not None:
        problem = scopes.problem(schema, row.number, scopes.licence_region(schema, claims))
        if problem is not None:
            return None, 0, [problem]
    return claims, until, []


def validate_chunk(schema_code: int, rows: list[Row], now: int,
                   scope_regions: tuple[str, ...] | None = None) -> list[RowProblem]:
    """Worker task of a dry run: the problems of these rows."""
    from licence import load_schema

    schema = load_schema(schema_code)
    scopes = None if scope_regions is None else Scopes(scope_regions)
    return [p for row in rows for p in check_row(schema, row, now, scopes)[2]]


@dataclass
class Validation:
    total: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def accepted(self) -> int:
        return self.total - self.rejected

    def reject(self, problems: Iterable[RowProblem]) -> None:
        for problem in problems:
            self.problems.append(problem)
            self.rejected_rows.add(problem.row)


class Deduper:
    """Refuses a licence number seen earlier in the file (the first row wins) or already
    issued by this authority and still valid. Runs in the main process, on the raw
    numbers, before rows go to the workers to be validated and signed."""

    def __init__(self, schema: Schema,
                 already_issued: Callable[[list[str]], dict[str, str]]) -> None:
        self.field = number_field(schema)
        self._already_issued = already_issued
        self._first_row: dict[str, int] = {}

    def filter(self, rows: list[Row]) -> tuple[list[Row], list[RowProblem]]:
        numbers = {row.number: _raw_number(row.values.get(self.field)) for row in rows}
        issued = self._already_issued([n for n in numbers.values() if n])
        kept, problems = [], []
        for row in rows:
            number = numbers[row.number]
            if number and number in self._first_row:
                problems.append(RowProblem(
                    row.number, self.field, "duplicate",
                    f"{self.field} is the same as on row {self._first_row[number]} of this "
                    "file.", "each licence once per file"))
            elif number and number in issued:
                problems.append(RowProblem(
                    row.number, self.field, "already_issued",
                    f"{self.field} is already issued by this authority and still "
                    f"{issued[number]}.",
                    "a new number, or `elicence renew`/`replace` for the existing licence"))
            else:
                if number:
                    self._first_row[number] = row.number
                kept.append(row)
        return kept, problems


def _raw_number(value: Any) -> str | None:
    """The licence number as validation will normalise it (trimmed, upper case)."""
    return value.strip().upper() or None if isinstance(value, str) else None
