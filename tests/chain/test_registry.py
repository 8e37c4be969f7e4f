"""The registry client against eth-tester and anvil: deploy, governance, keys, anchors, status."""

from __future__ import annotations

import pytest
from eth_account import Account

from chain.connect import connect
from chain.errors import ContractReverted, NoContract, TransactionTimeout, WrongChain
from chain.records import types_mask
from chain.registry import Registry
from chain.transactions import WaitPolicy
from licence.vocabulary import StatusCode
from tests.support.facts import BUSINESS, DRIVING

from .conftest import WAIT, Backend, World, pubkey, ref

pytestmark = pytest.mark.timeout(120)


def test_deploy_reads_council_and_threshold(world: World) -> None:
    registry = world.registry
    assert registry.council_members() == [a.address for a in world.council]
    assert registry.threshold() == 2
    assert registry.authority_count() == 2
    assert registry.is_council_member(world.council[2].address)
    assert not registry.is_council_member(world.dmv.account.address)  # type: ignore[union-attr]


def test_governance_needs_two_of_three(world: World) -> None:
    registry = world.registry
    proposal = registry.propose(registry.action_set_accreditation(1, types_mask(DRIVING, BUSINESS)))
    assert not proposal.executed
    assert registry.authority(1).accredited_types == types_mask(DRIVING)
    record = registry.proposal(proposal.proposal_id)
    assert (record.proposer, record.approvals, record.executed) == (
        world.council[0].address, 1, False)

    approved = registry.as_account(world.council[2]).approve(proposal.proposal_id)
    assert approved.executed and approved.proposal_id == proposal.proposal_id
    assert [e.name for e in approved.events] == [
        "ProposalApproved", "AccreditationChanged", "ProposalExecuted"]
    assert registry.authority(1).accredited_for(BUSINESS)

    with pytest.raises(ContractReverted) as caught:
        registry.as_account(world.council[1]).approve(proposal.proposal_id)
    assert caught.value.reason == "reverted"
    assert caught.value.error == "RegistryProposalAlreadyExecuted"
    assert f"Proposal {proposal.proposal_id} has already been executed" in str(caught.value)


def test_only_council_members_may_propose(world: World) -> None:
    with pytest.raises(ContractReverted) as caught:
        world.dmv.propose(world.registry.action_suspend_authority(2))
    assert caught.value.error == "RegistryNotCouncilMember"
    assert world.dmv.account.address in str(caught.value)  # type: ignore[union-attr]


def test_authority_record_and_accounts(world: World) -> None:
    record = world.registry.authority(1)
    assert (record.id, record.name_en, record.jurisdiction) == (
        "CN-31-DMV", "Shanghai Traffic Police", "CN-31")
    assert record.name_zh == "上海市公安局交通管理局"
    assert record.accredited_for(DRIVING) and not record.accredited_for(BUSINESS)
    assert world.registry.authority_of(world.amr.account.address) == 2  # type: ignore[union-attr]
    assert world.registry.authority_by_id("CN-11-AMR") == 2

    with pytest.raises(ContractReverted) as caught:
        world.registry.authority(9)
    assert caught.value.error == "RegistryAuthorityUnknown"
    assert str(caught.value) == "Authority 9 is not registered: check the authority number."


def test_keys_add_shorten_and_compromise(world: World) -> None:
    now = world.backend.now()
    added = world.dmv.add_key(pubkey(1), now - 10, now + 1000)
    key_id = added.event("KeyAdded").args["keyId"]
    assert key_id == 1
    world.dmv.set_key_valid_until(key_id, now + 500)
    world.dmv.mark_key_compromised(key_id, now + 100)
    key = world.registry.key(1, key_id)
    assert (key.public_key, key.valid_from, key.valid_until, key.compromised_at) == (
        pubkey(1), now - 10, now + 500, now + 100)

    with pytest.raises(ContractReverted) as caught:
        world.dmv.mark_key_compromised(key_id, now + 200)  # may only move earlier
    assert caught.value.error == "RegistryKeyAlreadyCompromised"
    with pytest.raises(ContractReverted) as caught:
        world.dmv.add_key(b"\x04" + bytes(32), now, now + 1000)
    assert caught.value.error == "RegistryInvalidKeyPrefix"
    assert "0x04" in str(caught.value)


