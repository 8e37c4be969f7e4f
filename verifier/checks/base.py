"""What a check is: a name, whether it applies to this kind of code, and a run step.

A check reads what it needs from the Context and returns one CheckResult; it raises
nothing on bad input (the pipeline turns an unexpected exception into `internal_error`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..context import Context
from ..result import FAIL, PASS, UNKNOWN, CheckResult


class Check:
    name = "check"
    needs_licence = True  # runs only on input that decoded into a licence or presentation

    def applies(self, ctx: Context) -> bool:
        """False when the check is meaningless for this kind of code (e.g. printed)."""
        return True

    def run(self, ctx: Context) -> CheckResult:
        raise NotImplementedError

    # ------------------------------------------------------------------ result helpers
    def passed(self, reason: str, **details: Any) -> CheckResult:
        if details:
            return CheckResult(self.name, PASS, reason, details)
        return _plain_pass(self.name, reason)

    def failed(self, reason: str, *, fallback: tuple[str, str] | None = None,
               **details: Any) -> CheckResult:
        return CheckResult(self.name, FAIL, reason, details, fallback)

    def unknown(self, reason: str, **details: Any) -> CheckResult:
        return CheckResult(self.name, UNKNOWN, reason, details)


@cache
def _plain_pass(name: str, reason: str) -> CheckResult:
    return CheckResult(name, PASS, reason)
