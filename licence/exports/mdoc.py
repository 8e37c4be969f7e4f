"""ISO/IEC 18013-5 mdoc for driving licences: the `org.iso.18013.5.1` namespace of the mDL,
an elicence namespace for what ISO has no element for (status reference, registry), and an
issuerAuth COSE_Sign1 over the Mobile Security Object, with the document-signer
certificate in its x5chain.

The export is a DeviceResponse-shaped container ({version, documents: [{docType,
issuerSigned}], status}) so mdoc libraries read it as they read a wallet's mdoc; the holder's
device adds `deviceSigned` for each presentation (the device key is in the MSO).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import cbor2

from .. import _cose
from ..signer import Signer
from ._jose import b64url_decode, holder_key, require_es256
from .errors import ExportError
from .facts import ExportFacts

MDL_DOCTYPE = "org.iso.18013.5.1.mDL"
MDL_NAMESPACE = "org.iso.18013.5.1"
ELICENCE_NAMESPACE = "org.elicence.1"
X5CHAIN = 33  # COSE header label
_SEX = {"M": 1, "F": 2, "X": 0}  # ISO/IEC 5218: 0 not known, 1 male, 2 female


def _full_date(value: dt.date) -> cbor2.CBORTag:
    return cbor2.CBORTag(1004, value.isoformat())


@lru_cache(maxsize=1024)
def _tdate(seconds: int) -> cbor2.CBORTag:
    return cbor2.CBORTag(0, dt.datetime.fromtimestamp(seconds, dt.UTC)
                         .strftime("%Y-%m-%dT%H:%M:%SZ"))


def _head(major: int, value: int) -> bytes:
    """A CBOR head in its shortest form (RFC 8949 section 4.2.1)."""
    if value < 24:
        return bytes((major << 5 | value,))
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes((major << 5 | extra,)) + value.to_bytes(size, "big")
    raise ValueError("CBOR value too large")


@lru_cache(maxsize=256)
def _text(value: str) -> bytes:
    data = value.encode("utf-8")
    return _head(3, len(data)) + data


_ITEM_KEYS = tuple(_text(k) for k in ("digestID", "random", "elementIdentifier",
                                      "elementValue"))


def _item_bytes(digest_id: int, salt: bytes, name: str, value: Any) -> bytes:
    """IssuerSignedItem {digestID, random, elementIdentifier, elementValue} as CBOR, the
    bytes cbor2 would write; assembled by hand because a bulk export writes ~20 per licence
    (plain strings and booleans directly, other values through cbor2)."""
    if isinstance(value, bool):
        encoded = b"\xf5" if value else b"\xf4"
    elif isinstance(value, str):
        encoded = _text(value)
    else:
        encoded = cbor2.dumps(value)
    k_id, k_random, k_name, k_value = _ITEM_KEYS
    return b"".join((b"\xa4", k_id, _head(0, digest_id), k_random, _head(2, len(salt)), salt,
                     k_name, _text(name), k_value, encoded))


def _tag24_header(length: int) -> bytes:
    """CBOR tag 24 followed by the head of a byte string of `length` bytes."""
    return b"\xd8\x18" + _head(2, length)


def mdl_elements(facts: ExportFacts) -> dict[str, dict[str, Any]]:
    """The licence's claims as mDL data elements (ISO/IEC 18013-5 table 5), by namespace.
    Vehicle classes keep the issuing country's category codes; no portrait is held."""
    c = facts.claims
    iso: dict[str, Any] = {
        "family_name": c["family_name"], "given_name": c["given_name"],
        "birth_date": _full_date(c["birth_date"]), "issue_date": _full_date(c["issue_date"]),
        "expiry_date": _full_date(c["expiry_date"]), "issuing_country": facts.country,
        "issuing_authority": facts.authority_name, "issuing_jurisdiction": facts.jurisdiction,
        "document_number": c["licence_number"], "un_distinguishing_sign": "CHN",
        "driving_privileges": [{"vehicle_category_code": code}
                               for code in c["vehicle_classes"]],
    }
    for n in (18, 21, 60):
        if f"age_over_{n}" in c:
            iso[f"age_over_{n}"] = bool(c[f"age_over_{n}"])
    if "sex" in c:
        iso["sex"] = _SEX[c["sex"]]
    if "address" in c:
        iso["resident_address"] = c["address"]
    own: dict[str, Any] = {"status_ref": facts.status_ref.hex(), "registry": facts.registry,
                           "chain_id": facts.chain_id}
    if facts.copy_status_ref is not None:
        own["copy_status_ref"] = facts.copy_status_ref.hex()
    if "nationality" in c:  # ISO wants alpha-2; the licence holds ISO 3166-1 alpha-3
        own["nationality_alpha3"] = c["nationality"]
    return {MDL_NAMESPACE: iso, ELICENCE_NAMESPACE: own}


