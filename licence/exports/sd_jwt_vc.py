"""SD-JWT VC (IETF draft-ietf-oauth-sd-jwt-vc): every claim its own disclosure, the holder's
key in `cnf`, the registry status reference in `status`.

The issuer-signed JWT carries only digests of the disclosures plus what a verifier needs
before any disclosure (issuer, type, validity, key binding, status); the holder presents
any subset of disclosures, with a key-binding JWT from the `cnf` key.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

from ..signer import Signer
from ._jose import b64url, compact_json, public_holder_jwk, require_es256, sign_compact
from .facts import ExportFacts

SD_JWT_TYP = "dc+sd-jwt"
STATUS_MECHANISM = "elicence_registry"  # our status mechanism's member of `status`
SALT_BYTES = 16


def vct(facts: ExportFacts) -> str:
    """The credential type: one per licence type (driving, business, professional)."""
    return f"urn:elicence:vct:{facts.schema.name}"


def disclosure(salt: bytes, name: str, value: Any) -> str:
    return b64url(compact_json([b64url(salt), name, value]))


def digest(encoded_disclosure: str) -> str:
    return b64url(hashlib.sha256(encoded_disclosure.encode("ascii")).digest())


def sd_jwt_vc(facts: ExportFacts, signer: Signer, *, now: int,
              holder_jwk: dict[str, Any] | None = None,
              random: Callable[[int], bytes] = os.urandom) -> str:
    """The SD-JWT VC with every disclosure: `<issuer JWT>~<disclosure>~…~`."""
    require_es256(signer)
    claims = facts.json_claims()
    salts = random(SALT_BYTES * len(claims))
    disclosures = [disclosure(salts[SALT_BYTES * i:SALT_BYTES * (i + 1)], name, value)
                   for i, (name, value) in enumerate(claims.items())]
    payload: dict[str, Any] = {
        "iss": facts.issuer, "iat": now, "nbf": facts.valid_from, "exp": facts.valid_until,
        "vct": vct(facts), "_sd_alg": "sha-256",
        # Sorted, so the order of the digests tells nothing about which claim is which.
        "_sd": sorted(digest(d) for d in disclosures),
        "status": {STATUS_MECHANISM: facts.status()},
    }
    if holder_jwk is not None:
        payload["cnf"] = {"jwk": public_holder_jwk(holder_jwk)}
    header = {"alg": "ES256", "typ": SD_JWT_TYP, "kid": str(facts.key_id)}
    return "~".join([sign_compact(header, payload, signer), *disclosures, ""])
