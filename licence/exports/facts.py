"""What an export states, gathered once: the licence's claims and dates, and the registry
facts that let a third party find its status and its signing key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization

from .._hash import device_key_digest
from ..licence import Licence
from ..schema import Claims, Schema, load_schema
from ._jose import holder_key
from .errors import ExportError


@dataclass(frozen=True)
class ExportFacts:
    """A verified licence and where it is anchored; `key_id` is the authority key that signs
    the export (its JWKS kid), not necessarily the one that signed the licence."""

    schema: Schema
    claims: Claims
    valid_from: int  # unix seconds
    valid_until: int
    status_ref: bytes
    authority_id: str  # e.g. CN-31-DMV
    authority_number: int
    authority_name: str  # the English display name
    jurisdiction: str  # e.g. CN-31
    registry: str  # the registry contract's address
    chain_id: int
    key_id: int
    # A wallet copy's own status reference (0142): exported from the wallet, the export is
    # withdrawn with that device's copy as well as with the licence.
    copy_status_ref: bytes | None = None

    @property
    def issuer(self) -> str:
        """The authority as a URI: chain, registry and authority id name it uniquely."""
        return f"urn:elicence:authority:{self.chain_id}:{self.registry.lower()}:{self.authority_id}"

    @property
    def country(self) -> str:
        return self.jurisdiction.split("-", 1)[0]

    def json_claims(self) -> dict[str, Any]:
        """Claim values as JSON: dates as ISO 8601, lists as arrays."""
        return {name: (value.isoformat() if isinstance(value, dt.date)
                       else list(value) if isinstance(value, tuple) else value)
                for name, value in self.claims.items()}

    def status(self) -> dict[str, Any]:
        """Where the licence's status lives: the registry's opaque status reference."""
        status: dict[str, Any] = {"registry": self.registry, "chain_id": self.chain_id,
                                  "status_ref": self.status_ref.hex()}
        if self.copy_status_ref is not None:
            status["copy_status_ref"] = self.copy_status_ref.hex()
        return status


def facts_of(licence: Licence, *, authority_id: str, authority_name: str, jurisdiction: str,
             registry: str, chain_id: int, key_id: int,
             copy_status_ref: bytes | None = None) -> ExportFacts:
    """The facts of a full licence whose verification the caller has completed."""
    return ExportFacts(
        schema=load_schema(licence.header.licence_type), claims=dict(licence.claims),
        valid_from=licence.valid_from, valid_until=licence.valid_until,
        status_ref=licence.status_ref, authority_id=authority_id,
        authority_number=licence.header.authority, authority_name=authority_name,
        jurisdiction=jurisdiction, registry=registry, chain_id=chain_id, key_id=key_id,
        copy_status_ref=copy_status_ref)


def check_holder_key(licence: Licence, holder_jwk: dict[str, Any] | None) -> None:
    """A copy bound to a device is exported bound to that same device only: its holder key
    must be the device key the copy's leaf commits to (another key would re-bind it)."""
    if licence.device_digest is None:
        if holder_jwk is not None:
            holder_key(holder_jwk)
        return
    if holder_jwk is None:
        raise ExportError("This copy is bound to the holder's device: give that device's "
                          "public key with --holder-key JWK_FILE.", reason="holder_key_missing")
    point = holder_key(holder_jwk).public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.CompressedPoint)
    if device_key_digest(point, licence.header.suite.new) != licence.device_digest:
        raise ExportError("The holder key is not the device key this copy is bound to: give "
                          "the public key of the device that holds the copy.",
                          reason="holder_key_mismatch")
