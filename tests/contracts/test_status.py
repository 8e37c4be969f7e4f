"""Status changes: validation, who may change what, and the running status head."""

from __future__ import annotations

import pytest

from .world import (
    FAR_FUTURE,
    REINSTATED,
    REVOKED,
    SUPERSEDED,
    SUSPENDED,
    Reverted,
    World,
    refs,
    status_head,
)


def set_status(world: World, sender: str, *args: object) -> dict:
    receipt = world.send(world.registry.functions.setStatus(*args), sender)
    [(name, event)] = world.events(receipt)
    assert name == "StatusChanged"
    return event


def test_revocation_of_many_refs_is_one_event(world: World) -> None:
    batch = refs(100)
    event = set_status(world, world.dmv, REVOKED, 0, 7, batch, b"")
    head = status_head(bytes(32), REVOKED, 0, 7, batch, b"")
    assert event == {
        "authority": 1,
        "status": REVOKED,
        "until": 0,
        "reason": 7,
        "refs": batch,
        "successors": b"",
        "head": head,
    }
    assert world.authority(1)["statusHead"] == head
    assert world.authority(2)["statusHead"] == bytes(32)


def test_every_status_chains_into_the_head(world: World) -> None:
    until = world.latest_timestamp() + 86_400
    changes = [
        (SUSPENDED, until, 2, refs(3, b"a"), b""),
        (REINSTATED, 0, 3, refs(3, b"a"), b""),
        (SUPERSEDED, 0, 4, refs(2, b"b"), refs(2, b"successor")),
        (REVOKED, 0, 5, refs(1, b"c"), b""),
    ]
    head = bytes(32)
    for change in changes:
        event = set_status(world, world.dmv, *change)
        head = status_head(head, *change)
        assert event["head"] == head
    assert world.authority(1)["statusHead"] == head


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0, 0, 0, refs(1), b""), Reverted("RegistryInvalidStatus", (0,))),
        ((5, 0, 0, refs(1), b""), Reverted("RegistryInvalidStatus", (5,))),
        ((REVOKED, 0, 0, b"", b""), Reverted("RegistryInvalidRefs", (0,))),
        ((REVOKED, 0, 0, refs(2)[:20], b""), Reverted("RegistryInvalidRefs", (20,))),
        ((REVOKED, 9, 0, refs(1), b""), Reverted("RegistryInvalidUntil", (REVOKED, 9))),
        ((REINSTATED, 9, 0, refs(1), b""), Reverted("RegistryInvalidUntil", (REINSTATED, 9))),
        ((SUSPENDED, 0, 0, refs(1), b""), Reverted("RegistryInvalidUntil", (SUSPENDED, 0))),
        ((REVOKED, 0, 0, refs(1), refs(1)), Reverted("RegistryInvalidSuccessors", (16, 0))),
        ((SUPERSEDED, 0, 0, refs(2), refs(1)), Reverted("RegistryInvalidSuccessors", (16, 32))),
        ((SUPERSEDED, 0, 0, refs(1), b""), Reverted("RegistryInvalidSuccessors", (0, 16))),
    ],
    ids=[
        "status-zero",
        "status-unknown",
        "no-refs",
        "ragged-refs",
        "until-on-revoke",
        "until-on-reinstate",
        "suspend-without-until",
        "successors-on-revoke",
        "too-few-successors",
        "supersede-without-successors",
    ],
)
def test_status_changes_are_validated(world: World, args: tuple, expected: Reverted) -> None:
    assert world.reverts(world.registry.functions.setStatus(*args), world.dmv) == expected


def test_suspension_must_end_in_the_future(world: World) -> None:
    now = world.latest_timestamp()
    fn = world.registry.functions.setStatus(SUSPENDED, now, 0, refs(1), b"")
    assert world.reverts(fn, world.dmv) == Reverted("RegistryInvalidUntil", (SUSPENDED, now))


def test_a_suspended_authority_may_only_withdraw_trust(world: World) -> None:
    world.govern("suspendAuthority", 1)
    until = world.latest_timestamp() + 3_600
    set_status(world, world.dmv, REVOKED, 0, 0, refs(1), b"")
    set_status(world, world.dmv, SUSPENDED, until, 0, refs(1, b"s"), b"")
    fns = world.registry.functions
    for args in [(REINSTATED, 0, 0, refs(1), b""), (SUPERSEDED, 0, 0, refs(1), refs(1, b"n"))]:
        assert world.reverts(fns.setStatus(*args), world.dmv) == Reverted(
            "RegistryAuthoritySuspended", (1,)
        )


def test_the_council_can_change_any_authoritys_statuses(world: World) -> None:
    world.govern("suspendAuthority", 2)
    batch = refs(4, b"council")
    receipt = world.govern("councilSetStatus", 2, REINSTATED, 0, 9, batch, b"")
    assert world.events(receipt)[1:-1] == [
        (
            "StatusChanged",
            {
                "authority": 2,
                "status": REINSTATED,
                "until": 0,
                "reason": 9,
                "refs": batch,
                "successors": b"",
                "head": status_head(bytes(32), REINSTATED, 0, 9, batch, b""),
            },
        )
    ]
    error = world.govern_reverts("councilSetStatus", 2, SUSPENDED, FAR_FUTURE, 0, b"", b"")
    assert error == Reverted("RegistryInvalidRefs", (0,))


def test_the_first_status_change_costs_the_same_as_later_ones(world: World) -> None:
    fns = world.registry.functions
    fn = fns.setStatus(REVOKED, 0, 0, refs(1, b"same"), b"")
    used = [world.send(fn, world.dmv).gasUsed for _ in "ab"]
    # Equal up to the branch that reads the placeholder; filling a zero slot would add 17,100.
    assert abs(used[0] - used[1]) < 100
