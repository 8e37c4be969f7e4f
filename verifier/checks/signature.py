"""The authority's signature over the licence's subtree root, under the key the index
holds for (authority, key id).

Many licences share one subtree root, so a verified (protected header, signature, root,
key) quadruple is remembered and ECDSA runs once per root, not once per licence.
"""

from __future__ import annotations

from licence import LicenceError

from ..context import Context
from ..result import CheckResult
from .base import Check


class SignatureCheck(Check):
    name = "signature"

    def run(self, ctx: Context) -> CheckResult:
        key = ctx.key
        if key is None:
            return self.unknown("key_not_indexed") if not ctx.freshness.fresh \
                else self.failed("key_unknown")
        licence = ctx.licence
        try:
            root = ctx.root
        except LicenceError as exc:
            return self.failed(exc.reason, fallback=(exc.message, "证照已损坏或被篡改。"))
        triple = (licence.protected, licence.signature, root, key.public_key)
        if ctx.view.signature_known_good(triple):
            return self.passed("signature_valid")
        try:
            licence.verify_signature(ctx.view.public_key(key.public_key))
        except LicenceError as exc:
            return self.failed(exc.reason, fallback=(exc.message, "签名无效。"))
        ctx.view.remember_good_signature(triple)
        return self.passed("signature_valid")
