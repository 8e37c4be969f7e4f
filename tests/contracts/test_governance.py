"""Council governance: M-of-N proposals, membership and threshold changes."""

from __future__ import annotations

import pytest
from web3 import Web3

from chain.solc import load_artifact

from .world import Reverted, World, decode_error, deploy


def test_constructor_records_council_and_threshold(world: World) -> None:
    fns = world.registry.functions
    assert fns.councilMembers().call() == world.council
    assert fns.threshold().call() == 2
    assert all(fns.isCouncilMember(m).call() for m in world.council)
    assert not fns.isCouncilMember(world.stranger).call()


def test_constructor_emits_members_then_threshold(world: World) -> None:
    w3 = world.w3
    accounts = w3.eth.accounts
    registry = deploy(w3, accounts[:2], 1, accounts[0])
    receipt = w3.eth.get_transaction_receipt(
        w3.eth.get_block("latest", full_transactions=True).transactions[0].hash
    )
    logs = [
        registry.events[name]().process_log(log)
        for name, log in zip(
            ["CouncilMemberAdded", "CouncilMemberAdded", "ThresholdChanged"],
            receipt.logs,
            strict=True,
        )
    ]
    assert [log.args for log in logs] == [
        {"account": accounts[0]},
        {"account": accounts[1]},
        {"oldThreshold": 0, "newThreshold": 1},
    ]


@pytest.mark.parametrize(
    ("council_size", "threshold", "error"),
    [
        (0, 1, ("RegistryInvalidThreshold", (1, 0))),
        (2, 0, ("RegistryInvalidThreshold", (0, 2))),
        (2, 3, ("RegistryInvalidThreshold", (3, 2))),
    ],
)
def test_constructor_refuses_impossible_thresholds(
    world: World, council_size: int, threshold: int, error: tuple
) -> None:
    accounts = world.w3.eth.accounts
    assert _deploy_error(world, accounts[:council_size], threshold) == error


def test_constructor_refuses_duplicate_and_zero_members(world: World) -> None:
    a = world.w3.eth.accounts
    zero = "0x" + "00" * 20
    assert _deploy_error(world, [a[0], a[0]], 1) == ("RegistryCouncilMemberExists", (a[0],))
    assert _deploy_error(world, [a[0], zero], 1) == ("RegistryInvalidAccount", (zero,))


def _deploy_error(world: World, council: list[str], threshold: int) -> tuple:
    registry = world.registry
    factory = world.w3.eth.contract(abi=registry.abi, bytecode=_bytecode())
    constructor = factory.constructor(council, threshold)
    error = world.reverts(constructor, world.council[0])
    return error.name, error.args


def _bytecode() -> str:
    return load_artifact("LicenceRegistry")["bytecode"]


def test_proposal_executes_when_threshold_is_reached(world: World) -> None:
    fns = world.registry.functions
    action = world.action("setThreshold", 3)
    pid = world.next_proposal()
    receipt = world.send(fns.propose(action), world.council[0])
    assert world.events(receipt) == [
        ("ProposalCreated", {"proposalId": pid, "proposer": world.council[0], "action": action}),
        ("ProposalApproved", {"proposalId": pid, "member": world.council[0], "approvals": 1}),
    ]
    assert fns.proposal(pid).call() == [world.council[0], action, 1, False]
    assert fns.threshold().call() == 2

    receipt = world.send(fns.approve(pid), world.council[2])
    assert world.events(receipt) == [
        ("ProposalApproved", {"proposalId": pid, "member": world.council[2], "approvals": 2}),
        ("ThresholdChanged", {"oldThreshold": 2, "newThreshold": 3}),
        ("ProposalExecuted", {"proposalId": pid}),
    ]
    assert fns.proposal(pid).call() == [world.council[0], action, 2, True]
    assert fns.threshold().call() == 3
    assert fns.hasApproved(pid, world.council[2]).call()
    assert not fns.hasApproved(pid, world.council[1]).call()


def test_threshold_one_executes_on_propose(world: World) -> None:
    world.govern("setThreshold", 1)
    fns = world.registry.functions
    receipt = world.send(fns.propose(world.action("setThreshold", 2)), world.council[1])
    names = [name for name, _ in world.events(receipt)]
    assert names == ["ProposalCreated", "ProposalApproved", "ThresholdChanged", "ProposalExecuted"]


