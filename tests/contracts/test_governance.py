"""Council governance: M-of-N proposals that expire and can be cancelled, membership with
generations (a removed member's approvals never count again), and the threshold rule
(at least 2 and more than half the council, unless the registry is a dev deployment)."""

from __future__ import annotations

import pytest
from web3 import Web3

from chain.solc import load_artifact

from .world import DAY, Reverted, World, decode_error, deploy


def _reverted(name: str, *args: object) -> Reverted:
    return Reverted(name, args)


def test_constructor_records_council_and_threshold(world: World) -> None:
    fns = world.registry.functions
    assert fns.councilMembers().call() == world.council
    assert fns.threshold().call() == 2
    assert fns.dev().call() is False
    assert all(fns.isCouncilMember(m).call() for m in world.council)
    assert not fns.isCouncilMember(world.stranger).call()


def test_constructor_emits_members_then_threshold(world: World) -> None:
    w3 = world.w3
    accounts = w3.eth.accounts
    registry = deploy(w3, accounts[:2], 2, accounts[0])
    receipt = w3.eth.get_transaction_receipt(
        w3.eth.get_block("latest", full_transactions=True).transactions[0].hash
    )
    logs = [
        registry.events[name]().process_log(log)
        for name, log in zip(
            ["CouncilMemberAdded", "CouncilMemberAdded", "ThresholdChanged"], receipt.logs,
            strict=True,
        )
    ]
    assert [log.args for log in logs] == [
        {"account": accounts[0], "generation": 1},
        {"account": accounts[1], "generation": 1},
        {"oldThreshold": 0, "newThreshold": 2},
    ]


@pytest.mark.parametrize(
    ("council_size", "threshold", "dev", "error"),
    [
        (0, 1, False, ("RegistryInvalidThreshold", (1, 0))),
        (2, 0, False, ("RegistryInvalidThreshold", (0, 2))),
        (2, 3, False, ("RegistryInvalidThreshold", (3, 2))),
        (3, 1, False, ("RegistryInvalidThreshold", (1, 3))),  # 1-of-N: one member alone
        (1, 1, False, ("RegistryInvalidThreshold", (1, 1))),
        (4, 2, False, ("RegistryInvalidThreshold", (2, 4))),  # half is not a majority
        (2, 0, True, ("RegistryInvalidThreshold", (0, 2))),
        (2, 3, True, ("RegistryInvalidThreshold", (3, 2))),
    ],
)
def test_constructor_refuses_thresholds_outside_the_rule(
    world: World, council_size: int, threshold: int, dev: bool, error: tuple
) -> None:
    accounts = world.w3.eth.accounts
    assert _deploy_error(world, accounts[:council_size], threshold, dev) == error


@pytest.mark.parametrize(("council_size", "threshold"), [(2, 2), (3, 2), (4, 3), (5, 3)])
def test_majorities_of_at_least_two_are_accepted(world: World, council_size: int,
                                                 threshold: int) -> None:
    registry = deploy(world.w3, world.w3.eth.accounts[:council_size], threshold, world.council[0])
    assert registry.functions.threshold().call() == threshold


def test_a_dev_deployment_may_run_one_of_one(world: World) -> None:
    registry = deploy(world.w3, world.w3.eth.accounts[:1], 1, world.council[0], dev=True)
    assert registry.functions.dev().call() is True
    assert registry.functions.threshold().call() == 1


def test_constructor_refuses_duplicate_and_zero_members(world: World) -> None:
    a = world.w3.eth.accounts
    zero = "0x" + "00" * 20
    assert _deploy_error(world, [a[0], a[0]], 2, False) == ("RegistryCouncilMemberExists", (a[0],))
    assert _deploy_error(world, [a[0], zero], 2, False) == ("RegistryInvalidAccount", (zero,))


def _deploy_error(world: World, council: list[str], threshold: int, dev: bool) -> tuple:
    factory = world.w3.eth.contract(abi=world.registry.abi,
                                    bytecode=load_artifact("LicenceRegistry")["bytecode"])
    error = world.reverts(factory.constructor(council, threshold, dev), world.council[0])
    return error.name, error.args


