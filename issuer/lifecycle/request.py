"""What a lifecycle command asks for and what it answers: the five actions, one request
(whose key makes a rerun the same job), a refused licence with its reason, the summary line,
and the licence numbers read from a file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from licence.vocabulary import StatusCode

REVOKE, SUSPEND, REINSTATE, REPLACE, RENEW = "revoke", "suspend", "reinstate", "replace", "renew"
ACTIONS = (REVOKE, SUSPEND, REINSTATE, REPLACE, RENEW)
REISSUING = (REPLACE, RENEW)
STATUS = {REVOKE: StatusCode.REVOKED, SUSPEND: StatusCode.SUSPENDED,
          REINSTATE: StatusCode.REINSTATED, REPLACE: StatusCode.SUPERSEDED,
          RENEW: StatusCode.SUPERSEDED}
PAST = {REVOKE: "revoked", SUSPEND: "suspended", REINSTATE: "reinstated",
        REPLACE: "replaced", RENEW: "renewed"}


@dataclass(frozen=True)
class LifecycleRequest:
    action: str
    numbers: tuple[str, ...]
    reason: int = 0
    until: int | None = None  # suspend: end of the suspension; renew: end of the new expiry date
    case: str | None = None  # the back office's case number, when it has one
    out_dir: Path | None = None  # replace/renew: where report.json and PDFs go

    def key(self) -> str:
        """What makes two runs the same request."""
        text = json.dumps([self.action, sorted(self.wanted()), self.reason, self.until,
                           self.case])
        return hashlib.sha256(text.encode()).hexdigest()

    def wanted(self) -> list[str]:
        """The numbers as stored (upper case), each once, in the order given."""
        return list(dict.fromkeys(n.strip().upper() for n in self.numbers if n.strip()))


@dataclass(frozen=True)
class Refusal:
    licence_number: str
    reason: str  # stable code: API
    message: str  # one sentence: what is wrong and what to do

    def line(self) -> str:
        return f"{self.licence_number}: {self.message}"


@dataclass
class LifecycleSummary:
    action: str
    changed: int = 0
    transactions: int = 0
    refused: list[Refusal] = field(default_factory=list)
    resumed: bool = False  # an interrupted run of the same request was finished
    done_before: bool = False  # the same request was already carried out: nothing sent
    report: Path | None = None

    def line(self) -> str:
        note = " (done before; nothing sent)" if self.done_before else (
            " (resumed)" if self.resumed else "")
        return (f"{self.changed:,} {PAST[self.action]}, {len(self.refused):,} refused, "
                f"{self.transactions:,} transactions{note}")



def read_numbers(lines: Iterable[str]) -> list[str]:
    """Licence numbers from a numbers file: the first column of each line; a header line
    naming the column is skipped."""
    numbers = []
    for line in lines:
        cell = line.split(",")[0].strip().strip('"').lstrip("\ufeff")
        if cell and cell.lower() not in ("licence_number", "credit_code", "number"):
            numbers.append(cell)
    return numbers
