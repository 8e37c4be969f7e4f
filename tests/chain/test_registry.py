"""The registry client against eth-tester and anvil: deploy, governance, keys, anchors, status."""

from __future__ import annotations

import pytest
from eth_account import Account

from chain.connect import connect
from chain.errors import ChainError, ContractReverted, NoContract, TransactionTimeout, WrongChain
from chain.records import AccountRecord, Scope
from chain.registry import Registry
from chain.transactions import WaitPolicy
from licence.vocabulary import ReasonClass, Role, StatusCode
from tests.support.facts import BUSINESS, DRIVING
from tests.support.world import WAIT, Backend, World

from .conftest import pubkey, ref

pytestmark = pytest.mark.timeout(120)


def test_deploy_reads_council_and_threshold(world: World) -> None:
    registry = world.registry
    assert registry.council_members() == [a.address for a in world.council]
    assert registry.threshold() == 2
    assert registry.authority_count() == 2
    assert registry.is_council_member(world.council[2].address)
    assert not registry.is_council_member(world.dmv_anchor.account.address)  # type: ignore[union-attr]
    assert registry.dev() is False


def test_governance_needs_two_of_three(world: World) -> None:
    registry = world.registry
    proposal = registry.propose(registry.action_set_scope(1, Scope(BUSINESS, "31"), True))
    assert not proposal.executed
    assert registry.authority(1).scopes == (Scope(DRIVING, "31"),)
    record = registry.proposal(proposal.proposal_id)
    assert (record.proposer, record.approvals, record.executed, record.cancelled) == (
        world.council[0].address, 1, False, False)
    assert record.expires_at - record.created_at == 7 * 86_400
    assert record.open_at(record.created_at)

    approved = registry.as_account(world.council[2]).approve(proposal.proposal_id)
    assert approved.executed and approved.proposal_id == proposal.proposal_id
    assert [e.name for e in approved.events] == [
        "ProposalApproved", "ScopeChanged", "ProposalExecuted"]
    assert registry.authority(1).accredited_for(BUSINESS)
    assert registry.scope(1, BUSINESS, "31") == (True, 0)

    with pytest.raises(ContractReverted) as caught:
        registry.as_account(world.council[1]).approve(proposal.proposal_id)
    assert caught.value.reason == "reverted"
    assert caught.value.error == "RegistryProposalAlreadyExecuted"
    assert f"Proposal {proposal.proposal_id} has already been executed" in str(caught.value)


def test_only_council_members_may_propose(world: World) -> None:
    with pytest.raises(ContractReverted) as caught:
        world.dmv_anchor.propose(world.registry.action_suspend_authority(2))
    assert caught.value.error == "RegistryNotCouncilMember"
    assert world.dmv_anchor.account.address in str(caught.value)  # type: ignore[union-attr]


def test_the_proposer_cancels_a_proposal(world: World) -> None:
    registry = world.registry
    proposal = registry.propose(registry.action_suspend_authority(2), lifetime=3_600)
    record = registry.proposal(proposal.proposal_id)
    assert record.expires_at - record.created_at == 3_600
    registry.cancel(proposal.proposal_id)
    assert registry.proposal(proposal.proposal_id).cancelled
    with pytest.raises(ContractReverted) as caught:
        registry.as_account(world.council[1]).approve(proposal.proposal_id)
    assert caught.value.error == "RegistryProposalCancelled"
    assert "was cancelled by its proposer" in str(caught.value)


def test_a_minority_threshold_is_refused_outside_dev(backend: Backend) -> None:
    council = backend.accounts[:3]
    with pytest.raises(ContractReverted) as caught:
        Registry.deploy(backend.w3, council[0], [a.address for a in council], 1, wait=WAIT)
    assert caught.value.error == "RegistryInvalidThreshold"
    assert "at least 2 and more than half the council" in str(caught.value)
    dev, _ = Registry.deploy(backend.w3, council[0], [council[0].address], 1, dev=True,
                             wait=WAIT)
    assert dev.dev() and dev.threshold() == 1


