"""Revoked delegations, shared by every replica of an installation (docs/decisions/0221).

A holder ends a delegation before its date by having its device sign the delegation's id
(licence.delegation.revocation_message) and posting that with the delegation itself to
POST /api/v1/delegations/revoke. The installation checks that the same holder key signed
both, so only the holder can revoke, and keeps the id in its shared state store (like the
replay cache and the usage records: SQLite in ELICENCE_HOME, or the PostgreSQL named by
ELICENCE_VERIFIER_STATE_URL), where every replica's DelegationCheck reads it. A revocation
is kept until the delegation's own end date: after it, the delegation is refused as
ended anyway.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table, delete, select

from licence import Delegation, LicenceError, verify_device_signature
from licence.delegation import revocation_message

from .errors import RequestError
from .state import StateStore, create_tables
from .timefmt import utc_text

metadata = MetaData()
revoked_delegations = Table(
    "revoked_delegations", metadata,
    Column("id", LargeBinary(16), primary_key=True),  # Delegation.id
    Column("until", Integer, nullable=False),  # the delegation's end: kept until then
    Column("revoked_at", Integer, nullable=False))


class DelegationRevoked(Protocol):
    def is_revoked(self, delegation_id: bytes) -> bool: ...


class RevocationError(RequestError):
    """A revocation request that does not prove it comes from the delegating holder."""

    reason = "delegation_revocation_invalid"


def check_revocation(delegation_bytes: bytes, signature: bytes) -> Delegation:
    """The delegation a holder revokes, once both its signature and `signature` (over
    its id) are shown to be the holder's; RevocationError otherwise."""
    try:
        delegation = Delegation.from_bytes_unverified(delegation_bytes)
        delegation.verify_signature()
    except LicenceError:
        raise RevocationError("The delegation is malformed or not signed by its holder: send "
                              "the delegation exactly as the wallet stored it.") from None
    try:
        verify_device_signature(delegation.holder_key, signature,
                                revocation_message(delegation.id))
    except LicenceError:
        raise RevocationError("The revocation is not signed by the holder who made the "
                              "delegation: sign it with the same wallet.",
                              reason="signature_invalid") from None
    return delegation


class RevokedDelegations:
    """The installation's list of revoked delegation ids."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        create_tables(metadata, store.engine)
        self._insert = store.insert_new(revoked_delegations)

    def revoke(self, delegation: Delegation, *, now: int) -> None:
        """Records the revocation (again: nothing changes); drops ended ones."""
        t = revoked_delegations.c
        with self.store.engine.begin() as connection:
            connection.execute(self._insert, {"id": delegation.id,
                                              "until": delegation.valid_until,
                                              "revoked_at": now})
            connection.execute(delete(revoked_delegations).where(t.until < now))

    def is_revoked(self, delegation_id: bytes) -> bool:
        t = revoked_delegations.c
        with self.store.engine.connect() as connection:
            return connection.execute(select(t.id).where(t.id == delegation_id)).first() \
                is not None


def agent_document(delegation: Delegation, claims: Mapping[str, Any]) -> dict[str, Any]:
    """The result's `delegation` block for an accepted agent's code: on whose behalf (the
    holder's name, when the delegation lets the agent show it) and until when."""
    return {"agent": True, "on_behalf_of": holder_name(claims),
            "until": utc_text(delegation.valid_until), "until_time": delegation.valid_until,
            "id": delegation.id.hex()}


def agent_sighting_ref(status_ref: bytes, delegation_id: str) -> bytes:
    """The reference the alert detectors file an agent's sightings under: one per licence
    and delegation, so an agent and the holder (or two agents) showing one licence in two
    cities at once are not taken for a cloned phone, while one agent's phone seen in two
    cities at once still is."""
    return hashlib.sha256(b"elicence/agent-sighting\x00" + status_ref
                          + bytes.fromhex(delegation_id)).digest()[:16]


def holder_name(claims: Mapping[str, Any]) -> str | None:
    """A company's name, or a person's (family name first when written in Chinese)."""
    company = claims.get("company_name")
    if isinstance(company, str):
        return company
    family, given = claims.get("family_name"), claims.get("given_name")
    if not isinstance(family, str) and not isinstance(given, str):
        return None
    family, given = family or "", given or ""
    if _HAN.fullmatch(family + given):
        return family + given
    return f"{given} {family}".strip()


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
