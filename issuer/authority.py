"""What an authority needs at hand to issue: its number on chain, the signing key in force,
its role accounts (through registry clients) and its claim-code secret.

Each job opens only the role accounts it needs (docs/decisions/0110-roles-and-bounded-
powers.md): issuance and the claim server the anchor account (`<ID>-anchor`), lifecycle
jobs also the status account (`<ID>-status`)."""

from __future__ import annotations

from dataclasses import dataclass

from chain.installation import Installation
from chain.keystore import ACCOUNT, SECRET, SIGNING
from chain.records import AuthorityRecord, KeyRecord
from chain.registry import Registry
from issuer.errors import AuthorityError
from licence.signer import Signer
from licence.vocabulary import Role


def role_account(authority_id: str, role: Role) -> str:
    """The key file name of an authority's role account, e.g. CN-31-DMV-anchor."""
    return f"{authority_id}-{(role.name or '').lower()}"


@dataclass(frozen=True)
class IssuingAuthority:
    id: str
    record: AuthorityRecord
    key: KeyRecord
    signing_key: Signer  # a key file's key (P-256 or SM2), or a P-256 key inside a PKCS#11 token
    claim_secret: bytes
    registry: Registry  # sends as the authority's anchor account
    status_registry: Registry | None = None  # its status account, when the job changes status

    @property
    def number(self) -> int:
        return self.record.number

    @property
    def status(self) -> Registry:
        """The client sending as the status account (loaded with roles=ANCHOR|STATUS)."""
        if self.status_registry is None:
            raise AuthorityError(f"{self.id}'s status account was not loaded for this job.",
                                 reason="status_account_missing")
        return self.status_registry

    def region_for(self, licence_type: int) -> str:
        """The region a batch of `licence_type` is declared under: the authority's scope for
        the type (the widest when it holds several). Each licence's own region comes later."""
        regions = sorted(self.record.regions_for(licence_type), key=len)
        if not regions:
            raise AuthorityError(f"{self.id} holds no scope for licence type {licence_type}: "
                                 "the council adds one with `elicence authority scope`.",
                                 reason="authority_not_accredited")
        return regions[0]

    def anchor_region(self, licence_type: int, stored: str | None) -> str:
        """The scope region a stored batch is anchored under: its own, or for a batch stored
        before batches had regions, the widest scope."""
        return self.region_for(licence_type) if stored is None else stored

def load_authority(installation: Installation, authority_id: str, *, licence_type: int | None,
                   now: int, account: str | None = None,
                   roles: Role = Role.ANCHOR) -> IssuingAuthority:
    """Loads the authority and checks it can issue `licence_type` now. `account` names the
    anchor account's key file (default `<ID>-anchor`); with Role.STATUS in `roles` the status
    account `<ID>-status` is opened too."""
    reader = installation.registry()
    number = reader.authority_by_id(authority_id)
    if not number:
        raise AuthorityError(f"No authority {authority_id!r} is registered: check the id with "
                             "`elicence authority list`.", reason="authority_unknown")
    record = reader.authority(number)
    if record.suspended:
        raise AuthorityError(f"{authority_id} is suspended by the council and cannot issue "
                             "licences until it is reinstated.", reason="authority_suspended")
    if licence_type is not None and not record.accredited_for(licence_type):
        raise AuthorityError(f"{authority_id} is not accredited for this licence type: the "
                             "council adds scopes with `elicence authority scope`.",
                             reason="authority_not_accredited")
    key = current_key(installation, reader, record, now)
    names = {Role.ANCHOR: account or role_account(authority_id, Role.ANCHOR)}
    if roles & Role.STATUS:
        names[Role.STATUS] = role_account(authority_id, Role.STATUS)
    # Each key file takes a deliberately slow derivation to open: open them all at once.
    installation.keystore.unlock([*((ACCOUNT, name) for name in names.values()),
                                  (SIGNING, f"{authority_id}-{key.key_id}"),
                                  (SECRET, f"{authority_id}-claim-codes")])
    clients = {role: _role_client(installation, authority_id, number, role, name)
               for role, name in names.items()}
    return IssuingAuthority(
        id=authority_id, record=record, key=key,
        signing_key=installation.keystore.signing_key(f"{authority_id}-{key.key_id}"),
        claim_secret=installation.keystore.secret(f"{authority_id}-claim-codes", create=True),
        registry=clients[Role.ANCHOR], status_registry=clients.get(Role.STATUS),
    )


def _role_client(installation: Installation, authority_id: str, number: int, role: Role,
                 name: str) -> Registry:
    """A client sending as key file `name`, which must hold `role` for the authority."""
    registry = installation.registry(name)
    held = registry.authority_account(registry.account.address)  # type: ignore[union-attr]
    if held.authority != number or not held.roles & role:
        role_name = (role.name or "").lower()
        raise AuthorityError(f"The account in keys/accounts/{name}.json does not hold the "
                             f"{role_name} role of {authority_id}: use {authority_id}'s "
                             f"{role_name} account, or ask the council to assign it.",
                             reason="account_not_authority")
    return registry


def current_key(installation: Installation, registry: Registry, record: AuthorityRecord,
                now: int) -> KeyRecord:
    """The newest key valid now, not compromised, whose private half is in the key store."""
    for key_id in range(record.key_count, 0, -1):
        key = registry.key(record.number, key_id)
        usable = key.valid_from <= now < key.valid_until and (
            key.compromised_at is None or now < key.compromised_at)
        if usable and installation.keystore.has(SIGNING, f"{record.id}-{key_id}"):
            return key
    raise AuthorityError(f"{record.id} has no signing key valid now in this key store: create "
                         f"one with `elicence authority add-key {record.id}`.",
                         reason="no_signing_key")
