"""Anchoring batches: who may anchor under which scope, the event, and the running head."""

from __future__ import annotations

import pytest

from tests.support.facts import BUSINESS, DRIVING

from .world import (
    JIANGSU,
    NANJING,
    NATIONWIDE,
    SHANGHAI,
    Reverted,
    World,
    batch_head,
    refs,
)


def anchor(world: World, licence_type: int, region: bytes, count: int, roots: bytes,
           sender: str) -> dict:
    fn = world.registry.functions.anchor(licence_type, region, count, roots)
    [(name, args)] = world.events(world.send(fn, sender))
    assert name == "BatchAnchored"
    return args


def test_anchor_emits_the_batch_and_advances_the_head(world: World) -> None:
    roots = refs(16, b"roots")
    event = anchor(world, DRIVING, SHANGHAI, 10_000, roots, world.dmv.anchor)
    assert event["anchoredAt"] == world.latest_timestamp()
    head = batch_head(bytes(32), DRIVING, SHANGHAI, 10_000, event["anchoredAt"], roots)
    assert event == {
        "authority": 1,
        "licenceType": DRIVING,
        "region": SHANGHAI,
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
        number, sender, licence_type, region = (
            (1, world.dmv.anchor, DRIVING, SHANGHAI) if i % 2
            else (2, world.amr.anchor, BUSINESS, JIANGSU))
        roots = refs(1 + i, b"batch%d" % i)
        event = anchor(world, licence_type, region, 1 + i * 1_000, roots, sender)
        heads[number] = batch_head(heads[number], licence_type, region, 1 + i * 1_000,
                                   event["anchoredAt"], roots)
        assert event["head"] == heads[number]
    assert world.authority(1)["batchHead"] == heads[1]
    assert world.authority(2)["batchHead"] == heads[2]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0, SHANGHAI, 1, refs(1)), Reverted("RegistryScopeNotAccredited", (1, 0, SHANGHAI))),
        ((BUSINESS, SHANGHAI, 1, refs(1)),
         Reverted("RegistryScopeNotAccredited", (1, BUSINESS, SHANGHAI))),
        ((DRIVING, JIANGSU, 1, refs(1)),
         Reverted("RegistryScopeNotAccredited", (1, DRIVING, JIANGSU))),
        ((DRIVING, NATIONWIDE, 1, refs(1)),
         Reverted("RegistryScopeNotAccredited", (1, DRIVING, NATIONWIDE))),
        ((DRIVING, SHANGHAI, 0, refs(1)), Reverted("RegistryEmptyBatch", ())),
        ((DRIVING, SHANGHAI, 1, b""), Reverted("RegistryInvalidRoots", (0,))),
        ((DRIVING, SHANGHAI, 1, refs(1)[:15]), Reverted("RegistryInvalidRoots", (15,))),
        ((DRIVING, SHANGHAI, 1, refs(2) + b"\x00"), Reverted("RegistryInvalidRoots", (33,))),
        ((DRIVING, SHANGHAI, 1, refs(17)), Reverted("RegistryTooManyRoots", (17, 16))),
    ],
    ids=["type-zero", "type-not-accredited", "region-outside-scope", "wider-than-scope",
         "empty-batch", "no-roots", "short-root", "ragged-roots", "too-many-roots"],
)
def test_anchor_refuses_bad_batches(world: World, args: tuple, expected: Reverted) -> None:
    assert world.reverts(world.registry.functions.anchor(*args), world.dmv.anchor) == expected


def test_a_batch_declares_exactly_one_accredited_scope(world: World) -> None:
    # Accredited for Jiangsu, an authority may not declare a narrower region it does not
    # hold as a scope: the batch's region is the scope it is issued under.
    fn = world.registry.functions.anchor(BUSINESS, NANJING, 1, refs(1))
    assert world.reverts(fn, world.amr.anchor) == Reverted(
        "RegistryScopeNotAccredited", (2, BUSINESS, NANJING))
    world.govern("setScope", 2, BUSINESS, NANJING, True, 0)
    world.send(fn, world.amr.anchor)


def test_a_suspended_authority_cannot_anchor(world: World) -> None:
    world.govern("suspendAuthority", 1, 0)
    fn = world.registry.functions.anchor(DRIVING, SHANGHAI, 1, refs(1))
    assert world.reverts(fn, world.dmv.anchor) == Reverted("RegistryAuthoritySuspended", (1,))
    world.govern("reinstateAuthority", 1)
    world.send(fn, world.dmv.anchor)


def test_anchor_gas_does_not_depend_on_batch_size(world: World) -> None:
    fns = world.registry.functions
    world.send(fns.anchor(DRIVING, SHANGHAI, 1, refs(16, b"warm")), world.dmv.anchor)
    # Same calldata bytes apart from the count, whose encoding is non-zero in both.
    used = [
        world.send(fns.anchor(DRIVING, SHANGHAI, count, refs(16, b"x")), world.dmv.anchor).gasUsed
        for count in (0x01010101, 0x02020202)
    ]
    assert used[0] == used[1]


def test_the_first_anchor_costs_the_same_as_later_ones(world: World) -> None:
    # Registration leaves the head slot non-zero (see LicenceRegistry.ZERO_HEAD).
    fns = world.registry.functions
    used = [world.send(fns.anchor(DRIVING, SHANGHAI, 5, refs(1, b"same")),
                       world.dmv.anchor).gasUsed for _ in "ab"]
    # Equal up to the branch that reads the placeholder; filling a zero slot would add 17,100.
    assert abs(used[0] - used[1]) < 100
