"""An agent's live code: the holder delegated this licence to the phone showing it, for
at least the claims shown, until a date not yet past, and has not revoked it; and nobody
passed it on (a delegation signed by a delegate is refused).

That the delegation's holder key is the one bound in the licence is proven by the
signature check (the licence's device digest is recomputed from it) and the device
binding check (the agent's own signature over the code)."""

from __future__ import annotations

from licence import LicenceError

from ..context import Context
from ..delegations import DelegationRevoked
from ..result import CheckResult
from ..timefmt import utc_text
from .base import Check


class DelegationCheck(Check):
    name = "delegation"

    def __init__(self, revoked: DelegationRevoked | None = None) -> None:
        # None (a verifier without the installation's shared state, e.g. the command line):
        # whether the holder revoked it cannot be known, so an agent's code is unknown.
        self.revoked = revoked

    def applies(self, ctx: Context) -> bool:
        p = ctx.presentation
        return p is not None and bool(p.delegations)

    def run(self, ctx: Context) -> CheckResult:
        p = ctx.presentation
        assert p is not None
        if len(p.delegations) > 1:
            return self.failed("redelegation_refused")
        delegation = p.delegations[0]
        try:
            delegation.verify_signature()
            delegation.check_claims(p.licence)
            delegation.check_time(ctx.now)
        except LicenceError as exc:
            details = dict(exc.context)
            if "until" in details:
                details["until"] = utc_text(details["until"])
            if "claims" in details:
                details["claims"] = ", ".join(details["claims"])
            return self.failed(exc.reason, **details)
        until = utc_text(delegation.valid_until)
        if self.revoked is None:
            return self.unknown("delegation_revocation_unknown")
        if self.revoked.is_revoked(delegation.id):
            return self.failed("delegation_revoked", until=until)
        return self.passed("delegation_valid", until=until, until_time=delegation.valid_until)