def test_authority_record_and_accounts(world: World) -> None:
    record = world.registry.authority(1)
    assert (record.id, record.name_en, record.jurisdiction) == (
        "CN-31-DMV", "Shanghai Traffic Police", "CN-31")
    assert record.name_zh == "上海市公安局交通管理局"
    assert record.accredited_for(DRIVING) and not record.accredited_for(BUSINESS)
    assert world.registry.authority_account(world.amr_status.account.address) == (  # type: ignore[union-attr]
        AccountRecord(2, Role.STATUS))
    assert world.registry.authority_by_id("CN-32-AMR") == 2

    with pytest.raises(ContractReverted) as caught:
        world.registry.authority(9)
    assert caught.value.error == "RegistryAuthorityUnknown"
    assert str(caught.value) == "Authority 9 is not registered: check the authority number."


def test_keys_add_shorten_and_compromise(world: World) -> None:
    now = world.backend.now()
    added = world.dmv_keys.add_key(pubkey(1), now - 10, now + 1000)
    key_id = added.event("KeyAdded").args["keyId"]
    assert key_id == 1
    world.dmv_keys.set_key_valid_until(key_id, now + 500)
    marked = world.dmv_keys.mark_key_compromised(key_id)
    at = marked.event("KeyCompromiseSet").args["compromisedAt"]
    key = world.registry.key(1, key_id)
    assert (key.public_key, key.valid_from, key.valid_until, key.compromised_at) == (
        pubkey(1), now - 10, now + 500, at)

    with pytest.raises(ContractReverted) as caught:
        world.dmv_keys.mark_key_compromised(key_id)
    assert caught.value.error == "RegistryKeyAlreadyCompromised"
    assert "only the council can change that mark" in str(caught.value)
    with pytest.raises(ContractReverted) as caught:
        world.dmv_keys.add_key(b"\x04" + bytes(32), now, now + 1000)
    assert caught.value.error == "RegistryInvalidKeyPrefix"
    assert "0x04" in str(caught.value)
    # The council back-dates a compromise, and clears a mistaken one.
    world.govern(world.registry.action_set_key_compromised(1, key_id, now - 5))
    assert world.registry.key(1, key_id).compromised_at == now - 5
    world.govern(world.registry.action_set_key_compromised(1, key_id, 0))
    assert world.registry.key(1, key_id).compromised_at is None


def test_a_wrong_role_is_refused_with_the_role_it_needs(world: World) -> None:
    with pytest.raises(ContractReverted) as caught:
        world.dmv_anchor.set_status(StatusCode.REVOKED, [ref(1)])
    assert caught.value.error == "RegistryMissingRole"
    address = world.dmv_anchor.account.address  # type: ignore[union-attr]
    assert str(caught.value) == (
        f"Account {address} does not hold the status role for authority 1: send this with the "
        "authority's status account (--as ID-status), or ask the council to assign the role.")
    with pytest.raises(ContractReverted) as caught:
        world.registry.anchor(DRIVING, "31", 1, [ref(1)])
    assert "does not hold the anchor role for any authority" in str(caught.value)


def test_anchor_emits_batch_and_advances_head(world: World) -> None:
    before = world.registry.authority(1).batch_head
    result = world.dmv_anchor.anchor(DRIVING, "31", 10_000, [ref(i) for i in range(16)])
    event = result.event("BatchAnchored")
    assert event.args["authority"] == 1 and event.args["count"] == 10_000
    assert event.args["roots"] == b"".join(ref(i) for i in range(16))
    assert result.gas_used > 0 and result.block_number >= world.deploy_block
    after = world.registry.authority(1).batch_head
    assert after == event.args["head"] != before


def test_anchor_outside_scope_is_explained(world: World) -> None:
    with pytest.raises(ContractReverted) as caught:
        world.dmv_anchor.anchor(DRIVING, "32", 1, [ref(1)])
    assert caught.value.error == "RegistryScopeNotAccredited"
    assert str(caught.value) == (
        "Authority 1 is not accredited for driving (type 1) licences in region 32: use one of "
        "its scopes, or ask the council to add this one.")


