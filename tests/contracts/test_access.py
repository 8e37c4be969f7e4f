"""Every state-changing function tried by every role: council member, random account,
authority account, another authority's account, and the registry itself via a proposal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import function_signature_to_4byte_selector

from .world import (
    BUSINESS,
    DRIVING,
    FAR_FUTURE,
    PROFESSIONAL,
    REVOKED,
    World,
    compressed_key,
    refs,
    types_mask,
)

Args = Callable[[World], list[Any]]

ONLY_SELF: dict[str, Args] = {
    "addCouncilMember": lambda w: [w.spare[0]],
    "removeCouncilMember": lambda w: [w.council[2]],
    "setThreshold": lambda w: [3],
    "registerAuthority": lambda w: ["CN-44-DMV", "广东", "Guangdong", "CN-44", 2, []],
    "setAccreditation": lambda w: [1, types_mask(DRIVING, PROFESSIONAL)],
    "suspendAuthority": lambda w: [1],
    "reinstateAuthority": lambda w: [1],
    "setAuthorityAccount": lambda w: [1, w.spare[0], True],
    "councilSetStatus": lambda w: [1, REVOKED, 0, 0, refs(1), b""],
    "councilMarkKeyCompromised": lambda w: [1, 1, 1_000],
}

AUTHORITY_ONLY: dict[str, Args] = {
    "addKey": lambda w: [compressed_key(9), 0, FAR_FUTURE],
    "setKeyValidUntil": lambda w: [1, FAR_FUTURE - 1],
    "markKeyCompromised": lambda w: [1, 1_000],
    "anchor": lambda w: [DRIVING, 10, refs(1)],
    "setStatus": lambda w: [REVOKED, 0, 0, refs(1), b""],
}

COUNCIL_ONLY: dict[str, Args] = {
    "propose": lambda w: [w.action("setThreshold", 3)],
    "approve": lambda w: [1],
}

ROLES: dict[str, Callable[[World], str]] = {
    "council member": lambda w: w.council[0],
    "random account": lambda w: w.stranger,
    "authority account": lambda w: w.dmv,
    "other authority's account": lambda w: w.amr,
}


def selector(world: World, name: str) -> bytes:
    item = next(i for i in world.registry.abi if i.get("name") == name)
    types = ",".join(i["type"] for i in item["inputs"])
    return function_signature_to_4byte_selector(f"{name}({types})")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ONLY_SELF)
def test_only_self_functions_refuse_every_direct_caller(world: World, name: str, role: str) -> None:
    caller = ROLES[role](world)
    fn = world.registry.functions[name](*ONLY_SELF[name](world))
    error = world.reverts(fn, caller)
    assert (error.name, error.args) == ("RegistryOnlySelf", (caller,))


@pytest.mark.parametrize("role", ["council member", "random account"])
@pytest.mark.parametrize("name", AUTHORITY_ONLY)
def test_authority_functions_refuse_accounts_of_no_authority(
    world: World, name: str, role: str
) -> None:
    caller = ROLES[role](world)
    fn = world.registry.functions[name](*AUTHORITY_ONLY[name](world))
    error = world.reverts(fn, caller)
    assert (error.name, error.args) == ("RegistryUnauthorizedAccount", (caller, 0))


@pytest.mark.parametrize("name", AUTHORITY_ONLY)
def test_authority_functions_succeed_for_the_authority_account(world: World, name: str) -> None:
    fn = world.registry.functions[name](*AUTHORITY_ONLY[name](world))
    events = world.events(world.send(fn, world.dmv))
    assert len(events) == 1
    assert events[0][1]["authority"] == 1


@pytest.mark.parametrize("name", ["addKey", "setKeyValidUntil", "markKeyCompromised", "setStatus"])
def test_another_authoritys_account_acts_only_in_its_own_namespace(world: World, name: str) -> None:
    before = world.authority(1), world.registry.functions.key(1, 1).call()
    fn = world.registry.functions[name](*AUTHORITY_ONLY[name](world))
    events = world.events(world.send(fn, world.amr))
    assert [args["authority"] for _, args in events] == [2]
    assert (world.authority(1), world.registry.functions.key(1, 1).call()) == before


def test_another_authoritys_account_cannot_anchor_the_first_authoritys_type(world: World) -> None:
    fn = world.registry.functions.anchor(*AUTHORITY_ONLY["anchor"](world))
    error = world.reverts(fn, world.amr)
    assert (error.name, error.args) == ("RegistryTypeNotAccredited", (2, DRIVING))
    world.send(world.registry.functions.anchor(BUSINESS, 10, refs(1)), world.amr)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "council member"])
@pytest.mark.parametrize("name", COUNCIL_ONLY)
def test_governance_refuses_non_members(world: World, name: str, role: str) -> None:
    caller = ROLES[role](world)
    if name == "approve":
        fn = world.registry.functions.propose(world.action("setThreshold", 3))
        world.send(fn, world.council[0])
    fn = world.registry.functions[name](*COUNCIL_ONLY[name](world))
    error = world.reverts(fn, caller)
    assert (error.name, error.args) == ("RegistryNotCouncilMember", (caller,))


@pytest.mark.parametrize("name", [*AUTHORITY_ONLY, *COUNCIL_ONLY])
def test_registry_itself_cannot_be_proposed_to_call_non_governance_functions(
    world: World, name: str
) -> None:
    args = {**AUTHORITY_ONLY, **COUNCIL_ONLY}[name](world)
    action = world.action(name, *args)
    error = world.reverts(world.registry.functions.propose(action), world.council[0])
    assert (error.name, error.args) == ("RegistryInvalidAction", (selector(world, name),))


@pytest.mark.parametrize("action", [b"", b"\x01\x02\x03", b"\xde\xad\xbe\xef" + bytes(32)])
def test_proposals_of_unknown_calldata_are_refused(world: World, action: bytes) -> None:
    error = world.reverts(world.registry.functions.propose(action), world.council[0])
    expected = action[:4] if len(action) >= 4 else bytes(4)
    assert (error.name, error.args) == ("RegistryInvalidAction", (expected,))


@pytest.mark.parametrize("name", ONLY_SELF)
def test_registry_itself_runs_every_governance_function_through_a_proposal(
    world: World, name: str
) -> None:
    if name == "reinstateAuthority":
        world.govern("suspendAuthority", 1)
    receipt = world.govern(name, *ONLY_SELF[name](world))
    names = [event for event, _ in world.events(receipt)]
    assert names[0] == "ProposalApproved"
    assert names[-1] == "ProposalExecuted"
    assert len(names) >= 3  # the action emitted its own event in between
