"""elicence credential format: claims, salted commitments, batch signing, QR codec.

Pure: no I/O, no chain, no database. See docs/format.md.
"""

from ._cose import public_key_from_bytes
from ._hash import device_key_digest
from ._sm2 import Sm2PrivateKey, Sm2PublicKey
from ._suites import (
    ES256,
    SM2_SM3,
    SUITES,
    Suite,
    authority_key_from_bytes,
    encoded_public_key,
    generate_private_key,
    private_key_from_scalar,
    private_scalar,
    suite_of_key,
)
from .copy_ref import copy_status_ref
from .decode import decode_unverified
from .delegation import Delegation, delegated_copy_text, read_delegated_copy
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
from .presentation import (
    Presentation,
    compressed_public_key,
    delegate,
    present,
    present_delegated,
)
from .schema import Schema, load_schema
from .signer import KeySigner, Signer

__all__ = [
    "ES256",
    "SM2_SM3",
    "SUITES",
    "Batch",
    "ClaimsError",
    "DecodeError",
    "Delegation",
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
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "Suite",
    "authority_key_from_bytes",
    "build_batch",
    "compressed_public_key",
    "copy_status_ref",
    "decode_unverified",
    "delegate",
    "delegated_copy_text",
    "device_key_digest",
    "encoded_public_key",
    "generate_private_key",
    "load_schema",
    "present",
    "present_delegated",
    "private_key_from_scalar",
    "private_scalar",
    "public_key_from_bytes",
    "read_delegated_copy",
    "suite_of_key",
    "verify_device_signature",
]
