"""What an authority needs at hand to issue: its number on chain, the signing key in force,
its chain account (through the registry client) and its claim-code secret."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from chain.installation import Installation
from chain.keystore import ACCOUNT, SECRET, SIGNING
from chain.records import AuthorityRecord, KeyRecord
from chain.registry import Registry
from issuer.errors import AuthorityError


@dataclass(frozen=True)
class IssuingAuthority:
    id: str
    record: AuthorityRecord
    key: KeyRecord
    signing_key: ec.EllipticCurvePrivateKey
    claim_secret: bytes
    registry: Registry  # sends as the authority's account

    @property
    def number(self) -> int:
        return self.record.number


def load_authority(installation: Installation, authority_id: str, *, licence_type: int | None,
                   now: int, account: str | None = None) -> IssuingAuthority:
    """Loads the authority and checks it can issue `licence_type` now."""
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
                             "council accredits types with `elicence authority accredit`.",
                             reason="authority_not_accredited")
    key = current_key(installation, reader, record, now)
    account_name = account or authority_id
    # Each key file takes a deliberately slow derivation to open: open all three at once.
    installation.keystore.unlock([(ACCOUNT, account_name),
                                  (SIGNING, f"{authority_id}-{key.key_id}"),
                                  (SECRET, f"{authority_id}-claim-codes")])
    registry = installation.registry(account_name)
    if registry.authority_of(registry.account.address) != number:
        raise AuthorityError(f"The account in keys/accounts/{account_name}.json does not act "
                             f"for {authority_id}: use that authority's own account.",
                             reason="account_not_authority")
    return IssuingAuthority(
        id=authority_id, record=record, key=key,
        signing_key=installation.keystore.signing_key(f"{authority_id}-{key.key_id}"),
        claim_secret=installation.keystore.secret(f"{authority_id}-claim-codes", create=True),
        registry=registry,
    )


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