def test_approval_errors(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("setThreshold", 3)), world.council[0])
    error = world.reverts(fns.approve(pid), world.council[0])
    assert (error.name, error.args) == ("RegistryProposalAlreadyApproved", (pid, world.council[0]))
    for unknown in (0, pid + 1):
        error = world.reverts(fns.approve(unknown), world.council[1])
        assert (error.name, error.args) == ("RegistryProposalUnknown", (unknown,))
    world.send(fns.approve(pid), world.council[1])
    error = world.reverts(fns.approve(pid), world.council[2])
    assert (error.name, error.args) == ("RegistryProposalAlreadyExecuted", (pid,))
    assert world.call_error(fns.proposal(pid + 1)) == _reverted("RegistryProposalUnknown", pid + 1)


def test_failed_action_reverts_the_approval_and_can_be_retried(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("suspendAuthority", 3)), world.council[0])
    failed = world.reverts(fns.approve(pid), world.council[1])
    assert (failed.name, failed.args[0]) == ("RegistryProposalFailed", pid)
    assert decode_error(world.registry, failed.args[1]) == _reverted("RegistryAuthorityUnknown", 3)
    assert fns.proposal(pid).call()[2:] == [1, False]
    assert not fns.hasApproved(pid, world.council[1]).call()
    # Once the authority exists, the same proposal executes.
    world.govern("registerAuthority", "CN-44-DMV", "广东", "Guangdong", "CN-44", 0, [])
    world.send(fns.approve(pid), world.council[1])
    assert world.authority(3)["suspended"]


def test_add_and_remove_council_members(world: World) -> None:
    fns = world.registry.functions
    newcomer = world.spare[0]
    receipt = world.govern("addCouncilMember", newcomer)
    assert ("CouncilMemberAdded", {"account": newcomer}) in world.events(receipt)
    assert fns.councilMembers().call() == [*world.council, newcomer]

    receipt = world.govern("removeCouncilMember", world.council[0])
    assert ("CouncilMemberRemoved", {"account": world.council[0]}) in world.events(receipt)
    assert sorted(fns.councilMembers().call()) == sorted([*world.council[1:], newcomer])
    assert not fns.isCouncilMember(world.council[0]).call()
    error = world.reverts(fns.propose(world.action("setThreshold", 1)), world.council[0])
    assert error.name == "RegistryNotCouncilMember"


def test_membership_errors(world: World) -> None:
    assert world.govern_reverts("addCouncilMember", world.council[1]) == (
        _reverted("RegistryCouncilMemberExists", world.council[1])
    )
    assert world.govern_reverts("removeCouncilMember", world.stranger) == (
        _reverted("RegistryCouncilMemberUnknown", world.stranger)
    )
    for invalid in ("0x" + "00" * 20, world.self_address):
        assert world.govern_reverts("addCouncilMember", invalid) == (
            _reverted("RegistryInvalidAccount", Web3.to_checksum_address(invalid))
        )


def _reverted(name: str, *args: object) -> Reverted:
    return Reverted(name, args)


def test_removing_a_member_keeps_threshold_reachable(world: World) -> None:
    world.govern("setThreshold", 3)
    fns = world.registry.functions
    world.send(fns.propose(world.action("removeCouncilMember", world.council[2])), world.council[0])
    proposal_id = fns.proposalCount().call()
    world.send(fns.approve(proposal_id), world.council[1])
    failed = world.reverts(fns.approve(proposal_id), world.council[2])
    assert decode_error(world.registry, failed.args[1]) == _reverted(
        "RegistryInvalidThreshold", 3, 2
    )


@pytest.mark.parametrize("threshold", [0, 4])
def test_threshold_must_stay_between_one_and_members(world: World, threshold: int) -> None:
    assert world.govern_reverts("setThreshold", threshold) == _reverted(
        "RegistryInvalidThreshold", threshold, 3
    )


def test_setting_the_same_threshold_emits_nothing(world: World) -> None:
    receipt = world.govern("setThreshold", 2)
    assert [name for name, _ in world.events(receipt)] == ["ProposalApproved", "ProposalExecuted"]


def test_a_removed_members_approval_lapses(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("setThreshold", 1)), world.council[2])
    assert fns.proposal(pid).call()[2] == 1
    world.govern("removeCouncilMember", world.council[2])
    assert fns.proposal(pid).call()[2] == 0
    receipt = world.send(fns.approve(pid), world.council[0])
    assert world.events(receipt) == [
        ("ProposalApproved", {"proposalId": pid, "member": world.council[0], "approvals": 1})
    ]
    assert fns.threshold().call() == 2
