"""Registering authorities, scopes (licence type, region), suspension with a grace date,
and role accounts (all through the council)."""

from __future__ import annotations

import pytest
from web3 import Web3

from tests.support.facts import BUSINESS, DRIVING, PROFESSIONAL
from tests.support.world import DMV

from .world import (
    ANCHOR,
    COUNCIL_WITHDRAWN,
    DAY,
    JIANGSU,
    KEYS,
    NANJING,
    NATIONWIDE,
    REVOKED,
    SHANGHAI,
    STATUS,
    Reverted,
    World,
    refs,
    region,
)

ZERO = "0x" + "00" * 20


def test_registered_authorities_are_readable(world: World) -> None:
    fns = world.registry.functions
    assert fns.authorityCount().call() == 2
    assert world.authority(1) == {
        "id": DMV.code,
        "nameZh": DMV.name_zh,
        "nameEn": DMV.name_en,
        "jurisdiction": DMV.jurisdiction,
        "suspended": False,
        "graceUntil": 0,
        "keyCount": 1,
        "batchHead": bytes(32),
        "statusHead": bytes(32),
    }
    assert fns.authorityAccount(world.dmv.anchor).call() == [1, ANCHOR]
    assert fns.authorityAccount(world.dmv.status).call() == [1, STATUS]
    assert fns.authorityAccount(world.amr.keys).call() == [2, KEYS]
    assert fns.authorityAccount(world.stranger).call() == [0, 0]
    assert fns.authorityById("CN-32-AMR").call() == 2
    assert fns.authorityById("CN-44-DMV").call() == 0
    assert fns.scopes(1).call() == [(DRIVING, SHANGHAI)]
    assert fns.scope(2, BUSINESS, JIANGSU).call() == [True, 0]
    assert fns.scope(2, BUSINESS, NANJING).call() == [False, 0]


def test_register_emits_one_event_per_fact(world: World) -> None:
    a, b = world.spare[:2]
    receipt = world.govern(
        "registerAuthority", "CN-44-DMV", "广东", "Guangdong", "CN-44",
        [(DRIVING, region("44")), (PROFESSIONAL, NATIONWIDE)], [(a, ANCHOR), (b, STATUS | KEYS)],
    )
    events = world.events(receipt)[1:-1]  # between ProposalApproved and ProposalExecuted
    assert events == [
        ("AuthorityRegistered", {"authority": 3, "id": "CN-44-DMV", "nameZh": "广东",
                                 "nameEn": "Guangdong", "jurisdiction": "CN-44"}),
        ("ScopeChanged", {"authority": 3, "licenceType": DRIVING, "region": region("44"),
                          "enabled": True, "graceUntil": 0}),
        ("ScopeChanged", {"authority": 3, "licenceType": PROFESSIONAL, "region": NATIONWIDE,
                          "enabled": True, "graceUntil": 0}),
        ("AuthorityAccountSet", {"authority": 3, "account": a, "oldRoles": 0, "roles": ANCHOR}),
        ("AuthorityAccountSet", {"authority": 3, "account": b, "oldRoles": 0,
                                 "roles": STATUS | KEYS}),
    ]
    assert world.registry.functions.authorityAccount(b).call() == [3, STATUS | KEYS]


def test_register_without_scopes_or_accounts_emits_only_the_registration(world: World) -> None:
    receipt = world.govern("registerAuthority", "CN-44-DMV", "", "", "CN-44", [], [])
    assert [name for name, _ in world.events(receipt)[1:-1]] == ["AuthorityRegistered"]


@pytest.mark.parametrize(
    ("id_", "scopes", "accounts", "expected"),
    [
        ("", [], [], Reverted("RegistryInvalidAuthorityId", ("",))),
        ("CN-31-DMV", [], [], Reverted("RegistryAuthorityIdTaken", ("CN-31-DMV",))),
        ("CN-44-DMV", [(0, SHANGHAI)], [], Reverted("RegistryInvalidLicenceType", (0,))),
        ("CN-44-DMV", [], [(ZERO, ANCHOR)], Reverted("RegistryInvalidAccount", (ZERO,))),
        ("CN-44-DMV", [(DRIVING, b"3\0\0\0\0\0")], [],
         Reverted("RegistryInvalidRegion", (b"3\0\0\0\0\0",))),
    ],
)
def test_register_refuses_bad_records(world: World, id_: str, scopes: list, accounts: list,
                                      expected: Reverted) -> None:
    error = world.govern_reverts("registerAuthority", id_, "", "", "CN-44", scopes, accounts)
    assert error == expected


