"""The attacks of the "bounded powers" issue, each tried against the registry and each now
doing no harm. One test per attack; the name says what is attempted."""

from __future__ import annotations

from tests.support.facts import BUSINESS, DRIVING

from .world import (
    ANCHOR,
    BATCH_WITHDRAWN,
    COUNCIL_WITHDRAWN,
    DAY,
    FAR_FUTURE,
    JIANGSU,
    KEYS,
    REVOKED,
    SHANGHAI,
    STATUS,
    Reverted,
    World,
    compressed_key,
    refs,
)


def _anchor_batch(world: World) -> int:
    """Anchors one batch under key 1 of authority 1; returns its anchoring time."""
    world.send(world.registry.functions.anchor(DRIVING, SHANGHAI, 100, refs(1, b"old")),
               world.dmv.anchor)
    return world.latest_timestamp()


def test_keys_account_cannot_void_past_licences_by_back_dating_a_compromise(world: World) -> None:
    fns = world.registry.functions
    anchored = _anchor_batch(world)
    world.advance(DAY)
    # Even while the council has suspended the authority, the keys account can only stop
    # the key from now on: the mark lies after every batch already anchored.
    world.govern("suspendAuthority", 1, 0)
    world.send(fns.markKeyCompromised(1), world.dmv.keys)
    compromised_at = fns.key(1, 1).call()[3]
    assert compromised_at > anchored
    # The old one-argument form no longer exists on chain: no time can be passed.
    assert [i["name"] for i in fns.markKeyCompromised.abi["inputs"]] == ["keyId"]


def test_keys_account_cannot_end_a_keys_validity_in_the_past(world: World) -> None:
    fns = world.registry.functions
    anchored = _anchor_batch(world)
    world.advance(DAY)
    error = world.reverts(fns.setKeyValidUntil(1, anchored - 1), world.dmv.keys)
    assert error == Reverted("RegistryInvalidKeyWindow", (0, anchored - 1))
    assert fns.key(1, 1).call()[2] == FAR_FUTURE


def test_only_the_council_back_dates_and_it_can_undo_a_mistaken_mark(world: World) -> None:
    fns = world.registry.functions
    anchored = _anchor_batch(world)
    world.govern("councilSetKeyCompromised", 1, 1, anchored - 10)
    assert fns.key(1, 1).call()[3] == anchored - 10
    world.govern("councilSetKeyCompromised", 1, 1, 0)
    assert fns.key(1, 1).call()[3] == 0


def test_the_claim_servers_anchor_account_cannot_revoke_or_touch_keys(world: World) -> None:
    fns = world.registry.functions
    server = world.dmv.anchor
    for fn, role in [(fns.setStatus(REVOKED, 0, 0, refs(1), b""), STATUS),
                     (fns.markKeyCompromised(1), KEYS),
                     (fns.setKeyValidUntil(1, FAR_FUTURE - 1), KEYS),
                     (fns.addKey(compressed_key(5), 0, FAR_FUTURE), KEYS)]:
        assert world.reverts(fn, server) == Reverted("RegistryMissingRole", (server, 1, role))


def test_an_authority_cannot_issue_outside_its_region(world: World) -> None:
    fn = world.registry.functions.anchor(DRIVING, JIANGSU, 1, refs(1))
    assert world.reverts(fn, world.dmv.anchor) == Reverted(
        "RegistryScopeNotAccredited", (1, DRIVING, JIANGSU))


def test_the_council_withdraws_one_batch_and_one_licence_of_an_authority(world: World) -> None:
    root = refs(1, b"bad batch")
    world.send(world.registry.functions.anchor(BUSINESS, JIANGSU, 500, root), world.amr.anchor)
    receipt = world.govern("councilSetStatus", 2, BATCH_WITHDRAWN, 0, COUNCIL_WITHDRAWN, root, b"")
    assert [e["status"] for n, e in world.events(receipt) if n == "StatusChanged"] == [
        BATCH_WITHDRAWN]
    receipt = world.govern("councilSetStatus", 2, REVOKED, 0, COUNCIL_WITHDRAWN, refs(1), b"")
    assert [e["reasonClass"] for n, e in world.events(receipt) if n == "StatusChanged"] == [
        COUNCIL_WITHDRAWN]


def test_suspension_and_de_accreditation_carry_the_date_old_licences_stop(world: World) -> None:
    grace = world.latest_timestamp() + 30 * DAY
    receipt = world.govern("suspendAuthority", 1, grace)
    assert ("AuthoritySuspended", {"authority": 1, "graceUntil": grace}) in world.events(receipt)
    receipt = world.govern("setScope", 2, BUSINESS, JIANGSU, False, grace)
    assert ("ScopeChanged", {"authority": 2, "licenceType": BUSINESS, "region": JIANGSU,
                             "enabled": False, "graceUntil": grace}) in world.events(receipt)


def test_stale_proposals_cannot_be_pushed_through_later(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("suspendAuthority", 1, 0), 0), world.council[0])
    world.advance(8 * DAY)
    error = world.reverts(fns.approve(pid), world.council[1])
    assert error.name == "RegistryProposalExpired"
    assert not world.authority(1)["suspended"]


def test_a_re_added_member_does_not_get_old_approvals_back(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("suspendAuthority", 1, 0), 0), world.council[2])
    world.govern("removeCouncilMember", world.council[2])
    world.govern("addCouncilMember", world.council[2])
    assert fns.proposal(pid).call()[2] == 0


def test_a_one_of_n_council_is_refused(world: World) -> None:
    assert world.govern_reverts("setThreshold", 1) == Reverted("RegistryInvalidThreshold", (1, 3))


def test_precise_reasons_cannot_be_written_on_chain(world: World) -> None:
    # The old uint16 reason codes 6..13 (court order, medical, deceased, fraud...) are no
    # public class: the registry refuses them.
    for precise in (6, 8, 9, 12):
        fn = world.registry.functions.setStatus(REVOKED, 0, precise, refs(1), b"")
        assert world.reverts(fn, world.dmv.status) == Reverted(
            "RegistryInvalidReasonClass", (precise,))


def test_calls_are_capped(world: World) -> None:
    fns = world.registry.functions
    assert world.reverts(fns.setStatus(REVOKED, 0, 0, refs(1_000), b""), world.dmv.status) == (
        Reverted("RegistryTooManyRefs", (1_000, 256)))
    assert world.reverts(fns.anchor(DRIVING, SHANGHAI, 1, refs(64)), world.dmv.anchor) == (
        Reverted("RegistryTooManyRoots", (64, 16)))


def test_a_role_account_of_one_authority_is_never_reassigned_silently(world: World) -> None:
    error = world.govern_reverts("setAuthorityAccount", 2, world.dmv.anchor, ANCHOR)
    assert error == Reverted("RegistryAccountTaken", (world.dmv.anchor, 1))
