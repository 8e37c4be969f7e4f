"""Hard limits on the raw scanned text, checked before anything parses it."""

from __future__ import annotations

from licence.limits import MAX_TEXT_CHARS

from ..context import Context
from ..result import CheckResult
from .base import Check


class LimitsCheck(Check):
    name = "limits"
    needs_licence = False

    def run(self, ctx: Context) -> CheckResult:
        text = ctx.text
        if not isinstance(text, str):
            return self.failed("input_not_text")
        if not text:
            return self.failed("input_empty")
        if len(text) > MAX_TEXT_CHARS:
            return self.failed("text_too_long")
        if not text.isascii():  # QR alphanumeric mode (base45) is a subset of ASCII
            return self.failed("input_not_ascii")
        return self.passed("within_limits")
