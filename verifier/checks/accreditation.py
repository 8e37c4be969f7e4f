"""The authority was accredited for the licence's type when its batch was anchored, and the
council has not suspended it since (docs/decisions/0132-suspension-and-scope-grace.md).

Licences anchored before a suspension stay valid, with a warning naming the date, until
the grace date the council set; then they are invalid while the suspension lasts.
Reinstating the authority makes them valid again.
"""

from __future__ import annotations

from ..context import Context
from ..result import CheckResult
from ..timefmt import utc_text
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
        suspension = ctx.view.suspension_at(header.authority, ctx.now)
        if suspension is not None and batch.anchored_at < suspension.since:
            if ctx.now < suspension.grace_until:
                return self.passed("authority_suspended_grace", warning=True,
                                   until=utc_text(suspension.grace_until),
                                   until_time=suspension.grace_until)
            return self.failed("authority_suspended", since=utc_text(suspension.since))
        return self.passed("authority_accredited")