def test_proposal_executes_when_threshold_is_reached(world: World) -> None:
    fns = world.registry.functions
    action = world.action("setThreshold", 3)
    pid = world.next_proposal()
    receipt = world.send(fns.propose(action, 0), world.council[0])
    created = world.latest_timestamp()
    assert world.events(receipt) == [
        ("ProposalCreated", {"proposalId": pid, "proposer": world.council[0], "action": action,
                             "expiresAt": created + 7 * DAY}),
        ("ProposalApproved", {"proposalId": pid, "member": world.council[0], "approvals": 1}),
    ]
    assert fns.proposal(pid).call() == [world.council[0], action, 1, False, False, created,
                                        created + 7 * DAY]

    receipt = world.send(fns.approve(pid), world.council[2])
    assert world.events(receipt) == [
        ("ProposalApproved", {"proposalId": pid, "member": world.council[2], "approvals": 2}),
        ("ThresholdChanged", {"oldThreshold": 2, "newThreshold": 3}),
        ("ProposalExecuted", {"proposalId": pid}),
    ]
    assert fns.proposal(pid).call()[2:4] == [2, True]
    assert fns.hasApproved(pid, world.council[2]).call()
    assert not fns.hasApproved(pid, world.council[1]).call()


def test_approval_errors(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("setThreshold", 3), 0), world.council[0])
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
    world.send(fns.propose(world.action("suspendAuthority", 3, 0), 0), world.council[0])
    failed = world.reverts(fns.approve(pid), world.council[1])
    assert (failed.name, failed.args[0]) == ("RegistryProposalFailed", pid)
    assert decode_error(world.registry, failed.args[1]) == _reverted("RegistryAuthorityUnknown", 3)
    assert fns.proposal(pid).call()[2:4] == [1, False]
    assert not fns.hasApproved(pid, world.council[1]).call()
    world.govern("registerAuthority", "CN-44-DMV", "广东", "Guangdong", "CN-44", [], [])
    world.send(fns.approve(pid), world.council[1])
    assert world.authority(3)["suspended"]


# ------------------------------------------------------------------ expiry and cancel


def test_a_proposal_expires_after_seven_days_by_default(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("setThreshold", 3), 0), world.council[0])
    expires = fns.proposal(pid).call()[6]
    world.advance(7 * DAY + 1)
    error = world.reverts(fns.approve(pid), world.council[1])
    assert (error.name, error.args) == ("RegistryProposalExpired", (pid, expires))
    assert fns.threshold().call() == 2


def test_a_proposal_is_approved_up_to_its_last_second(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("setThreshold", 3), 3_600), world.council[0])
    world.advance(3_600 - 1)
    world.send(fns.approve(pid), world.council[1])
    assert fns.threshold().call() == 3


def test_a_proposal_lifetime_is_at_most_thirty_days(world: World) -> None:
    fns = world.registry.functions
    error = world.reverts(fns.propose(world.action("setThreshold", 3), 30 * DAY + 1),
                          world.council[0])
    assert (error.name, error.args) == ("RegistryInvalidLifetime", (30 * DAY + 1, 30 * DAY))
    world.send(fns.propose(world.action("setThreshold", 3), 30 * DAY), world.council[0])


def test_the_proposer_cancels_and_nobody_can_approve_after(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("setThreshold", 3), 0), world.council[0])
    error = world.reverts(fns.cancel(pid), world.council[1])
    assert (error.name, error.args) == ("RegistryNotProposer", (pid, world.council[1]))
    receipt = world.send(fns.cancel(pid), world.council[0])
    assert world.events(receipt) == [("ProposalCancelled", {"proposalId": pid})]
    assert fns.proposal(pid).call()[4] is True
    error = world.reverts(fns.approve(pid), world.council[1])
    assert (error.name, error.args) == ("RegistryProposalCancelled", (pid,))
    error = world.reverts(fns.cancel(pid), world.council[0])
    assert (error.name, error.args) == ("RegistryProposalCancelled", (pid,))


