"""Live presentations: not older than the policy allows, not dated in the future beyond
a small clock skew, and answering this verifier's challenge when it issued one."""

from __future__ import annotations

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
        if p.time < ctx.now - policy.presentation_max_age:
            return self.failed("presentation_stale", max_age=policy.presentation_max_age,
                               age=ctx.now - p.time)
        if p.time > ctx.now + policy.clock_skew:
            return self.failed("presentation_from_future")
        if ctx.challenge is not None and ctx.challenge != p.challenge:
            return self.failed("challenge_mismatch")
        return self.passed("presentation_fresh", age=max(0, ctx.now - p.time))
