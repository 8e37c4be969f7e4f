"""Every state-changing function tried by every caller: council member, random account,
each role account of the authority, another authority's accounts, and the registry itself
via a proposal. A wrong role is refused with RegistryMissingRole naming the role needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import function_signature_to_4byte_selector

from tests.support.facts import BUSINESS, DRIVING, PROFESSIONAL

from .world import (
    ANCHOR,
    COUNCIL_WITHDRAWN,
    FAR_FUTURE,
    JIANGSU,
    KEYS,
    REVOKED,
    SHANGHAI,
    STATUS,
    World,
    compressed_key,
    refs,
)

Args = Callable[[World], list[Any]]

ONLY_SELF: dict[str, Args] = {
    "addCouncilMember": lambda w: [w.spare[0]],
    "removeCouncilMember": lambda w: [w.council[2]],
    "setThreshold": lambda w: [3],
    "registerAuthority": lambda w: ["CN-44-DMV", "广东", "Guangdong", "CN-44", [], []],
    "setScope": lambda w: [1, PROFESSIONAL, SHANGHAI, True, 0],
    "suspendAuthority": lambda w: [1, 0],
    "reinstateAuthority": lambda w: [1],
    "setAuthorityAccount": lambda w: [1, w.spare[0], ANCHOR],
    "councilSetStatus": lambda w: [1, REVOKED, 0, COUNCIL_WITHDRAWN, refs(1), b""],
    "councilSetKeyCompromised": lambda w: [1, 1, 1_000],
    "councilSetKeyValidUntil": lambda w: [1, 1, 1_000],
}

# Role-account functions and the one role each needs.
ROLE_ONLY: dict[str, tuple[int, Args]] = {
    "addKey": (KEYS, lambda w: [compressed_key(9), 0, FAR_FUTURE]),
    "setKeyValidUntil": (KEYS, lambda w: [1, FAR_FUTURE - 1]),
    "markKeyCompromised": (KEYS, lambda w: [1]),
    "anchor": (ANCHOR, lambda w: [DRIVING, SHANGHAI, 10, refs(1)]),
    "setStatus": (STATUS, lambda w: [REVOKED, 0, 0, refs(1), b""]),
}

COUNCIL_ONLY: dict[str, Args] = {
    "propose": lambda w: [w.action("setThreshold", 3), 0],
    "approve": lambda w: [1],
    "cancel": lambda w: [1],
}

CALLERS: dict[str, Callable[[World], str]] = {
    "council member": lambda w: w.council[0],
    "random account": lambda w: w.stranger,
    "anchor account": lambda w: w.dmv.anchor,
    "status account": lambda w: w.dmv.status,
    "keys account": lambda w: w.dmv.keys,
    "other authority's anchor account": lambda w: w.amr.anchor,
}


def selector(world: World, name: str) -> bytes:
    item = next(i for i in world.registry.abi if i.get("name") == name)
    types = ",".join(_type(i) for i in item["inputs"])
    return function_signature_to_4byte_selector(f"{name}({types})")


def _type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        return "(" + ",".join(_type(c) for c in item["components"]) + ")" + item["type"][5:]
    return item["type"]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("name", ONLY_SELF)
def test_only_self_functions_refuse_every_direct_caller(world: World, name: str,
                                                        caller: str) -> None:
    account = CALLERS[caller](world)
    fn = world.registry.functions[name](*ONLY_SELF[name](world))
    error = world.reverts(fn, account)
    assert (error.name, error.args) == ("RegistryOnlySelf", (account,))


@pytest.mark.parametrize("caller", ["council member", "random account"])
@pytest.mark.parametrize("name", ROLE_ONLY)
def test_role_functions_refuse_accounts_of_no_authority(world: World, name: str,
                                                       caller: str) -> None:
    account = CALLERS[caller](world)
    role, args = ROLE_ONLY[name]
    error = world.reverts(world.registry.functions[name](*args(world)), account)
    assert (error.name, error.args) == ("RegistryMissingRole", (account, 0, role))


@pytest.mark.parametrize("name", ROLE_ONLY)
def test_role_functions_succeed_for_the_account_holding_the_role(world: World, name: str) -> None:
    role, args = ROLE_ONLY[name]
    events = world.events(world.send(world.registry.functions[name](*args(world)),
                                     world.dmv.by_role(role)))
    assert len(events) == 1
    assert events[0][1]["authority"] == 1


@pytest.mark.parametrize("holder", [ANCHOR, STATUS, KEYS])
@pytest.mark.parametrize("name", ROLE_ONLY)
def test_role_functions_refuse_the_authoritys_other_roles(world: World, name: str,
                                                         holder: int) -> None:
    role, args = ROLE_ONLY[name]
    if holder == role:
        return
    account = world.dmv.by_role(holder)
    error = world.reverts(world.registry.functions[name](*args(world)), account)
    assert (error.name, error.args) == ("RegistryMissingRole", (account, 1, role))


@pytest.mark.parametrize("name", ["addKey", "setKeyValidUntil", "markKeyCompromised", "setStatus"])
def test_another_authoritys_account_acts_only_in_its_own_namespace(world: World, name: str) -> None:
    before = world.authority(1), world.registry.functions.key(1, 1).call()
    role, args = ROLE_ONLY[name]
    events = world.events(world.send(world.registry.functions[name](*args(world)),
                                     world.amr.by_role(role)))
    assert [a["authority"] for _, a in events] == [2]
    assert (world.authority(1), world.registry.functions.key(1, 1).call()) == before


def test_another_authority_cannot_anchor_under_the_first_authoritys_scope(world: World) -> None:
    fn = world.registry.functions.anchor(DRIVING, SHANGHAI, 10, refs(1))
    error = world.reverts(fn, world.amr.anchor)
    assert (error.name, error.args) == ("RegistryScopeNotAccredited", (2, DRIVING, SHANGHAI))
    world.send(world.registry.functions.anchor(BUSINESS, JIANGSU, 10, refs(1)), world.amr.anchor)


def test_one_account_may_hold_several_roles(world: World) -> None:
    both = world.spare[0]
    world.govern("setAuthorityAccount", 1, both, ANCHOR | STATUS)
    fns = world.registry.functions
    world.send(fns.anchor(DRIVING, SHANGHAI, 1, refs(1)), both)
    world.send(fns.setStatus(REVOKED, 0, 0, refs(1), b""), both)
    error = world.reverts(fns.markKeyCompromised(1), both)
    assert (error.name, error.args) == ("RegistryMissingRole", (both, 1, KEYS))


@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "council member"])
@pytest.mark.parametrize("name", COUNCIL_ONLY)
def test_governance_refuses_non_members(world: World, name: str, caller: str) -> None:
    account = CALLERS[caller](world)
    if name != "propose":
        world.send(world.registry.functions.propose(world.action("setThreshold", 3), 0),
                   world.council[0])
    error = world.reverts(world.registry.functions[name](*COUNCIL_ONLY[name](world)), account)
    assert (error.name, error.args) == ("RegistryNotCouncilMember", (account,))


@pytest.mark.parametrize("name", [*ROLE_ONLY, *COUNCIL_ONLY])
def test_registry_itself_cannot_be_proposed_to_call_non_governance_functions(
    world: World, name: str
) -> None:
    args = ROLE_ONLY[name][1](world) if name in ROLE_ONLY else COUNCIL_ONLY[name](world)
    action = world.action(name, *args)
    error = world.reverts(world.registry.functions.propose(action, 0), world.council[0])
    assert (error.name, error.args) == ("RegistryInvalidAction", (selector(world, name),))


@pytest.mark.parametrize("action", [b"", b"\x01\x02\x03", b"\xde\xad\xbe\xef" + bytes(32)])
def test_proposals_of_unknown_calldata_are_refused(world: World, action: bytes) -> None:
    error = world.reverts(world.registry.functions.propose(action, 0), world.council[0])
    expected = action[:4] if len(action) >= 4 else bytes(4)
    assert (error.name, error.args) == ("RegistryInvalidAction", (expected,))


@pytest.mark.parametrize("name", ONLY_SELF)
def test_registry_itself_runs_every_governance_function_through_a_proposal(
    world: World, name: str
) -> None:
    if name == "reinstateAuthority":
        world.govern("suspendAuthority", 1, 0)
    if name == "addCouncilMember":  # 2 of 4 would not be a majority
        world.govern("setThreshold", 3)
    receipt = world.govern(name, *ONLY_SELF[name](world))
    names = [event for event, _ in world.events(receipt)]
    assert names[0] == "ProposalApproved"
    assert names[-1] == "ProposalExecuted"
    assert len(names) >= 3  # the action emitted its own event in between