def cose_key(holder_jwk: dict[str, Any]) -> dict[int, Any]:
    """The device's P-256 key as a COSE_Key (kty EC2, crv P-256)."""
    holder_key(holder_jwk)
    return {1: 2, -1: 1, -2: b64url_decode(holder_jwk["x"]), -3: b64url_decode(holder_jwk["y"])}


def mdoc(facts: ExportFacts, signer: Signer, *, ds_certificate: bytes,
         device_jwk: dict[str, Any] | None, now: int,
         random: Callable[[int], bytes] = os.urandom) -> bytes:
    """The CBOR mdoc; `ds_certificate` is the DER document-signer certificate of the signing
    key (from `elicence authority export-trust`)."""
    require_es256(signer)
    if facts.schema.name != "driving":
        raise ExportError("An mdoc export is for driving licences (ISO/IEC 18013-5 mDL) only: "
                          "export this licence as sd-jwt-vc or vc-jwt.",
                          reason="export_type_unsupported")
    if device_jwk is None:
        raise ExportError("An mdoc is bound to the holder's device: give the device's public "
                          "key with --holder-key JWK_FILE.", reason="holder_key_missing")
    device = cose_key(device_jwk)
    name_spaces: list[bytes] = []  # each namespace's name and array of tag-24 items, as CBOR
    digests: dict[str, dict[int, bytes]] = {}
    elements = mdl_elements(facts)
    salts = random(16 * sum(len(e) for e in elements.values()))
    digest_id = 0
    for namespace, values in elements.items():
        items, ids = [_text(namespace), _head(4, len(values))], {}
        for name, value in values.items():
            encoded = _item_bytes(digest_id, salts[16 * digest_id:16 * digest_id + 16], name,
                                  value)
            # The digest is over the tag-24 data item as it stands in the document.
            item = _tag24_header(len(encoded)) + encoded
            items.append(item)
            ids[digest_id] = hashlib.sha256(item).digest()
            digest_id += 1
        name_spaces.append(b"".join(items))
        digests[namespace] = ids
    signed = _tdate(now)
    mso = {"version": "1.0", "digestAlgorithm": "SHA-256", "valueDigests": digests,
           "deviceKeyInfo": {"deviceKey": device}, "docType": MDL_DOCTYPE,
           "validityInfo": {"signed": signed, "validFrom": signed,
                            "validUntil": _tdate(facts.valid_until)}}
    payload = cbor2.dumps(cbor2.CBORTag(24, cbor2.dumps(mso)))
    protected = cbor2.dumps({1: _cose.ALG_ES256})
    signature = signer.sign(_cose.sig_structure(protected, b"", payload))
    issuer_auth = cbor2.dumps([protected, {X5CHAIN: ds_certificate}, payload, signature])
    # {"version": "1.0", "documents": [{"docType": …, "issuerSigned": {"nameSpaces": …,
    # "issuerAuth": …}}], "status": 0}, the bytes cbor2 writes for it, joined by hand from
    # the items already encoded above (tests/exports/test_formats.py compares the two).
    return b"".join((
        b"\xa3", _text("version"), _text("1.0"), _text("documents"), b"\x81",
        b"\xa2", _text("docType"), _text(MDL_DOCTYPE), _text("issuerSigned"),
        b"\xa2", _text("nameSpaces"), _head(5, len(name_spaces)), *name_spaces,
        _text("issuerAuth"), issuer_auth, _text("status"), b"\x00"))
