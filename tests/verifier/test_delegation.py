"""An agent's live code through the verification pipeline, against the real index: the
holder (device A, licence "bound") delegates to an agent's phone; every attack on the
delegation is refused with its own reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

import licence
from chain.index import LicenceIndex
from licence._cose import sign
from licence.delegation import Delegation, claim_bits, delegation_tbs, revocation_message
from licence.presentation import _signed
from verifier.checks import default_checks
from verifier.delegations import RevocationError, RevokedDelegations, check_revocation
from verifier.result import to_json
from verifier.state import StateStore
from verifier.verification import Verifier

from .world import World, private_key

AGENT = private_key("agent")
AGENT_KEY = licence.compressed_public_key(AGENT)
SECOND = private_key("second-agent")
SHOWN = ["family_name", "given_name", "age_over_18"]


@pytest.fixture
def revoked(tmp_path: Path) -> Iterator[RevokedDelegations]:
    store = StateStore(StateStore.sqlite_url(tmp_path))
    yield RevokedDelegations(store)
    store.close()


def verifier(index: LicenceIndex, revoked: RevokedDelegations | None) -> Verifier:
    return Verifier(index, checks=default_checks(revoked))


def handover(world: World, names: list[str] | None = SHOWN, days: int = 30
             ) -> tuple[licence.Licence, Delegation]:
    """The holder's wallet delegates; the agent's wallet reads the handover code."""
    delegation, shared = licence.delegate(world.licences["bound"], names,
                                          world.device_keys["bound"], AGENT_KEY,
                                          world.now + days * 86_400)
    return licence.read_delegated_copy(licence.delegated_copy_text(shared, delegation),
                                       AGENT_KEY)


def agent_code(world: World, shared, delegation, key=AGENT, at: int | None = None) -> str:
    return licence.present_delegated(shared, delegation, key,
                                     world.now if at is None else at).to_qr()


def reason_of(result) -> tuple[str, str | None]:
    return result.verdict, None if result.decided_by is None else result.decided_by.reason


def test_agent_code_is_valid_and_says_on_whose_behalf(world: World, index: LicenceIndex,
                                                      revoked) -> None:
    shared, delegation = handover(world)
    doc = to_json(verifier(index, revoked).verify(agent_code(world, shared, delegation),
                                                  now=world.now + 5))
    assert doc["verdict"] == "valid", doc
    assert doc["claims"] == {"family_name": "欧阳", "given_name": "慧敏", "age_over_18": True}
    assert doc["delegation"]["agent"] is True
    assert doc["delegation"]["on_behalf_of"] == "欧阳慧敏"
    assert doc["delegation"]["until_time"] == delegation.valid_until
    checks = {c["name"]: c for c in doc["checks"]}
    assert checks["delegation"]["reason"] == "delegation_valid"
    assert "authorised agent" in checks["delegation"]["message"]
    assert "代理人" in checks["delegation"]["message_zh"]


def test_holder_own_code_has_no_delegation_block(world: World, index, revoked) -> None:
    doc = to_json(verifier(index, revoked).verify(world.live("bound"), now=world.now))
    assert doc["verdict"] == "valid" and "delegation" not in doc
    assert {c["name"]: c["reason"] for c in doc["checks"]}["delegation"] == "not_applicable"


def test_name_not_delegated_means_no_name_on_the_counter(world: World, index, revoked) -> None:
    shared, delegation = handover(world, names=["age_over_18"])
    doc = to_json(verifier(index, revoked).verify(agent_code(world, shared, delegation),
                                                  now=world.now))
    assert doc["verdict"] == "valid" and doc["delegation"]["on_behalf_of"] is None


def forged(world: World):
    """The agent widens its own delegation to the licence number (signature no longer
    holds) and shows it with a licence copy disclosing it."""
    _, delegation = handover(world)
    wider = dataclasses.replace(delegation, claims=delegation.claims | claim_bits([4]))
    return world.licences["bound"].disclose([*SHOWN, "licence_number"]), wider


def beyond_preset(world: World):
    """A genuine delegation of three claims, shown with a copy disclosing a fourth (e.g. a
    leaked full copy of the holder's licence)."""
    _, delegation = handover(world)
    return world.licences["bound"].disclose([*SHOWN, "licence_number"]), delegation


def other_phone(world: World):
    """Someone who photographed the handover code shows it from their own phone."""
    shared, delegation = handover(world)
    return shared, dataclasses.replace(delegation,
                                       delegate_key=licence.compressed_public_key(SECOND))


@pytest.mark.parametrize(("make", "key", "reason"), [
    (forged, AGENT, "delegation_signature_invalid"),
    (beyond_preset, AGENT, "delegation_claims_exceeded"),
    (other_phone, SECOND, "delegate_key_mismatch"),
], ids=["forged_delegation", "claims_beyond_the_preset", "delegate_key_mismatch"])
def test_attacks_on_the_delegation_are_invalid(world: World, index, revoked, make, key,
                                               reason) -> None:
    shared, delegation = make(world)
    result = verifier(index, revoked).verify(agent_code(world, shared, delegation, key),
                                             now=world.now)
    assert reason_of(result) == ("invalid", reason)
    assert result.delegation is None


def test_claims_beyond_the_preset_are_named(world: World, index, revoked) -> None:
    shared, delegation = beyond_preset(world)
    doc = to_json(verifier(index, revoked).verify(agent_code(world, shared, delegation),
                                                  now=world.now))
    assert "licence_number" in {c["name"]: c for c in doc["checks"]}["delegation"]["message"]


def test_ended_delegation_is_invalid(world: World, index, revoked) -> None:
    shared, delegation = handover(world, days=1)
    later = world.now + 86_400 + 1
    result = verifier(index, revoked).verify(agent_code(world, shared, delegation, at=later),
                                             now=later)
    assert reason_of(result) == ("invalid", "delegation_expired")


def test_revoked_delegation_is_invalid_at_every_replica(world: World, index, tmp_path,
                                                        revoked) -> None:
    shared, delegation = handover(world)
    code = agent_code(world, shared, delegation)
    assert verifier(index, revoked).verify(code, now=world.now).verdict == "valid"
    # The holder's wallet: the full delegation and its signed revocation.
    full = licence.Delegation(delegation.holder_key, delegation.delegate_key,
                              delegation.licence_ref, delegation.claims,
                              delegation.valid_until, delegation.signature)
    signature = sign(world.device_keys["bound"], revocation_message(full.id))
    revoked.revoke(check_revocation(full.to_bytes(), signature), now=world.now)
    # Another replica of the installation: its own connection to the same state store.
    replica = StateStore(StateStore.sqlite_url(tmp_path))
    try:
        result = verifier(index, RevokedDelegations(replica)).verify(
            agent_code(world, shared, delegation, at=world.now + 1), now=world.now + 1)
    finally:
        replica.close()
    assert reason_of(result) == ("invalid", "delegation_revoked")


def test_only_the_holder_can_revoke(world: World) -> None:
    _, delegation = handover(world)
    full = dataclasses.replace(delegation, kid=b"")
    by_agent = sign(AGENT, revocation_message(full.id))
    with pytest.raises(RevocationError) as info:
        check_revocation(full.to_bytes(), by_agent)
    assert info.value.reason == "signature_invalid"
    with pytest.raises(RevocationError) as info:
        check_revocation(b"\x82\x40\x40", by_agent)
    assert info.value.reason == "delegation_revocation_invalid"


def test_redelegation_chain_is_refused(world: World, index, revoked) -> None:
    """The agent (A) passes the licence on to a second phone (B) with a delegation it signs
    itself, keeping the holder's delegation to A in front of it."""
    shared, to_agent = handover(world)
    to_second = _delegation_by(AGENT, SECOND, shared.status_ref, to_agent)
    shown = dataclasses.replace(shared, device_digest=licence.device_key_digest(
        to_agent.holder_key))
    code = _signed(shown, SECOND, world.now, b"", (to_agent, to_second)).to_qr()
    decoded = licence.decode_unverified(code)
    assert decoded.delegations[1].holder_key == AGENT_KEY  # its issuer is itself a delegate
    result = verifier(index, revoked).verify(code, now=world.now)
    assert reason_of(result) == ("invalid", "redelegation_refused")


def test_delegation_signed_by_a_delegate_alone_is_invalid(world: World, index,
                                                          revoked) -> None:
    """The same without the holder's delegation: the licence is not bound to the agent's
    key, so the licence's own signature fails."""
    shared, to_agent = handover(world)
    to_second = _delegation_by(AGENT, SECOND, shared.status_ref, to_agent)
    result = verifier(index, revoked).verify(agent_code(world, shared, to_second, SECOND),
                                             now=world.now)
    assert reason_of(result) == ("invalid", "signature_invalid")


def _delegation_by(issuer, delegate_private, ref: bytes, like: Delegation) -> Delegation:
    unsigned = Delegation(licence.compressed_public_key(issuer),
                          licence.compressed_public_key(delegate_private), ref, like.claims,
                          like.valid_until, b"")
    return dataclasses.replace(unsigned, signature=sign(issuer, delegation_tbs(unsigned.body())))


def test_without_the_installation_state_an_agent_code_is_unknown(world: World,
                                                                 index) -> None:
    shared, delegation = handover(world)
    result = verifier(index, None).verify(agent_code(world, shared, delegation),
                                          now=world.now)
    assert reason_of(result) == ("unknown", "delegation_revocation_unknown")
