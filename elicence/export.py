"""Exporting a genuine licence in a standard format: verify it as a counter would (an invalid,
revoked or unconfirmable licence is refused), then re-sign its claims with the authority's
registered key (a key file or a PKCS#11 token key, through its Signer).

Composition root: reads the verifier's verdict, the registry's key records and the issuer's
keystore, and hands plain facts to `licence.exports`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from chain.installation import Installation
from chain.keystore import SIGNING
from chain.trust_material import AuthorityTrust, authority_trust
from licence import Licence, decode_unverified
from licence.errors import ElicenceError
from licence.exports import ExportError, facts_of, mdoc, sd_jwt_vc, vc_jwt
from licence.exports.facts import check_holder_key
from licence.exports.trust import KeyFacts
from licence.signer import Signer
from licence.vocabulary import Verdict
from verifier.result import Verification


class ExportRefused(ElicenceError):
    """The licence is not one that may be exported (not valid, not a full licence)."""

    reason = "export_refused"

    def __init__(self, message: str, *, verdict: str, reason: str = "export_refused") -> None:
        super().__init__(message, reason=reason)
        self.verdict = verdict


@dataclass(frozen=True)
class Exported:
    format: str
    data: bytes  # UTF-8 text for the JWT formats, CBOR for mdoc
    authority: str
    key_id: int


def licence_of(text: str, verification: Verification) -> Licence:
    """The full licence behind a valid verification, or ExportRefused saying why not."""
    if verification.verdict != Verdict.VALID:
        why = verification.decided_by.message if verification.decided_by else ""
        raise ExportRefused(f"Only a valid licence can be exported, and this one is "
                            f"{verification.verdict}: {why}".rstrip(": "),
                            verdict=str(verification.verdict), reason="export_not_valid")
    licence = decode_unverified(text)
    if not isinstance(licence, Licence) or not licence.is_full:
        raise ExportRefused("Exports are made from the printed licence (the ELC1 code on the "
                            "licence letter), which carries every claim; a live or partial "
                            "code does not.", verdict=str(verification.verdict),
                            reason="export_needs_full_licence")
    return licence


def signing_key(material: AuthorityTrust, installation: Installation, *, now: int,
                key_id: int | None) -> tuple[KeyFacts, Signer]:
    """The newest current ES256 key whose key file (or token reference) this installation
    holds, or key `key_id` when asked for."""
    from chain.cli.authority import key_file

    ident = material.trust.authority_id
    if key_id is not None:
        candidates = [k for k in material.keys if k.key_id == key_id]
        if not candidates:
            raise ExportError(f"{ident} has no key {key_id}: see `elicence authority show "
                              f"{ident}`.", reason="export_key_unknown")
    else:
        candidates = [k for k in reversed(material.keys)
                      if k.valid_from <= now < k.valid_until and not k.compromised_at
                      and installation.keystore.has(SIGNING, key_file(ident, k.key_id))]
        es256 = [k for k in candidates if k in material.es256_keys]
        # Only SM2 keys: keep the newest, whose signer refuses in one sentence.
        candidates = es256 or candidates[:1]
        if not candidates:
            raise ExportError(f"This installation holds no current signing key of {ident}: "
                              "run the export where the authority's key files (or token) are.",
                              reason="export_key_unavailable")
    key = candidates[0]
    if not key.valid_from <= now < key.valid_until or key.compromised_at:
        raise ExportError(f"Key {key.key_id} of {ident} is not current (retired, not yet "
                          "valid or compromised): leave out --key to use the current one.",
                          reason="export_key_not_current")
    signer = installation.keystore.signing_key(key_file(ident, key.key_id))
    return key, signer


def export(installation: Installation, text: str, verification: Verification, fmt: str, *,
           holder_jwk: dict[str, Any] | None = None, key_id: int | None = None,
           now: int | None = None) -> Exported:
    now = int(time.time()) if now is None else now
    licence = licence_of(text, verification)
    check_holder_key(licence, holder_jwk)
    assert verification.authority is not None
    registry = installation.registry()
    material = authority_trust(installation, registry, verification.authority["id"])
    key, signer = signing_key(material, installation, now=now, key_id=key_id)
    trust = material.trust
    facts = facts_of(licence, authority_id=trust.authority_id,
                     authority_name=trust.authority_name, jurisdiction=trust.jurisdiction,
                     registry=trust.registry, chain_id=trust.chain_id, key_id=key.key_id)
    if fmt == "sd-jwt-vc":
        data = sd_jwt_vc(facts, signer, now=now, holder_jwk=holder_jwk).encode("ascii")
    elif fmt == "vc-jwt":
        data = vc_jwt(facts, signer, now=now, holder_jwk=holder_jwk).encode("ascii")
    elif fmt == "mdoc":
        certificate = material.document_signer(key).public_bytes(Encoding.DER)
        data = mdoc(facts, signer, ds_certificate=certificate, device_jwk=holder_jwk, now=now)
    else:
        raise ExportError(f"Unknown export format {fmt!r}: choose sd-jwt-vc, vc-jwt or mdoc.",
                          reason="export_format_unknown")
    return Exported(fmt, data, trust.authority_id, key.key_id)
