"""W3C Verifiable Credentials Data Model 2.0, secured with JOSE as `vc+jwt`
(W3C VC-JOSE-COSE): the credential itself is the JWT payload.

The licence terms are defined by the JSON-LD context shipped beside this module
(context-v1.json), named by CONTEXT_URL; JSON-LD processors load it from this file (a
document loader with a fixed map), as they do the W3C base context, and never fetch it.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from typing import Any

from ..signer import Signer
from ._jose import public_holder_jwk, sign_compact
from .facts import ExportFacts

VC_TYP = "vc+jwt"
BASE_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CONTEXT_URL = "urn:elicence:context:licence:v1"


@cache
def context_document() -> dict[str, Any]:
    """The JSON-LD context of the licence terms, as shipped."""
    text = resources.files(__package__).joinpath("context-v1.json").read_text("utf-8")
    return json.loads(text)


def credential_type(facts: ExportFacts) -> str:
    return f"Elicence{facts.schema.name.capitalize()}Licence"


def _utc(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential(facts: ExportFacts, *, holder_jwk: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    subject: dict[str, Any] = dict(facts.json_claims())
    if holder_jwk is not None:
        # The holder as a did:jwk would need a DID method; the key itself binds the subject.
        subject["holderKey"] = public_holder_jwk(holder_jwk)
    status: dict[str, Any] = {"type": "ElicenceRegistryStatus", "registry": facts.registry,
                              "chainId": facts.chain_id,
                              "statusReference": facts.status_ref.hex()}
    if facts.copy_status_ref is not None:
        status["copyStatusReference"] = facts.copy_status_ref.hex()
    return {
        "@context": [BASE_CONTEXT, CONTEXT_URL],
        "type": ["VerifiableCredential", credential_type(facts)],
        "issuer": {"id": facts.issuer, "name": facts.authority_name},
        "validFrom": _utc(facts.valid_from),
        "validUntil": _utc(facts.valid_until),
        "credentialSubject": subject,
        "credentialStatus": status,
    }


def vc_jwt(facts: ExportFacts, signer: Signer, *, now: int,
           holder_jwk: dict[str, Any] | None = None) -> str:
    """The credential as a compact JWS; `iat`, `nbf` and `exp` repeat its dates for JWT
    libraries that check only registered claims."""
    payload = {**credential(facts, holder_jwk=holder_jwk), "iss": facts.issuer, "iat": now,
               "nbf": facts.valid_from, "exp": facts.valid_until}
    header = {"alg": "ES256", "typ": VC_TYP, "cty": "vc", "kid": str(facts.key_id)}
    return sign_compact(header, payload, signer)
