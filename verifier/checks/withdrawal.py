"""The council has not withdrawn the licence's batch, nor the licence itself (a revocation
with public reason class council_withdrawn). Either is final and answered `invalid`, not
`revoked`: the licence is void by the council's decision, not its authority's."""

from __future__ import annotations

from licence.vocabulary import ReasonClass, StatusCode

from ..context import Context
from ..result import CheckResult
from ..timefmt import utc_text
from .base import Check


class WithdrawalCheck(Check):
    name = "withdrawal"

    def run(self, ctx: Context) -> CheckResult:
        licence = ctx.licence
        authority = licence.header.authority
        batch = ctx.view.withdrawn_batch(authority, ctx.root)
        if batch is not None:
            return self.failed("council_withdrawn", since=utc_text(batch.time))
        record = ctx.status
        if record is not None and record.status == StatusCode.REVOKED \
                and record.reason_class == ReasonClass.COUNCIL_WITHDRAWN:
            return self.failed("council_withdrawn", since=utc_text(record.block_time))
        return self.passed("not_withdrawn")
