"""Property: for any interleaving of anchors and status changes by both authorities, heads
recomputed from the events alone equal the heads the registry reports."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.facts import BUSINESS, DRIVING

from .world import (
    FAR_FUTURE,
    JIANGSU,
    REINSTATED,
    REVOKED,
    SHANGHAI,
    SUPERSEDED,
    SUSPENDED,
    World,
    batch_head,
    status_head,
)

node_lists = st.integers(1, 16).flatmap(lambda n: st.binary(min_size=16 * n, max_size=16 * n))
anchors = st.tuples(st.just("anchor"), st.integers(1, 2**32 - 1), node_lists)
statuses = st.tuples(
    st.just("status"), st.sampled_from([REVOKED, SUSPENDED, REINSTATED, SUPERSEDED]), node_lists
)
operations = st.lists(st.tuples(st.sampled_from([1, 2]), st.one_of(anchors, statuses)), max_size=8)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations, reason=st.integers(0, 4))
def test_replayed_events_reproduce_the_heads(_world: World, ops: list, reason: int) -> None:
    world = _world
    snapshot = world.snapshot()
    try:
        _check(world, ops, reason)
    finally:
        world.revert(snapshot)


def _check(world: World, ops: list, reason: int) -> None:
    fns = world.registry.functions
    senders = {1: (world.dmv, DRIVING, SHANGHAI), 2: (world.amr, BUSINESS, JIANGSU)}
    batch = {1: bytes(32), 2: bytes(32)}
    status = {1: bytes(32), 2: bytes(32)}
    for number, (kind, value, nodes) in ops:
        roles, licence_type, region = senders[number]
        if kind == "anchor":
            receipt = world.send(fns.anchor(licence_type, region, value, nodes), roles.anchor)
        else:
            until = FAR_FUTURE if value == SUSPENDED else 0
            successors = nodes[::-1] if value == SUPERSEDED else b""
            receipt = world.send(fns.setStatus(value, until, reason, nodes, successors),
                                 roles.status)
        for name, args in world.events(receipt):
            assert args["authority"] == number
            if name == "BatchAnchored":
                batch[number] = batch_head(
                    batch[number],
                    args["licenceType"],
                    args["region"],
                    args["count"],
                    args["anchoredAt"],
                    args["roots"],
                )
                assert args["head"] == batch[number]
            else:
                status[number] = status_head(
                    status[number],
                    args["status"],
                    args["until"],
                    args["reasonClass"],
                    args["refs"],
                    args["successors"],
                )
                assert args["head"] == status[number]
    for number in (1, 2):
        on_chain = world.authority(number)
        assert (on_chain["batchHead"], on_chain["statusHead"]) == (batch[number], status[number])