def test_anchor_emits_batch_and_advances_head(world: World) -> None:
    before = world.registry.authority(1).batch_head
    result = world.dmv.anchor(DRIVING, 10_000, [ref(i) for i in range(16)])
    event = result.event("BatchAnchored")
    assert event.args["authority"] == 1 and event.args["count"] == 10_000
    assert event.args["roots"] == b"".join(ref(i) for i in range(16))
    assert result.gas_used > 0 and result.block_number >= world.deploy_block
    after = world.registry.authority(1).batch_head
    assert after == event.args["head"] != before


def test_anchor_for_unaccredited_type_is_explained(world: World) -> None:
    with pytest.raises(ContractReverted) as caught:
        world.dmv.anchor(BUSINESS, 1, [ref(1)])
    assert caught.value.error == "RegistryTypeNotAccredited"
    assert caught.value.args_by_name == {"authority": 1, "licenceType": BUSINESS}
    assert str(caught.value) == (
        "Authority 1 is not accredited for business (type 2) licences: ask the council to "
        "change its accreditation.")


def test_status_changes_and_council_override(world: World) -> None:
    now = world.backend.now()
    world.dmv.set_status(StatusCode.SUSPENDED, [ref(1), ref(2)], until=now + 3600, reason=7)
    superseded = world.dmv.set_status(StatusCode.SUPERSEDED, [ref(3)], successors=[ref(33)])
    assert superseded.event("StatusChanged").args["successors"] == ref(33)
    world.govern(world.registry.action_set_status(1, StatusCode.REVOKED, [ref(4)], reason=9))

    with pytest.raises(ContractReverted) as caught:
        world.dmv.set_status(StatusCode.SUSPENDED, [ref(5)], until=0)
    assert caught.value.error == "RegistryInvalidUntil"
    with pytest.raises(ContractReverted) as caught:  # not an authority account
        world.registry.set_status(StatusCode.REVOKED, [ref(6)])
    assert caught.value.error == "RegistryUnauthorizedAccount"


def test_many_transactions_in_flight_from_one_account(world: World) -> None:
    hashes = [world.dmv.submit_set_status(StatusCode.REVOKED, [ref(100 + i)]) for i in range(12)]
    assert len(set(hashes)) == 12
    results = [world.dmv.wait(h) for h in hashes]
    assert all(r.event("StatusChanged").args["refs"] == ref(100 + i)
               for i, r in enumerate(results))


def test_nonce_resyncs_after_another_client_used_the_account(world: World) -> None:
    world.dmv.set_status(StatusCode.REVOKED, [ref(1)])  # the counter of `world.dmv` is now warm
    other = Registry(world.backend.w3, world.registry.address,
                     account=world.dmv.account, wait=WAIT)
    other.set_status(StatusCode.REVOKED, [ref(2)])  # uses the nonce `world.dmv` expects to use next
    result = world.dmv.set_status(StatusCode.REVOKED, [ref(3)])
    assert result.event("StatusChanged").args["refs"] == ref(3)


def test_waiting_for_more_confirmations_than_blocks_times_out(world: World) -> None:
    tx_hash = world.dmv.submit_anchor(DRIVING, 1, [ref(1)])
    with pytest.raises(TransactionTimeout) as caught:
        world.dmv.wait(tx_hash, WaitPolicy(confirmations=5, timeout=0.5))
    assert caught.value.reason == "tx_timeout"
    assert "did not reach 5 confirmation(s)" in str(caught.value)
    assert world.dmv.wait(tx_hash, WaitPolicy(confirmations=1)).block_number > 0


def test_waits_for_the_confirmation_depth(world: World) -> None:
    tx_hash = world.dmv.submit_anchor(DRIVING, 1, [ref(1)])
    mined = world.dmv.wait(tx_hash)
    world.amr.anchor(BUSINESS, 1, [ref(2)])  # one more block on top
    deep = world.dmv.wait(tx_hash, WaitPolicy(confirmations=2, timeout=5))
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