def test_register_refuses_accounts_that_already_act_for_an_authority(world: World) -> None:
    error = world.govern_reverts("registerAuthority", "X", "", "", "CN", [],
                                 [(world.dmv.anchor, ANCHOR)])
    assert error == Reverted("RegistryAccountTaken", (world.dmv.anchor, 1))
    error = world.govern_reverts("registerAuthority", "X", "", "", "CN", [],
                                 [(world.spare[0], 8)])
    assert error == Reverted("RegistryInvalidRoles", (8,))


# ------------------------------------------------------------------ scopes


@pytest.mark.parametrize("code", ["", "32", "3201", "320102"])
def test_regions_are_two_four_or_six_digits_or_nationwide(world: World, code: str) -> None:
    world.govern("setScope", 1, PROFESSIONAL, region(code), True, 0)
    assert world.registry.functions.scope(1, PROFESSIONAL, region(code)).call()[0]


@pytest.mark.parametrize("raw", [b"3\0\0\0\0\0", b"32a\0\0\0", b"3\x0020\0\0", b"\0\x0032\0\0",
                                 b"32012", b"CN\0\0\0\0"])
def test_malformed_regions_are_refused(world: World, raw: bytes) -> None:
    raw = raw.ljust(6, b"\0")
    assert world.govern_reverts("setScope", 1, DRIVING, raw, True, 0) == Reverted(
        "RegistryInvalidRegion", (raw,))


def test_scope_change_is_reported_and_listed(world: World) -> None:
    fns = world.registry.functions
    receipt = world.govern("setScope", 1, DRIVING, NANJING, True, 0)
    assert world.events(receipt)[1:-1] == [
        ("ScopeChanged", {"authority": 1, "licenceType": DRIVING, "region": NANJING,
                          "enabled": True, "graceUntil": 0})]
    assert fns.scopes(1).call() == [(DRIVING, SHANGHAI), (DRIVING, NANJING)]
    world.send(fns.anchor(DRIVING, NANJING, 1, refs(1)), world.dmv.anchor)


def test_same_scope_state_emits_nothing(world: World) -> None:
    receipt = world.govern("setScope", 1, DRIVING, SHANGHAI, True, 0)
    assert [name for name, _ in world.events(receipt)] == ["ProposalApproved", "ProposalExecuted"]


def test_removed_scope_stops_anchoring_and_records_its_grace_date(world: World) -> None:
    fns = world.registry.functions
    world.govern("setScope", 1, DRIVING, NANJING, True, 0)
    grace = world.latest_timestamp() + 30 * DAY
    receipt = world.govern("setScope", 1, DRIVING, SHANGHAI, False, grace)
    assert world.events(receipt)[1:-1] == [
        ("ScopeChanged", {"authority": 1, "licenceType": DRIVING, "region": SHANGHAI,
                          "enabled": False, "graceUntil": grace})]
    assert fns.scope(1, DRIVING, SHANGHAI).call() == [False, grace]
    assert fns.scopes(1).call() == [(DRIVING, NANJING)]  # the last moved into the gap
    error = world.reverts(fns.anchor(DRIVING, SHANGHAI, 1, refs(1)), world.dmv.anchor)
    assert error == Reverted("RegistryScopeNotAccredited", (1, DRIVING, SHANGHAI))
    # The council may move the grace date of a removed scope; the same date is a no-op.
    receipt = world.govern("setScope", 1, DRIVING, SHANGHAI, False, grace + DAY)
    assert fns.scope(1, DRIVING, SHANGHAI).call() == [False, grace + DAY]
    receipt = world.govern("setScope", 1, DRIVING, SHANGHAI, False, grace + DAY)
    assert [name for name, _ in world.events(receipt)] == ["ProposalApproved", "ProposalExecuted"]
    # Enabled again, the grace date is gone.
    world.govern("setScope", 1, DRIVING, SHANGHAI, True, 0)
    assert fns.scope(1, DRIVING, SHANGHAI).call() == [True, 0]
    world.send(fns.anchor(DRIVING, SHANGHAI, 1, refs(1)), world.dmv.anchor)


def test_removing_a_scope_never_held_is_refused(world: World) -> None:
    assert world.govern_reverts("setScope", 1, BUSINESS, SHANGHAI, False, 0) == Reverted(
        "RegistryScopeNotAccredited", (1, BUSINESS, SHANGHAI))


@pytest.mark.parametrize(
    "call",
    [
        ("setScope", 3, DRIVING, SHANGHAI, True, 0),
        ("suspendAuthority", 3, 0),
        ("reinstateAuthority", 0),
        ("setAuthorityAccount", 3, ZERO, ANCHOR),
        ("councilSetStatus", 9, REVOKED, 0, COUNCIL_WITHDRAWN, refs(1), b""),
        ("councilSetKeyCompromised", 3, 1, 5),
        ("councilSetKeyValidUntil", 3, 1, 5),
    ],
)
def test_governance_on_unknown_authorities_is_refused(world: World, call: tuple) -> None:
    name, number, *args = call
    assert world.govern_reverts(name, number, *args) == Reverted(
        "RegistryAuthorityUnknown", (number,))


