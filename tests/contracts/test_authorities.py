"""Registering authorities, accreditation, suspension and accounts (all through the council)."""

from __future__ import annotations

import pytest
from web3 import Web3

from .world import (
    BUSINESS,
    DRIVING,
    PROFESSIONAL,
    Reverted,
    World,
    refs,
    types_mask,
)

ZERO = "0x" + "00" * 20


def test_registered_authorities_are_readable(world: World) -> None:
    fns = world.registry.functions
    assert fns.authorityCount().call() == 2
    assert world.authority(1) == {
        "id": "CN-31-DMV",
        "nameZh": "上海市公安局交通警察总队",
        "nameEn": "Shanghai Traffic Police",
        "jurisdiction": "CN-31",
        "accreditedTypes": types_mask(DRIVING),
        "suspended": False,
        "keyCount": 1,
        "batchHead": bytes(32),
        "statusHead": bytes(32),
    }
    assert fns.authorityOf(world.dmv).call() == 1
    assert fns.authorityOf(world.amr).call() == 2
    assert fns.authorityOf(world.stranger).call() == 0
    assert fns.authorityById("CN-11-AMR").call() == 2
    assert fns.authorityById("CN-44-DMV").call() == 0


def test_register_emits_one_event_per_fact(world: World) -> None:
    accounts = world.spare[:2]
    types = types_mask(DRIVING, PROFESSIONAL)
    receipt = world.govern(
        "registerAuthority", "CN-44-DMV", "广东", "Guangdong", "CN-44", types, accounts
    )
    events = world.events(receipt)[1:-1]  # between ProposalApproved and ProposalExecuted
    assert events == [
        (
            "AuthorityRegistered",
            {
                "authority": 3,
                "id": "CN-44-DMV",
                "nameZh": "广东",
                "nameEn": "Guangdong",
                "jurisdiction": "CN-44",
            },
        ),
        ("AccreditationChanged", {"authority": 3, "oldTypes": 0, "newTypes": types}),
        ("AuthorityAccountSet", {"authority": 3, "account": accounts[0], "enabled": True}),
        ("AuthorityAccountSet", {"authority": 3, "account": accounts[1], "enabled": True}),
    ]
    assert world.registry.functions.authorityOf(accounts[1]).call() == 3


def test_register_without_types_or_accounts_emits_only_the_registration(world: World) -> None:
    receipt = world.govern("registerAuthority", "CN-44-DMV", "", "", "CN-44", 0, [])
    assert [name for name, _ in world.events(receipt)[1:-1]] == ["AuthorityRegistered"]


@pytest.mark.parametrize(
    ("id_", "types", "accounts", "expected"),
    [
        ("", 0, [], Reverted("RegistryInvalidAuthorityId", ("",))),
        ("CN-31-DMV", 0, [], Reverted("RegistryAuthorityIdTaken", ("CN-31-DMV",))),
        ("CN-44-DMV", 1, [], Reverted("RegistryInvalidLicenceType", (0,))),
        ("CN-44-DMV", 0, [ZERO], Reverted("RegistryInvalidAccount", (ZERO,))),
    ],
)
def test_register_refuses_bad_records(
    world: World, id_: str, types: int, accounts: list[str], expected: Reverted
) -> None:
    error = world.govern_reverts("registerAuthority", id_, "", "", "CN-44", types, accounts)
    assert error == expected


def test_register_refuses_accounts_that_already_act_for_an_authority(world: World) -> None:
    error = world.govern_reverts("registerAuthority", "X", "", "", "CN", 0, [world.dmv])
    assert error == Reverted("RegistryAccountTaken", (world.dmv, 1))
    twice = [world.spare[0], world.spare[0]]
    error = world.govern_reverts("registerAuthority", "X", "", "", "CN", 0, twice)
    assert error == Reverted("RegistryAccountTaken", (world.spare[0], 3))


def test_accreditation_change_reports_old_and_new(world: World) -> None:
    new = types_mask(DRIVING, BUSINESS)
    receipt = world.govern("setAccreditation", 1, new)
    assert world.events(receipt)[1:-1] == [
        ("AccreditationChanged", {"authority": 1, "oldTypes": types_mask(DRIVING), "newTypes": new})
    ]
    assert world.authority(1)["accreditedTypes"] == new
    world.send(world.registry.functions.anchor(BUSINESS, 1, refs(1)), world.dmv)


