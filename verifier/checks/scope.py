"""The licence's region lies within the scope its batch was anchored under, which the
authority held then and still holds (or whose removal's grace date has not passed).

A licence's region is its own (key 13, business licences: from the credit code) or, when
absent, its batch's scope region (docs/decisions/0130-region-in-the-leaf.md).
"""

from __future__ import annotations

from chain.records import Scope
from licence.regions import within

from ..context import Context
from ..result import CheckResult
from ..timefmt import utc_text
from .base import Check


class ScopeCheck(Check):
    name = "scope"

    def run(self, ctx: Context) -> CheckResult:
        batch = ctx.batch
        if batch is None:
            return self.unknown("batch_not_found")
        authority = ctx.licence.header.authority
        region = ctx.licence.region_in(batch.region)
        scope = Scope(batch.licence_type, batch.region)
        held_then = held_now = False
        removal_grace = 0
        for change in ctx.view.scope_changes(authority):
            if Scope(change.licence_type, change.region) != scope:
                continue
            if change.time <= batch.anchored_at:
                held_then = change.enabled
            if change.time <= max(ctx.now, batch.anchored_at):  # (a clock behind the chain)
                held_now = change.enabled
                removal_grace = 0 if change.enabled else change.grace_until
        if not within(region, batch.region) or not held_then:
            return self.failed("authority_out_of_scope", region=region)
        if held_now:
            return self.passed("within_scope", region=region)
        if ctx.now < removal_grace:
            return self.passed("scope_removed_grace", warning=True, region=region,
                               until=utc_text(removal_grace), until_time=removal_grace)
        return self.failed("scope_removed", region=region)
