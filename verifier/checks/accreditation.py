"""The authority was accredited for the licence's type when its batch was anchored."""

from __future__ import annotations

from ..context import Context
from ..result import CheckResult
from .base import Check


class AccreditationCheck(Check):
    name = "accreditation"

    def run(self, ctx: Context) -> CheckResult:
        batch = ctx.batch
        if batch is None:
            return self.unknown("batch_not_found")
        header = ctx.licence.header
        mask = ctx.view.accreditation_at(header.authority, batch.anchored_at)
        if not mask >> header.licence_type & 1:
            return self.failed("authority_not_accredited")
        return self.passed("authority_accredited")
