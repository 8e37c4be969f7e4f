"""Signing keys: registration, rotation (shortening validity) and compromise."""

from __future__ import annotations

import pytest

from .world import FAR_FUTURE, Reverted, World, compressed_key


def test_added_key_is_numbered_and_readable(world: World) -> None:
    fns = world.registry.functions
    public_key = compressed_key(7, prefix=3)
    receipt = world.send(fns.addKey(public_key, 100, FAR_FUTURE), world.dmv)
    assert world.events(receipt) == [
        (
            "KeyAdded",
            {
                "authority": 1,
                "keyId": 2,
                "publicKey": public_key,
                "validFrom": 100,
                "validUntil": FAR_FUTURE,
            },
        )
    ]
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
    assert world.reverts(fn, world.dmv) == expected


def test_key_windows_must_be_open_and_not_over(world: World) -> None:
    fns = world.registry.functions
    past = world.latest_timestamp()
    for window in [(10, 10), (10, 9), (0, past)]:
        error = world.reverts(fns.addKey(compressed_key(3), *window), world.dmv)
        assert error == Reverted("RegistryInvalidKeyWindow", window)


def test_a_suspended_authority_cannot_add_keys(world: World) -> None:
    world.govern("suspendAuthority", 1)
    fn = world.registry.functions.addKey(compressed_key(3), 0, FAR_FUTURE)
    assert world.reverts(fn, world.dmv) == Reverted("RegistryAuthoritySuspended", (1,))


def test_validity_can_only_be_shortened(world: World) -> None:
    fns = world.registry.functions
    receipt = world.send(fns.setKeyValidUntil(1, 5_000), world.dmv)
    assert world.events(receipt) == [
        (
            "KeyValidUntilChanged",
            {"authority": 1, "keyId": 1, "oldValidUntil": FAR_FUTURE, "newValidUntil": 5_000},
        )
    ]
    assert fns.key(1, 1).call()[2] == 5_000
    # Retrying the same rotation is a no-op; lengthening or closing the window is refused.
    assert world.events(world.send(fns.setKeyValidUntil(1, 5_000), world.dmv)) == []
    for until in (5_001, 0):
        error = world.reverts(fns.setKeyValidUntil(1, until), world.dmv)
        assert error == Reverted("RegistryInvalidKeyWindow", (0, until))


def test_a_suspended_authority_may_still_shorten_and_compromise_keys(world: World) -> None:
    world.govern("suspendAuthority", 1)
    fns = world.registry.functions
    world.send(fns.setKeyValidUntil(1, 5_000), world.dmv)
    world.send(fns.markKeyCompromised(1, 4_000), world.dmv)
    assert fns.key(1, 1).call()[2:] == [5_000, 4_000]


def test_compromise_only_moves_earlier(world: World) -> None:
    fns = world.registry.functions
    receipt = world.send(fns.markKeyCompromised(1, 1_000), world.dmv)
    assert world.events(receipt) == [
        ("KeyCompromised", {"authority": 1, "keyId": 1, "compromisedAt": 1_000})
    ]
    for later in (1_000, 1_001):
        error = world.reverts(fns.markKeyCompromised(1, later), world.dmv)
        assert error == Reverted("RegistryKeyAlreadyCompromised", (1, 1, 1_000))
    world.send(fns.markKeyCompromised(1, 999), world.dmv)
    assert fns.key(1, 1).call()[3] == 999


def test_compromised_at_must_be_a_time(world: World) -> None:
    error = world.reverts(world.registry.functions.markKeyCompromised(1, 0), world.dmv)
    assert error == Reverted("RegistryInvalidCompromisedAt", (0,))


def test_the_council_can_mark_any_authoritys_key_compromised(world: World) -> None:
    receipt = world.govern("councilMarkKeyCompromised", 2, 1, 1_234)
    assert world.events(receipt)[1:-1] == [
        ("KeyCompromised", {"authority": 2, "keyId": 1, "compromisedAt": 1_234})
    ]
    error = world.govern_reverts("councilMarkKeyCompromised", 2, 2, 1_234)
    assert error == Reverted("RegistryKeyUnknown", (2, 2))


@pytest.mark.parametrize("key_id", [0, 2])
def test_unknown_keys_are_refused(world: World, key_id: int) -> None:
    fns = world.registry.functions
    expected = Reverted("RegistryKeyUnknown", (1, key_id))
    assert world.reverts(fns.setKeyValidUntil(key_id, 5), world.dmv) == expected
    assert world.reverts(fns.markKeyCompromised(key_id, 5), world.dmv) == expected


def test_key_view_refuses_unknown_authorities_and_keys(world: World) -> None:
    fns = world.registry.functions
    assert world.call_error(fns.key(3, 1)) == Reverted("RegistryAuthorityUnknown", (3,))
    assert world.call_error(fns.key(1, 2)) == Reverted("RegistryKeyUnknown", (1, 2))
    assert world.call_error(fns.authority(0)) == Reverted("RegistryAuthorityUnknown", (0,))