def test_same_accreditation_emits_nothing(world: World) -> None:
    receipt = world.govern("setAccreditation", 1, types_mask(DRIVING))
    assert [name for name, _ in world.events(receipt)] == ["ProposalApproved", "ProposalExecuted"]


def test_withdrawn_accreditation_stops_anchoring(world: World) -> None:
    world.govern("setAccreditation", 1, 0)
    error = world.reverts(world.registry.functions.anchor(DRIVING, 1, refs(1)), world.dmv)
    assert error == Reverted("RegistryTypeNotAccredited", (1, DRIVING))


@pytest.mark.parametrize(
    "call",
    [
        ("setAccreditation", 3, 2),
        ("suspendAuthority", 3),
        ("reinstateAuthority", 0),
        ("setAuthorityAccount", 3, ZERO, True),
        ("councilSetStatus", 9, 1, 0, 0, refs(1), b""),
        ("councilMarkKeyCompromised", 3, 1, 5),
    ],
)
def test_governance_on_unknown_authorities_is_refused(world: World, call: tuple) -> None:
    name, number, *args = call
    assert world.govern_reverts(name, number, *args) == Reverted(
        "RegistryAuthorityUnknown", (number,)
    )


def test_suspend_and_reinstate(world: World) -> None:
    receipt = world.govern("suspendAuthority", 1)
    assert world.events(receipt)[1:-1] == [("AuthoritySuspended", {"authority": 1})]
    assert world.authority(1)["suspended"]
    assert world.govern_reverts("suspendAuthority", 1) == Reverted(
        "RegistryAuthoritySuspended", (1,)
    )
    receipt = world.govern("reinstateAuthority", 1)
    assert world.events(receipt)[1:-1] == [("AuthorityReinstated", {"authority": 1})]
    assert not world.authority(1)["suspended"]
    assert world.govern_reverts("reinstateAuthority", 1) == Reverted(
        "RegistryAuthorityNotSuspended", (1,)
    )


def test_accounts_can_be_added_and_removed(world: World) -> None:
    fns = world.registry.functions
    newcomer = world.spare[0]
    receipt = world.govern("setAuthorityAccount", 1, newcomer, True)
    assert world.events(receipt)[1:-1] == [
        ("AuthorityAccountSet", {"authority": 1, "account": newcomer, "enabled": True})
    ]
    world.send(fns.anchor(DRIVING, 1, refs(1)), newcomer)

    receipt = world.govern("setAuthorityAccount", 1, world.dmv, False)
    assert world.events(receipt)[1:-1] == [
        ("AuthorityAccountSet", {"authority": 1, "account": world.dmv, "enabled": False})
    ]
    assert fns.authorityOf(world.dmv).call() == 0
    error = world.reverts(fns.anchor(DRIVING, 1, refs(1)), world.dmv)
    assert error == Reverted("RegistryUnauthorizedAccount", (world.dmv, 0))


@pytest.mark.parametrize(
    ("account", "enabled"), [("dmv", True), ("stranger", False)], ids=["enable", "disable"]
)
def test_account_already_in_the_wanted_state_emits_nothing(
    world: World, account: str, enabled: bool
) -> None:
    receipt = world.govern("setAuthorityAccount", 1, getattr(world, account), enabled)
    assert [name for name, _ in world.events(receipt)] == ["ProposalApproved", "ProposalExecuted"]


@pytest.mark.parametrize("enabled", [True, False])
def test_an_account_acts_for_at_most_one_authority(world: World, enabled: bool) -> None:
    error = world.govern_reverts("setAuthorityAccount", 1, world.amr, enabled)
    assert error == Reverted("RegistryAccountTaken", (world.amr, 2))


@pytest.mark.parametrize("account", ["zero", "registry"])
def test_zero_and_registry_addresses_are_no_accounts(world: World, account: str) -> None:
    address = ZERO if account == "zero" else world.self_address
    error = world.govern_reverts("setAuthorityAccount", 1, address, True)
    assert error == Reverted("RegistryInvalidAccount", (Web3.to_checksum_address(address),))
