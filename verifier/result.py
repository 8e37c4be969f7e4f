"""What a verification produces: one CheckResult per check, the verdict, and its JSON form.

`to_json` is the only place the result's JSON shape is defined; the CLI (--json) and the
HTTP API both call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from licence.vocabulary import Outcome, Verdict

from .reasons import message

# Module-level names for the hot path (an enum attribute lookup costs more than a global).
PASS, FAIL, UNKNOWN, SKIPPED = Outcome.PASS, Outcome.FAIL, Outcome.UNKNOWN, Outcome.SKIPPED

# A failing check's (name, reason) that has its own verdict; other failures are `invalid`,
# and failures of the checks in _UNREADABLE_CHECKS are `unreadable`.
_FAIL_VERDICTS = {
    ("status", "revoked"): Verdict.REVOKED,
    ("status", "copy_revoked"): Verdict.REVOKED,  # one wallet copy (elicence revoke-copy)
    ("status", "suspended"): Verdict.SUSPENDED,
    ("validity", "expired"): Verdict.EXPIRED,
    # A phone-bound copy shown as a printed code is readable, just not acceptable so.
    ("decode", "bound_licence_not_live"): Verdict.INVALID,
}
_UNREADABLE_CHECKS = frozenset({"limits", "decode"})
# Runs last; its failure means "genuine, but not taken here", which needs every other check
# passed: after an unknown the verdict stays unknown (verifier.checks.acceptance).
_ACCEPTANCE = "acceptance"


class CheckResult(NamedTuple):
    """One check's outcome (a NamedTuple: results are made on the hot path)."""

    name: str
    result: Outcome
    reason: str
    details: Mapping[str, Any] = MappingProxyType({})  # values for the message
    # (en, zh) for reasons whose sentence comes from elsewhere (a licence error's message)
    fallback: tuple[str, str] | None = None

    @property
    def message(self) -> str:
        return message(self.reason, self.details, self.fallback)[0]

    @property
    def message_zh(self) -> str:
        return message(self.reason, self.details, self.fallback)[1]

    def to_dict(self) -> dict[str, Any]:
        en, zh = message(self.reason, self.details, self.fallback)
        return {"name": self.name, "result": self.result, "reason": self.reason,
                "message": en, "message_zh": zh}


def verdict_of(results: Sequence[CheckResult]) -> tuple[Verdict, CheckResult | None]:
    """The verdict and the check that decided it (None when valid).

    The first failing check decides; otherwise any unknown (or a check that did not run)
    makes the verdict unknown; `valid` needs every check passed or not applicable.
    """
    declined = None
    for r in results:
        if r.result == FAIL:
            if r.name == _ACCEPTANCE:
                declined = r
                break
            verdict = _FAIL_VERDICTS.get((r.name, r.reason))
            if verdict is None:
                verdict = Verdict.UNREADABLE if r.name in _UNREADABLE_CHECKS \
                    else Verdict.INVALID
            return verdict, r
    for r in results:
        if r.result == UNKNOWN or (r.result == SKIPPED and r.reason != "not_applicable"):
            return Verdict.UNKNOWN, r
    if declined is not None:
        return Verdict.NOT_ACCEPTED, declined
    if not results:
        return Verdict.UNKNOWN, None
    return Verdict.VALID, None


@dataclass(frozen=True)
class AsOf:
    """How fresh the index answering this verification was."""

    block: int
    block_time: int
    synced_at: int


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    checks: tuple[CheckResult, ...]
    decided_by: CheckResult | None
    presentation: str | None  # "printed" | "live" | None when unreadable
    licence_type: Mapping[str, Any] | None
    authority: Mapping[str, Any] | None
    claims: Mapping[str, Any]  # disclosed claims; empty unless the signature verified
    status: Mapping[str, Any] | None  # when revoked / suspended / superseded
    status_as_of: AsOf | None
    # Passed checks the counter must still read out (a suspended authority's grace period).
    warnings: tuple[CheckResult, ...] = ()
    # An agent's accepted code: on whose behalf and until when (verifier.delegations).
    delegation: Mapping[str, Any] | None = None

    @property
    def is_valid(self) -> bool:
        return self.verdict == Verdict.VALID


def json_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """Claim values as JSON: dates become ISO 8601 strings."""
    return {name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in claims.items()}


def to_json(v: Verification) -> dict[str, Any]:
    """The verification result as the JSON document of the CLI and the HTTP API."""
    as_of = None if v.status_as_of is None else {
        "block": v.status_as_of.block, "time": v.status_as_of.block_time,
        "synced_at": v.status_as_of.synced_at}
    out: dict[str, Any] = {
        "verdict": v.verdict,
        "reason": None if v.decided_by is None else v.decided_by.reason,
        "checks": [c.to_dict() for c in v.checks],
        "claims": json_claims(v.claims),
        "authority": None if v.authority is None else dict(v.authority),
        "licence_type": None if v.licence_type is None else dict(v.licence_type),
        "status_as_of": as_of,
        "presentation": v.presentation,
    }
    if v.status is not None:
        out["status"] = dict(v.status)
    if v.warnings:
        out["warnings"] = [warning_json(w) for w in v.warnings]
    if v.delegation is not None:
        out["delegation"] = dict(v.delegation)
    return out


def warnings_of(results: Sequence[CheckResult]) -> tuple[CheckResult, ...]:
    return tuple(r for r in results if r.result == PASS and r.details.get("warning"))


def warning_json(w: CheckResult) -> dict[str, Any]:
    en, zh = message(w.reason, w.details, w.fallback)
    return {"check": w.name, "reason": w.reason, "message": en, "message_zh": zh,
            "until": w.details.get("until_time")}
