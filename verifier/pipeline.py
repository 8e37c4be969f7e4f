"""Runs a list of checks over one context, in order, like OpenAttestation's verifier.

After the first failing check the rest are reported as `skipped`/`not_run`: their answers
would rest on data already shown untrustworthy. A check that raises is reported as
`unknown`/`internal_error` and logged (its exception text is not: it may quote claims).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence

from .checks import Check, default_checks
from .context import Context
from .result import FAIL, SKIPPED, UNKNOWN, CheckResult

log = logging.getLogger("elicence.verifier")


class Pipeline:
    def __init__(self, checks: Sequence[Check] | None = None) -> None:
        self.checks = tuple(default_checks() if checks is None else checks)

    def run(self, ctx: Context) -> list[CheckResult]:
        results: list[CheckResult] = []
        stopped = False
        readable = ctx.readable
        for check in self.checks:
            if stopped or (check.needs_licence and not readable):
                results.append(CheckResult(check.name, SKIPPED, "not_run"))
                continue
            result = self._run_one(check, ctx)
            results.append(result)
            stopped = result.result == FAIL
        return results

    @staticmethod
    def _run_one(check: Check, ctx: Context) -> CheckResult:
        try:
            if not check.applies(ctx):
                return CheckResult(check.name, SKIPPED, "not_applicable")
            return check.run(ctx)
        except Exception as exc:
            log.error("verification check %s raised %s\n%s", check.name, type(exc).__name__,
                      "".join(traceback.format_tb(exc.__traceback__)))
            return CheckResult(check.name, UNKNOWN, "internal_error")
