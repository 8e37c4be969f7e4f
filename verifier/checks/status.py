"""The licence's status in the local index, keyed by (authority number, status reference),
as the shared rule `chain.status.licence_state` reads it (revoked is final; anything else
from a stale index is unknown). A wallet copy is also checked under its own reference
(licence.copy_status_ref), which `elicence revoke-copy` revokes alone."""

from __future__ import annotations

from typing import Any

from chain.index import StatusInfo
from chain.status import licence_state
from licence.copy_ref import copy_status_ref
from licence.status_reasons import describe_class
from licence.vocabulary import LicenceState, StatusCode

from ..context import Context
from ..result import CheckResult
from ..timefmt import age_text, utc_text
from .base import Check


class StatusCheck(Check):
    name = "status"

    def run(self, ctx: Context) -> CheckResult:
        licence = ctx.licence
        record = ctx.status
        answer = licence_state(record, now=ctx.now, freshness=ctx.freshness)
        state, reason = answer.state, answer.reason
        if state != LicenceState.REVOKED and licence.device_digest is not None:
            copy = ctx.view.status(licence.header.authority,
                                   copy_status_ref(licence.status_ref, licence.device_digest))
            if copy is not None and copy.status == StatusCode.REVOKED:  # final, like revoked
                return self.failed("copy_revoked", since=utc_text(copy.block_time),
                                   record=_record(LicenceState.REVOKED, copy), **_why(copy))
        if state == LicenceState.ACTIVE:
            return self.passed(reason)
        if state == LicenceState.UNKNOWN:
            if reason == "status_code_unknown":
                return self.unknown(reason, code=record.status if record else None)
            return self.unknown(reason, age=age_text(ctx.freshness.age),
                                head_age=age_text(ctx.freshness.head_age))
        assert record is not None
        details: dict[str, Any] = {"record": _record(state, record)}
        if state == LicenceState.REVOKED:
            details.update(since=utc_text(record.block_time), **_why(record))
        elif state == LicenceState.SUSPENDED:
            details.update(until=utc_text(record.until), **_why(record))
        return self.failed(reason, **details)


def _why(info: StatusInfo) -> dict[str, str]:
    words = describe_class(info.reason_class)
    return {"why": words.en, "why_zh": words.zh}


def _record(state: str, info: StatusInfo) -> dict[str, Any]:
    """The status block of the verification result (no personal data: chain facts only)."""
    words = describe_class(info.reason_class)
    return {"state": state, "reason_code": info.reason_class, "reason": words.name,
            "reason_en": words.en, "reason_zh": words.zh,
            "until": info.until if state == LicenceState.SUSPENDED else None,
            "successor": info.successor.hex() if info.successor else None,
            "changed_at": info.block_time, "block": info.block_number}
