"""Exporting a wallet copy in a standard format: the wallet asks, signed by its copy's device
key, for an SD-JWT VC, a `vc+jwt` or an mdoc of that copy, signed by the authority (a wallet
cannot sign as the authority) and bound to the same device key (`cnf` / holderKey /
DeviceKeyInfo), so only that device can present it.

    POST /api/v1/claims/export  {"format", "device_key", "status_ref", "signature"} (b64url),
                                "time"
    message = "elicence/export/v1" 0x00 format (ASCII) 0x00 time (8 B, big-endian)
              status ref (16 B) device key (33 B)

The copy comes from the issuer's own store (it signed and anchored it), so no verification
round: the store says whether the copy is withdrawn (`copy_revoked`) and whether the licence
is still active (`licence_not_active`). Replays: the time must be within the allowed clock
skew and later than the copy's last accepted signed request (the column refresh requests
use: one clock per copy for requests that make the issuer sign). The export states the
copy's own status reference beside the licence's, so withdrawing this device's copy also
withdraws its exports. See docs/decisions/0260-exports-from-the-wallet.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding

from chain.trust_material import AuthorityTrust
from issuer.claims.copies import accept_once, device_copy, signed_device_key
from issuer.errors import ClaimError
from issuer.store import CopyState, Store
from licence import Licence
from licence.exports import FORMATS, facts_of, mdoc, sd_jwt_vc, vc_jwt
from licence.exports._jose import ec_jwk
from licence.exports.facts import check_holder_key
from licence.exports.trust import KeyFacts
from licence.signer import Signer
from licence.vocabulary import LicenceState

EXPORT_LABEL = b"elicence/export/v1\0"
MEDIA_TYPES = {"sd-jwt-vc": "application/dc+sd-jwt", "vc-jwt": "application/vc+jwt",
               "mdoc": "application/mdoc+cbor"}


@dataclass(frozen=True)
class ExportKey:
    """The key an authority's exports are signed with now, and its trust material."""

    key: KeyFacts
    signer: Signer
    material: AuthorityTrust


@dataclass(frozen=True)
class CopyExport:
    licence_id: int
    authority_id: str
    format: str
    data: bytes  # ASCII text for the JWT formats, CBOR for mdoc
    key_id: int  # the authority key that signed it (the JWKS kid)


def export_message(fmt: str, time: int, status_ref: bytes, device_key: bytes) -> bytes:
    return (EXPORT_LABEL + fmt.encode("ascii") + b"\0" + time.to_bytes(8, "big") + status_ref
            + device_key)


def export_format(value: object) -> str:
    if not isinstance(value, str) or value not in FORMATS:
        raise ClaimError("The field format must be sd-jwt-vc, vc-jwt or mdoc.",
                         reason="bad_request", field="format")
    return value


def export_copy(store: Store, export_key: Callable[[str], ExportKey], *, fmt: str,
                device_key: bytes, status_ref: bytes, time: int, signature: bytes,
                now: int) -> CopyExport:
    """Checks a signed export request and returns the export of the asking device's copy;
    `export_key` gives an authority's current export key (ExportError when it has none)."""
    fmt = export_format(fmt)
    key = signed_device_key(device_key=device_key, status_ref=status_ref, time=time,
                            signature=signature, now=now,
                            message=lambda t, ref, k: export_message(fmt, t, ref, k))
    binding, record = device_copy(store, key, status_ref, "export")
    if binding.state == CopyState.REVOKED:
        raise ClaimError("This device's copy of the licence has been withdrawn by the issuing "
                         "authority, so it cannot be exported.", reason="copy_revoked")
    if record.status != LicenceState.ACTIVE or binding.encoded is None:
        raise ClaimError(f"This licence is {record.status}, so its copy cannot be exported: "
                         "add the licence that replaced it with its own claim code.",
                         reason="licence_not_active")
    accept_once(store, binding.id, time, "export")
    copy = Licence.from_bytes_unverified(binding.encoded)  # signed and anchored by us
    holder = ec_jwk(key)
    check_holder_key(copy, holder)  # the copy commits to this very key (defence in depth)
    signing = export_key(record.authority_id)
    trust, key_id, signer = signing.material.trust, signing.key.key_id, signing.signer
    facts = facts_of(copy, authority_id=trust.authority_id, authority_name=trust.authority_name,
                     jurisdiction=trust.jurisdiction, registry=trust.registry,
                     chain_id=trust.chain_id, key_id=key_id, copy_status_ref=binding.copy_ref)
    if fmt == "sd-jwt-vc":
        data = sd_jwt_vc(facts, signer, now=now, holder_jwk=holder).encode("ascii")
    elif fmt == "vc-jwt":
        data = vc_jwt(facts, signer, now=now, holder_jwk=holder).encode("ascii")
    else:
        certificate = signing.material.document_signer(signing.key)
        data = mdoc(facts, signer, ds_certificate=certificate.public_bytes(Encoding.DER),
                    device_jwk=holder, now=now)
    return CopyExport(record.id, record.authority_id, fmt, data, key_id)