def test_an_executed_proposal_cannot_be_cancelled(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.govern("setThreshold", 3)
    error = world.reverts(fns.cancel(pid), world.council[0])
    assert (error.name, error.args) == ("RegistryProposalAlreadyExecuted", (pid,))


# ------------------------------------------------------------------ membership


def test_growing_the_council_needs_a_majority_threshold_first(world: World) -> None:
    fns = world.registry.functions
    newcomer = world.spare[0]
    assert world.govern_reverts("addCouncilMember", newcomer) == _reverted(
        "RegistryInvalidThreshold", 2, 4)
    world.govern("setThreshold", 3)
    receipt = world.govern("addCouncilMember", newcomer)
    assert ("CouncilMemberAdded", {"account": newcomer, "generation": 1}) in world.events(receipt)
    assert fns.councilMembers().call() == [*world.council, newcomer]


def test_removing_members_keeps_the_threshold_a_reachable_majority(world: World) -> None:
    # 2 of 3 → removing one leaves 2 of 2: still a majority of at least two.
    world.govern("removeCouncilMember", world.council[2])
    assert world.registry.functions.councilMembers().call() == world.council[:2]
    # 2 of 2 → removing another would leave 2 of 1.
    assert world.govern_reverts("removeCouncilMember", world.council[1]) == _reverted(
        "RegistryInvalidThreshold", 2, 1)


def test_membership_errors(world: World) -> None:
    assert world.govern_reverts("addCouncilMember", world.council[1]) == (
        _reverted("RegistryCouncilMemberExists", world.council[1]))
    assert world.govern_reverts("removeCouncilMember", world.stranger) == (
        _reverted("RegistryCouncilMemberUnknown", world.stranger))
    world.govern("setThreshold", 3)
    for invalid in ("0x" + "00" * 20, world.self_address):
        assert world.govern_reverts("addCouncilMember", invalid) == (
            _reverted("RegistryInvalidAccount", Web3.to_checksum_address(invalid)))


@pytest.mark.parametrize("threshold", [0, 1, 4])
def test_threshold_must_be_a_majority_of_at_least_two(world: World, threshold: int) -> None:
    assert world.govern_reverts("setThreshold", threshold) == _reverted(
        "RegistryInvalidThreshold", threshold, 3)


def test_setting_the_same_threshold_emits_nothing(world: World) -> None:
    receipt = world.govern("setThreshold", 2)
    assert [name for name, _ in world.events(receipt)] == ["ProposalApproved", "ProposalExecuted"]


def test_a_removed_members_approval_lapses_and_does_not_return_when_re_added(
    world: World,
) -> None:
    fns = world.registry.functions
    leaver = world.council[2]
    pid = world.next_proposal()
    world.send(fns.propose(world.action("suspendAuthority", 2, 0), 0), leaver)
    assert fns.proposal(pid).call()[2] == 1
    world.govern("removeCouncilMember", leaver)
    assert fns.proposal(pid).call()[2] == 0
    assert not fns.hasApproved(pid, leaver).call()

    world.govern("addCouncilMember", leaver)  # 2 of 3 again
    assert fns.proposal(pid).call()[2] == 0  # the old approval stays void
    assert not fns.hasApproved(pid, leaver).call()
    receipt = world.send(fns.approve(pid), world.council[0])
    assert world.events(receipt) == [
        ("ProposalApproved", {"proposalId": pid, "member": world.council[0], "approvals": 1})]
    assert not world.authority(2)["suspended"]
    # Re-added, the member may approve afresh, and that approval counts.
    receipt = world.send(fns.approve(pid), leaver)
    assert [n for n, _ in world.events(receipt)][-1] == "ProposalExecuted"
    assert world.authority(2)["suspended"]


def test_a_removed_member_cannot_cancel_its_proposal(world: World) -> None:
    fns = world.registry.functions
    pid = world.next_proposal()
    world.send(fns.propose(world.action("setThreshold", 3), 0), world.council[2])
    world.govern("removeCouncilMember", world.council[2])
    error = world.reverts(fns.cancel(pid), world.council[2])
    assert (error.name, error.args) == ("RegistryNotCouncilMember", (world.council[2],))
