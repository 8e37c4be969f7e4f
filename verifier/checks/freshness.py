"""Live presentations: not older than the policy allows, not dated in the future beyond
a small clock skew, and answering this verifier's challenge when it issued one."""

from __future__ import annotations

from licence import ExpiredError

from ..context import Context
from ..result import CheckResult
from .base import Check


class FreshnessCheck(Check):
    name = "freshness"

    def applies(self, ctx: Context) -> bool:
        return ctx.presentation is not None

    def run(self, ctx: Context) -> CheckResult:
        p = ctx.presentation
        assert p is not None
        policy = ctx.policy
        try:
            p.check_time(ctx.now, max_age=policy.presentation_max_age,
                         clock_skew=policy.clock_skew)
        except ExpiredError as exc:
            return self.failed(exc.reason, **exc.context)
        if ctx.challenge is not None and ctx.challenge != p.challenge:
            return self.failed("challenge_mismatch")
        return self.passed("presentation_fresh", age=max(0, ctx.now - p.time))
