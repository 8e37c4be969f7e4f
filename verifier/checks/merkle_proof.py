"""The licence's subtree root is anchored on chain by the authority that signed it, for
the licence type its header names."""

from __future__ import annotations

from licence import LicenceError

from ..context import Context
from ..result import CheckResult
from .base import Check


class MerkleProofCheck(Check):
    name = "merkle_proof"

    def run(self, ctx: Context) -> CheckResult:
        try:
            root = ctx.root
        except LicenceError as exc:
            return self.failed(exc.reason, fallback=(exc.message, "证照已损坏或被篡改。"))
        header = ctx.licence.header
        batch = ctx.batch
        if batch is None:
            if ctx.view.batch(root) is not None:
                return self.failed("root_anchored_by_other_authority")
            return self.unknown("root_not_indexed") if not ctx.freshness.fresh \
                else self.failed("root_not_anchored")
        if batch.licence_type != header.licence_type:
            return self.failed("batch_type_mismatch")
        return self.passed("root_anchored", block=batch.block_number)
