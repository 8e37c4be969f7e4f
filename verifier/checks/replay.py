"""Live codes are single-use: a code already accepted by any replica of this installation
(its digest in the shared replay cache) is `invalid (replayed)`. Runs last, so a code
stops counting as unused only when everything else about it held. Printed codes are
never cached (they are meant to be shown again and again)."""

from __future__ import annotations

from ..context import Context
from ..replay import ReplayCache, code_digest
from ..result import CheckResult
from .base import Check


class ReplayCheck(Check):
    name = "replay"

    def __init__(self, cache: ReplayCache) -> None:
        self.cache = cache

    def applies(self, ctx: Context) -> bool:
        return ctx.presentation is not None

    def run(self, ctx: Context) -> CheckResult:
        p = ctx.presentation
        assert p is not None
        expires = p.time + ctx.policy.presentation_max_age
        if self.cache.first_use(code_digest(p.body), now=ctx.now, expires=expires):
            return self.passed("first_use")
        return self.failed("replayed")
