"""Signing keys: registration and rotation by the keys role, compromise from now on by the
keys role, and back-dated changes (or their reversal) only through the council."""

from __future__ import annotations

import pytest

from .world import DAY, FAR_FUTURE, Reverted, World, compressed_key


def test_added_key_is_numbered_and_readable(world: World) -> None:
    fns = world.registry.functions
    public_key = compressed_key(7, prefix=3)
    receipt = world.send(fns.addKey(public_key, 100, FAR_FUTURE), world.dmv.keys)
    assert world.events(receipt) == [
        ("KeyAdded", {"authority": 1, "keyId": 2, "publicKey": public_key, "validFrom": 100,
                      "validUntil": FAR_FUTURE})]
    assert fns.key(1, 2).call() == [public_key, 100, FAR_FUTURE, 0]
    assert world.authority(1)["keyCount"] == 2
    assert world.authority(2)["keyCount"] == 1


@pytest.mark.parametrize(
    ("public_key", "expected"),
    [
        (compressed_key(1)[:32], Reverted("RegistryInvalidKey", (32,))),
        (b"\x04" + bytes(64), Reverted("RegistryInvalidKey", (65,))),
        (b"\x04" + compressed_key(1)[1:], Reverted("RegistryInvalidKeyPrefix", (b"\x04",))),
    ],
    ids=["short", "uncompressed", "bad-prefix"],
)
def test_keys_must_be_compressed_p256(world: World, public_key: bytes, expected: Reverted) -> None:
    fn = world.registry.functions.addKey(public_key, 0, FAR_FUTURE)
    assert world.reverts(fn, world.dmv.keys) == expected


def test_key_windows_must_be_open_and_not_over(world: World) -> None:
    fns = world.registry.functions
    past = world.latest_timestamp()
    for window in [(10, 10), (10, 9), (0, past)]:
        error = world.reverts(fns.addKey(compressed_key(3), *window), world.dmv.keys)
        assert error == Reverted("RegistryInvalidKeyWindow", window)


def test_a_suspended_authority_cannot_add_keys(world: World) -> None:
    world.govern("suspendAuthority", 1, 0)
    fn = world.registry.functions.addKey(compressed_key(3), 0, FAR_FUTURE)
    assert world.reverts(fn, world.dmv.keys) == Reverted("RegistryAuthoritySuspended", (1,))


def test_validity_can_only_be_shortened_and_not_into_the_past(world: World) -> None:
    fns = world.registry.functions
    soon = world.latest_timestamp() + DAY
    receipt = world.send(fns.setKeyValidUntil(1, soon), world.dmv.keys)
    assert world.events(receipt) == [
        ("KeyValidUntilChanged", {"authority": 1, "keyId": 1, "oldValidUntil": FAR_FUTURE,
                                  "newValidUntil": soon})]
    assert fns.key(1, 1).call()[2] == soon
    # Retrying the same rotation is a no-op; lengthening, closing or back-dating is refused.
    assert world.events(world.send(fns.setKeyValidUntil(1, soon), world.dmv.keys)) == []
    for until in (soon + 1, 0, world.latest_timestamp() - 1):
        error = world.reverts(fns.setKeyValidUntil(1, until), world.dmv.keys)
        assert error == Reverted("RegistryInvalidKeyWindow", (0, until))


def test_a_suspended_authority_may_still_shorten_and_compromise_keys(world: World) -> None:
    world.govern("suspendAuthority", 1, 0)
    fns = world.registry.functions
    soon = world.latest_timestamp() + DAY
    world.send(fns.setKeyValidUntil(1, soon), world.dmv.keys)
    receipt = world.send(fns.markKeyCompromised(1), world.dmv.keys)
    marked = world.latest_timestamp()
    assert world.events(receipt) == [
        ("KeyCompromiseSet", {"authority": 1, "keyId": 1, "oldCompromisedAt": 0,
                              "compromisedAt": marked})]
    assert fns.key(1, 1).call()[2:] == [soon, marked]


def test_a_compromise_mark_is_the_current_block_time_and_final_for_the_keys_role(
    world: World,
) -> None:
    fns = world.registry.functions
    world.send(fns.markKeyCompromised(1), world.dmv.keys)
    marked = world.latest_timestamp()
    error = world.reverts(fns.markKeyCompromised(1), world.dmv.keys)
    assert error == Reverted("RegistryKeyAlreadyCompromised", (1, 1, marked))


def test_the_council_can_back_date_a_compromise_and_clear_a_mistaken_mark(world: World) -> None:
    fns = world.registry.functions
    receipt = world.govern("councilSetKeyCompromised", 2, 1, 1_234)
    assert world.events(receipt)[1:-1] == [
        ("KeyCompromiseSet", {"authority": 2, "keyId": 1, "oldCompromisedAt": 0,
                              "compromisedAt": 1_234})]
    receipt = world.govern("councilSetKeyCompromised", 2, 1, 1_234)  # same: nothing
    assert [name for name, _ in world.events(receipt)] == ["ProposalApproved", "ProposalExecuted"]
    receipt = world.govern("councilSetKeyCompromised", 2, 1, 0)
    assert world.events(receipt)[1:-1] == [
        ("KeyCompromiseSet", {"authority": 2, "keyId": 1, "oldCompromisedAt": 1_234,
                              "compromisedAt": 0})]
    assert fns.key(2, 1).call()[3] == 0
    error = world.govern_reverts("councilSetKeyCompromised", 2, 2, 1_234)
    assert error == Reverted("RegistryKeyUnknown", (2, 2))


def test_the_council_can_end_a_keys_validity_in_the_past_and_undo_it(world: World) -> None:
    fns = world.registry.functions
    receipt = world.govern("councilSetKeyValidUntil", 1, 1, 5_000)
    assert world.events(receipt)[1:-1] == [
        ("KeyValidUntilChanged", {"authority": 1, "keyId": 1, "oldValidUntil": FAR_FUTURE,
                                  "newValidUntil": 5_000})]
    world.govern("councilSetKeyValidUntil", 1, 1, FAR_FUTURE)
    assert fns.key(1, 1).call()[2] == FAR_FUTURE
    error = world.govern_reverts("councilSetKeyValidUntil", 1, 1, 0)
    assert error == Reverted("RegistryInvalidKeyWindow", (0, 0))


@pytest.mark.parametrize("key_id", [0, 2])
def test_unknown_keys_are_refused(world: World, key_id: int) -> None:
    fns = world.registry.functions
    expected = Reverted("RegistryKeyUnknown", (1, key_id))
    assert world.reverts(fns.setKeyValidUntil(key_id, FAR_FUTURE), world.dmv.keys) == expected
    assert world.reverts(fns.markKeyCompromised(key_id), world.dmv.keys) == expected


def test_key_view_refuses_unknown_authorities_and_keys(world: World) -> None:
    fns = world.registry.functions
    assert world.call_error(fns.key(3, 1)) == Reverted("RegistryAuthorityUnknown", (3,))
    assert world.call_error(fns.key(1, 2)) == Reverted("RegistryKeyUnknown", (1, 2))
    assert world.call_error(fns.authority(0)) == Reverted("RegistryAuthorityUnknown", (0,))
