"""Live presentations: the presenting device key is the one the licence copy is bound to,
and it signed the presentation.

The bound licence commits to H(device key) in its leaf, and the verifier recomputes that
digest from the presented key, so a foreign key already breaks the authority's signature;
this check adds the device's own signature over what is shown.
"""

from __future__ import annotations

from licence import LicenceError

from ..context import Context
from ..result import CheckResult
from .base import Check


class DeviceBindingCheck(Check):
    name = "device_binding"

    def applies(self, ctx: Context) -> bool:
        return ctx.presentation is not None

    def run(self, ctx: Context) -> CheckResult:
        p = ctx.presentation
        assert p is not None
        try:
            # Freshness is the next check's job: judged at the code's own time it always holds.
            p.verify_device(now=p.time, challenge=None)
        except LicenceError as exc:
            return self.failed(exc.reason, fallback=(exc.message, "动态二维码无效，请重新出示。"))
        return self.passed("device_bound")
