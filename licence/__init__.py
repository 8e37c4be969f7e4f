"""elicence credential format: claims, salted commitments, batch signing, QR codec.

Pure: no I/O, no chain, no database. See docs/format.md.
"""

from ._cose import public_key_from_bytes
from ._hash import device_key_digest
from .copy_ref import copy_status_ref
from .decode import decode_unverified
from .device import verify_device_signature
from .errors import (
    ClaimsError,
    DecodeError,
    ElicenceError,
    ExpiredError,
    FieldError,
    LicenceError,
    LimitError,
    PresentationError,
    ProofError,
    SchemaError,
    SignatureError,
)
from .licence import Batch, Licence, LicenceItem, RootHeader, SignedRoot, build_batch
from .presentation import Presentation, compressed_public_key, present
from .schema import Schema, load_schema
from .signer import KeySigner, Signer

__all__ = [
    "Batch",
    "ClaimsError",
    "DecodeError",
    "ElicenceError",
    "ExpiredError",
    "FieldError",
    "KeySigner",
    "Licence",
    "LicenceError",
    "LicenceItem",
    "LimitError",
    "Presentation",
    "PresentationError",
    "ProofError",
    "RootHeader",
    "Schema",
    "SchemaError",
    "SignatureError",
    "SignedRoot",
    "Signer",
    "build_batch",
    "compressed_public_key",
    "copy_status_ref",
    "decode_unverified",
    "device_key_digest",
    "load_schema",
    "present",
    "public_key_from_bytes",
    "verify_device_signature",
]
