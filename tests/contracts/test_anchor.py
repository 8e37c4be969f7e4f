"""Anchoring batches: who may anchor what, the event, and the running batch head."""

from __future__ import annotations

import pytest

from .world import BUSINESS, DRIVING, Reverted, World, batch_head, refs


def anchor(world: World, licence_type: int, count: int, roots: bytes, sender: str) -> dict:
    receipt = world.send(world.registry.functions.anchor(licence_type, count, roots), sender)
    [(name, args)] = world.events(receipt)
    assert name == "BatchAnchored"
    assert args["anchoredAt"] == world.w3.eth.get_block(receipt.blockNumber).timestamp
    return args


def test_anchor_emits_the_batch_and_advances_the_head(world: World) -> None:
    roots = refs(16, b"roots")
    event = anchor(world, DRIVING, 10_000, roots, world.dmv)
    head = batch_head(bytes(32), DRIVING, 10_000, event["anchoredAt"], roots)
    assert event == {
        "authority": 1,
        "licenceType": DRIVING,
        "count": 10_000,
        "anchoredAt": event["anchoredAt"],
        "roots": roots,
        "head": head,
    }
    assert world.authority(1)["batchHead"] == head
    assert world.authority(2)["batchHead"] == bytes(32)


def test_heads_chain_over_many_batches_of_both_authorities(world: World) -> None:
    heads = {1: bytes(32), 2: bytes(32)}
    for i in range(6):
        number, sender, licence_type = (
            (1, world.dmv, DRIVING) if i % 2 else (2, world.amr, BUSINESS)
        )
        roots = refs(1 + i, b"batch%d" % i)
        event = anchor(world, licence_type, 1 + i * 1_000, roots, sender)
        heads[number] = batch_head(
            heads[number], licence_type, 1 + i * 1_000, event["anchoredAt"], roots
        )
        assert event["head"] == heads[number]
    assert world.authority(1)["batchHead"] == heads[1]
    assert world.authority(2)["batchHead"] == heads[2]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0, 1, refs(1)), Reverted("RegistryInvalidLicenceType", (0,))),
        ((64, 1, refs(1)), Reverted("RegistryInvalidLicenceType", (64,))),
        ((BUSINESS, 1, refs(1)), Reverted("RegistryTypeNotAccredited", (1, BUSINESS))),
        ((DRIVING, 0, refs(1)), Reverted("RegistryEmptyBatch", ())),
        ((DRIVING, 1, b""), Reverted("RegistryInvalidRoots", (0,))),
        ((DRIVING, 1, refs(1)[:15]), Reverted("RegistryInvalidRoots", (15,))),
        ((DRIVING, 1, refs(2) + b"\x00"), Reverted("RegistryInvalidRoots", (33,))),
        ((DRIVING, 1, refs(17)), Reverted("RegistryInvalidRoots", (272,))),
    ],
    ids=[
        "type-zero",
        "type-beyond-mask",
        "not-accredited",
        "empty-batch",
        "no-roots",
        "short-root",
        "ragged-roots",
        "too-many-roots",
    ],
)
def test_anchor_refuses_bad_batches(world: World, args: tuple, expected: Reverted) -> None:
    assert world.reverts(world.registry.functions.anchor(*args), world.dmv) == expected


def test_a_suspended_authority_cannot_anchor(world: World) -> None:
    world.govern("suspendAuthority", 1)
    fn = world.registry.functions.anchor(DRIVING, 1, refs(1))
    assert world.reverts(fn, world.dmv) == Reverted("RegistryAuthoritySuspended", (1,))
    world.govern("reinstateAuthority", 1)
    world.send(fn, world.dmv)


def test_anchor_gas_does_not_depend_on_batch_size(world: World) -> None:
    fns = world.registry.functions
    world.send(fns.anchor(DRIVING, 1, refs(16, b"warm")), world.dmv)  # first head write
    # Same calldata bytes apart from the count, whose encoding is non-zero in both.
    used = [
        world.send(fns.anchor(DRIVING, count, refs(16, b"x")), world.dmv).gasUsed
        for count in (0x01010101, 0x02020202)
    ]
    assert used[0] == used[1]


def test_the_first_anchor_costs_the_same_as_later_ones(world: World) -> None:
    # Registration leaves the head slot non-zero (see LicenceRegistry.ZERO_HEAD).
    fns = world.registry.functions
    used = [world.send(fns.anchor(DRIVING, 5, refs(1, b"same")), world.dmv).gasUsed for _ in "ab"]
    # Equal up to the branch that reads the placeholder; filling a zero slot would add 17,100.
    assert abs(used[0] - used[1]) < 100