# ------------------------------------------------------------------ suspension


def test_suspend_with_a_grace_date_and_reinstate(world: World) -> None:
    grace = world.latest_timestamp() + 14 * DAY
    receipt = world.govern("suspendAuthority", 1, grace)
    assert world.events(receipt)[1:-1] == [
        ("AuthoritySuspended", {"authority": 1, "graceUntil": grace})]
    record = world.authority(1)
    assert (record["suspended"], record["graceUntil"]) == (True, grace)
    assert world.govern_reverts("suspendAuthority", 1, grace) == Reverted(
        "RegistryAuthoritySuspended", (1,))
    # The council may move the grace date of a running suspension.
    world.govern("suspendAuthority", 1, grace + DAY)
    assert world.authority(1)["graceUntil"] == grace + DAY
    receipt = world.govern("reinstateAuthority", 1)
    assert world.events(receipt)[1:-1] == [("AuthorityReinstated", {"authority": 1})]
    record = world.authority(1)
    assert (record["suspended"], record["graceUntil"]) == (False, 0)
    assert world.govern_reverts("reinstateAuthority", 1) == Reverted(
        "RegistryAuthorityNotSuspended", (1,))


# ------------------------------------------------------------------ accounts


def test_role_accounts_are_added_changed_and_removed(world: World) -> None:
    fns = world.registry.functions
    newcomer = world.spare[0]
    receipt = world.govern("setAuthorityAccount", 1, newcomer, ANCHOR)
    assert world.events(receipt)[1:-1] == [
        ("AuthorityAccountSet", {"authority": 1, "account": newcomer, "oldRoles": 0,
                                 "roles": ANCHOR})]
    world.send(fns.anchor(DRIVING, SHANGHAI, 1, refs(1)), newcomer)

    receipt = world.govern("setAuthorityAccount", 1, newcomer, STATUS)
    assert world.events(receipt)[1:-1] == [
        ("AuthorityAccountSet", {"authority": 1, "account": newcomer, "oldRoles": ANCHOR,
                                 "roles": STATUS})]
    error = world.reverts(fns.anchor(DRIVING, SHANGHAI, 1, refs(1)), newcomer)
    assert error == Reverted("RegistryMissingRole", (newcomer, 1, ANCHOR))

    receipt = world.govern("setAuthorityAccount", 1, world.dmv.anchor, 0)
    assert world.events(receipt)[1:-1] == [
        ("AuthorityAccountSet", {"authority": 1, "account": world.dmv.anchor, "oldRoles": ANCHOR,
                                 "roles": 0})]
    assert fns.authorityAccount(world.dmv.anchor).call() == [0, 0]
    error = world.reverts(fns.anchor(DRIVING, SHANGHAI, 1, refs(1)), world.dmv.anchor)
    assert error == Reverted("RegistryMissingRole", (world.dmv.anchor, 0, ANCHOR))


@pytest.mark.parametrize(("account", "roles"), [("dmv", ANCHOR), ("stranger", 0)],
                         ids=["same roles", "remove unknown"])
def test_account_already_in_the_wanted_state_emits_nothing(world: World, account: str,
                                                           roles: int) -> None:
    address = world.dmv.anchor if account == "dmv" else world.stranger
    receipt = world.govern("setAuthorityAccount", 1, address, roles)
    assert [name for name, _ in world.events(receipt)] == ["ProposalApproved", "ProposalExecuted"]


@pytest.mark.parametrize("roles", [ANCHOR, 0])
def test_an_account_acts_for_at_most_one_authority(world: World, roles: int) -> None:
    error = world.govern_reverts("setAuthorityAccount", 1, world.amr.anchor, roles)
    assert error == Reverted("RegistryAccountTaken", (world.amr.anchor, 2))


@pytest.mark.parametrize("account", ["zero", "registry"])
def test_zero_and_registry_addresses_are_no_accounts(world: World, account: str) -> None:
    address = ZERO if account == "zero" else world.self_address
    error = world.govern_reverts("setAuthorityAccount", 1, address, ANCHOR)
    assert error == Reverted("RegistryInvalidAccount", (Web3.to_checksum_address(address),))


def test_roles_beyond_the_three_are_refused(world: World) -> None:
    error = world.govern_reverts("setAuthorityAccount", 1, world.spare[0], 8)
    assert error == Reverted("RegistryInvalidRoles", (8,))