def test_status_changes_and_council_override(world: World) -> None:
    now = world.backend.now()
    world.dmv_status.set_status(StatusCode.SUSPENDED, [ref(1), ref(2)], until=now + 3600,
                                reason_class=ReasonClass.OTHER)
    superseded = world.dmv_status.set_status(StatusCode.SUPERSEDED, [ref(3)],
                                             successors=[ref(33)],
                                             reason_class=ReasonClass.REPLACED)
    assert superseded.event("StatusChanged").args["successors"] == ref(33)
    world.govern(world.registry.action_set_status(1, StatusCode.REVOKED, [ref(4)]))
    world.dmv_anchor.anchor(DRIVING, "31", 5, [ref(50)])
    world.govern(world.registry.action_withdraw_batches(1, [ref(50)]))

    with pytest.raises(ContractReverted) as caught:
        world.dmv_status.set_status(StatusCode.SUSPENDED, [ref(5)], until=0)
    assert caught.value.error == "RegistryInvalidUntil"
    with pytest.raises(ContractReverted) as caught:
        world.dmv_status.set_status(StatusCode.REVOKED, [ref(5)],
                                    reason_class=ReasonClass.COUNCIL_WITHDRAWN)
    assert caught.value.error == "RegistryCouncilOnly"
    with pytest.raises(ChainError, match="1 to 256 references"):
        world.dmv_status.set_status(StatusCode.REVOKED, [ref(i) for i in range(257)])


def test_many_transactions_in_flight_from_one_account(world: World) -> None:
    hashes = [world.dmv_status.submit_set_status(StatusCode.REVOKED, [ref(100 + i)])
              for i in range(12)]
    assert len(set(hashes)) == 12
    results = [world.dmv_status.wait(h) for h in hashes]
    assert all(r.event("StatusChanged").args["refs"] == ref(100 + i)
               for i, r in enumerate(results))


def test_nonce_resyncs_after_another_client_used_the_account(world: World) -> None:
    world.dmv_status.set_status(StatusCode.REVOKED, [ref(1)])  # its nonce counter is now warm
    other = Registry(world.backend.w3, world.registry.address,
                     account=world.dmv_status.account, wait=WAIT)
    other.set_status(StatusCode.REVOKED, [ref(2)])  # takes the nonce the first expects next
    result = world.dmv_status.set_status(StatusCode.REVOKED, [ref(3)])
    assert result.event("StatusChanged").args["refs"] == ref(3)


def test_waiting_for_more_confirmations_than_blocks_times_out(world: World) -> None:
    tx_hash = world.dmv_anchor.submit_anchor(DRIVING, "31", 1, [ref(1)])
    with pytest.raises(TransactionTimeout) as caught:
        world.dmv_anchor.wait(tx_hash, WaitPolicy(confirmations=5, timeout=0.5))
    assert caught.value.reason == "tx_timeout"
    assert "did not reach 5 confirmation(s)" in str(caught.value)
    assert world.dmv_anchor.wait(tx_hash, WaitPolicy(confirmations=1)).block_number > 0


def test_waits_for_the_confirmation_depth(world: World) -> None:
    tx_hash = world.dmv_anchor.submit_anchor(DRIVING, "31", 1, [ref(1)])
    mined = world.dmv_anchor.wait(tx_hash)
    world.amr_anchor.anchor(BUSINESS, "32", 1, [ref(2)])  # one more block on top
    deep = world.dmv_anchor.wait(tx_hash, WaitPolicy(confirmations=2, timeout=5))
    assert deep.block_number == mined.block_number
    assert world.backend.w3.eth.block_number - deep.block_number + 1 >= 2


def test_no_contract_at_address(backend: Backend) -> None:
    empty = Account.create().address
    with pytest.raises(NoContract) as caught:
        Registry(backend.w3, empty)
    assert caught.value.reason == "no_contract"
    assert empty in str(caught.value)


def test_wrong_chain_id(backend: Backend) -> None:
    actual = backend.w3.eth.chain_id
    with pytest.raises(WrongChain) as caught:
        connect(backend.w3, expected_chain_id=actual + 1)
    assert caught.value.reason == "wrong_chain_id"
    assert connect(backend.w3, expected_chain_id=actual) is backend.w3
