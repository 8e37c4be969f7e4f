"""Exports of a verified licence in standard formats, signed with the authority's registered
key: SD-JWT VC, W3C VC 2.0 secured as `vc+jwt`, ISO/IEC 18013-5 mdoc; and the trust material
(JWKS, IACA root and document-signer certificates) a third party needs to check them.

Pure, like the rest of `licence`: the caller verifies the licence, reads the registry and
passes the facts in (docs/format.md "Exports", docs/decisions/0200).
"""

from .errors import ExportError
from .facts import ExportFacts, facts_of
from .mdoc import MDL_DOCTYPE, MDL_NAMESPACE, mdoc
from .sd_jwt_vc import SD_JWT_TYP, sd_jwt_vc
from .trust import (
    KeyFacts,
    TrustFacts,
    document_signer_certificate,
    iaca_key_from_secret,
    iaca_root_certificate,
    jwk_of_key,
    jwks,
    key_record_digest,
)
from .vc_jwt import CONTEXT_URL, VC_TYP, context_document, vc_jwt

FORMATS = ("sd-jwt-vc", "vc-jwt", "mdoc")

__all__ = [
    "CONTEXT_URL",
    "FORMATS",
    "MDL_DOCTYPE",
    "MDL_NAMESPACE",
    "SD_JWT_TYP",
    "VC_TYP",
    "ExportError",
    "ExportFacts",
    "KeyFacts",
    "TrustFacts",
    "context_document",
    "document_signer_certificate",
    "facts_of",
    "iaca_key_from_secret",
    "iaca_root_certificate",
    "jwk_of_key",
    "jwks",
    "key_record_digest",
    "mdoc",
    "sd_jwt_vc",
    "vc_jwt",
]
