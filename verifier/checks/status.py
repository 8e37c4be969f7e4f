"""The licence's status in the local index, keyed by (authority number, status reference).

Revoked is final, so a revocation found in a stale index is still certain; any other
answer from an index older than the policy's maximum staleness is unknown.
"""

from __future__ import annotations

from typing import Any

from chain.index import StatusInfo
from chain.records import REINSTATED, REVOKED, SUPERSEDED, SUSPENDED
from licence.status_reasons import describe

from ..context import Context
from ..result import CheckResult
from ..timefmt import age_text, utc_text
from .base import Check


class StatusCheck(Check):
    name = "status"

    def run(self, ctx: Context) -> CheckResult:
        licence = ctx.licence
        info = ctx.view.status(licence.header.authority, licence.status_ref)
        if info is not None and info.status == REVOKED:
            return self.failed("revoked", since=utc_text(info.block_time),
                               record=_record("revoked", info), **_why(info))
        if ctx.state is None:
            return self.unknown("status_index_empty")
        if ctx.index_stale:
            return self.unknown("status_index_stale", age=age_text(ctx.index_age))
        if info is None:
            return self.passed("status_active")
        if info.status == SUSPENDED:
            if info.until > ctx.now:
                return self.failed("suspended", until=utc_text(info.until),
                                   record=_record("suspended", info), **_why(info))
            return self.passed("suspension_ended")
        if info.status == SUPERSEDED:
            return self.failed("superseded", record=_record("superseded", info))
        if info.status == REINSTATED:
            return self.passed("status_reinstated")
        return self.unknown("status_code_unknown", code=info.status)


def _why(info: StatusInfo) -> dict[str, str]:
    words = describe(info.reason)
    return {"why": words.en, "why_zh": words.zh}


def _record(state: str, info: StatusInfo) -> dict[str, Any]:
    """The status block of the verification result (no personal data: chain facts only)."""
    words = describe(info.reason)
    return {"state": state, "reason_code": info.reason, "reason": words.name,
            "reason_en": words.en, "reason_zh": words.zh,
            "until": info.until if state == "suspended" else None,
            "successor": info.successor.hex() if info.successor else None,
            "changed_at": info.block_time, "block": info.block_number}
