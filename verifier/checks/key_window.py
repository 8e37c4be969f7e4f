"""The signing key was valid when the batch was anchored.

valid_from <= anchoredAt < valid_until, and the key was not yet marked compromised: a
mark at T invalidates batches anchored at or after T only, so licences issued before a
key leaked stay valid.
"""

from __future__ import annotations

from ..context import Context
from ..result import CheckResult
from .base import Check


class KeyWindowCheck(Check):
    name = "key_window"

    def run(self, ctx: Context) -> CheckResult:
        batch, key = ctx.batch, ctx.key
        if batch is None:
            return self.unknown("batch_not_found")
        if key is None:
            return self.unknown("key_not_indexed") if not ctx.freshness.fresh \
                else self.failed("key_unknown")
        at = batch.anchored_at
        if key.compromised_at is not None and at >= key.compromised_at:
            return self.failed("key_compromised", compromised_at=key.compromised_at)
        if at < key.valid_from:
            return self.failed("key_not_yet_valid")
        if at >= key.valid_until:
            return self.failed("key_expired")
        return self.passed("key_valid_at_anchoring")
