"""The licence's own validity period: valid_from <= now <= valid_until."""

from __future__ import annotations

from ..context import Context
from ..result import CheckResult
from ..timefmt import utc_text
from .base import Check


class ValidityCheck(Check):
    name = "validity"

    def run(self, ctx: Context) -> CheckResult:
        licence = ctx.licence
        if ctx.now < licence.valid_from:
            return self.failed("not_yet_valid", valid_from=utc_text(licence.valid_from))
        if ctx.now > licence.valid_until:
            return self.failed("expired", valid_until=utc_text(licence.valid_until))
        return self.passed("within_validity")
