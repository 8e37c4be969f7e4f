"""Anchoring an authority's audit-log head: only its anchor account, one event, no state."""

from __future__ import annotations

import pytest

from .world import ANCHOR, Reverted, World

HEAD = bytes(range(32))


def test_the_anchor_account_records_its_authoritys_audit_head(world: World) -> None:
    before = world.authority(1)
    receipt = world.send(world.registry.functions.anchorAudit(HEAD, 7), world.dmv.anchor)
    assert world.events(receipt) == [("AuditAnchored",
                                      {"authority": 1, "head": HEAD, "count": 7})]
    assert world.authority(1) == before  # the event is the record


def test_a_suspended_authority_still_anchors_its_audit_head(world: World) -> None:
    world.govern("suspendAuthority", 1, 0)
    receipt = world.send(world.registry.functions.anchorAudit(HEAD, 1), world.dmv.anchor)
    assert world.events(receipt)[0][1]["authority"] == 1


@pytest.mark.parametrize("sender", ["status", "keys", "stranger"])
def test_other_accounts_cannot_anchor_an_audit_head(world: World, sender: str) -> None:
    address = world.stranger if sender == "stranger" else getattr(world.dmv, sender)
    reverted = world.reverts(world.registry.functions.anchorAudit(HEAD, 1), address)
    assert reverted.name == "RegistryMissingRole"
    assert reverted.args[2] == ANCHOR


@pytest.mark.parametrize(("head", "count"), [(HEAD, 0), (bytes(32), 3)],
                         ids=["no-entries", "zero-head"])
def test_an_empty_audit_head_is_refused(world: World, head: bytes, count: int) -> None:
    assert world.reverts(world.registry.functions.anchorAudit(head, count),
                         world.dmv.anchor) == Reverted("RegistryInvalidAuditHead", (head, count))
