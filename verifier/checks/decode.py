"""Decoding ELC1/ELP1 text into an (unverified) licence or live presentation.

The reason codes are the licence package's own (prefix_unknown, cbor_too_deep, ...).
"""

from __future__ import annotations

from ..context import Context
from ..reasons import MESSAGES
from ..result import CheckResult
from .base import Check


class DecodeCheck(Check):
    name = "decode"
    needs_licence = False

    def run(self, ctx: Context) -> CheckResult:
        error = ctx.decode_error
        if error is None:
            return self.passed("decoded")
        fallback = None
        if error.reason not in MESSAGES:
            fallback = (error.message, "二维码无法识别为电子证照。")
        return self.failed(error.reason, fallback=fallback)
