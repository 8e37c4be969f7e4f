"""`elicence reconcile` on anvil: blocks the node lost (snapshot/revert, as after a restart
without the recent state), a reorganisation, and sends a crash left unfinished."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from issuer.lifecycle import jobs, status_changes
from issuer.lifecycle.request import LifecycleRequest
from issuer.store import Batch, BatchState, StatusChange
from licence.vocabulary import StatusCode
from tests.support.home import Home
from tests.support.issuing import anchored_batches, registry

from .test_lifecycle import DMV, _authority, _now, current, issue, status_events, store

pytestmark = pytest.mark.anvil


def rpc(home: Home, method: str, *params):
    response = registry(home).w3.provider.make_request(method, list(params))  # type: ignore
    assert "error" not in response, response
    return response["result"]


def reconcile(home: Home) -> list[str]:
    return home.run("reconcile", "--authority", DMV).output.splitlines()


def test_lost_blocks_are_anchored_and_sent_again(chain_home: Home, tmp_path: Path) -> None:
    assert reconcile(chain_home)[-1].endswith("nothing to repair.")
    snapshot = rpc(chain_home, "evm_snapshot")
    numbers = issue(chain_home, tmp_path, 4, start=20_000)
    chain_home.run("revoke", "--authority", DMV, numbers[0], "--reason", "stolen")
    with store(chain_home).session() as s:
        (batch,) = s.scalars(select(Batch).where(Batch.id == current(
            chain_home, numbers[0]).batch_id)).all()
        (change,) = s.scalars(select(StatusChange)).all()
    assert batch.roots in {a["roots"] for a in anchored_batches(chain_home)}

    assert rpc(chain_home, "evm_revert", snapshot) is True  # the node forgets those blocks
    assert batch.roots not in {a["roots"] for a in anchored_batches(chain_home)}
    assert not status_events(chain_home)

    lines = reconcile(chain_home)
    assert f"batch {batch.id}: transaction {batch.tx_hash} (block {batch.block_number}) is " \
           "no longer on chain; anchored again." in lines
    assert any(line.startswith(f"status change {change.id} (revocation of 1)") and
               line.endswith("sent again.") for line in lines)
    assert lines[-1].endswith("2 repairs.")
    assert [a["roots"] for a in anchored_batches(chain_home)] == [batch.roots]
    (event,) = status_events(chain_home)
    assert (event["refs"], event["status"], event["reasonClass"]) == (
        change.refs, StatusCode.REVOKED, 1)
    with store(chain_home).session() as s:
        states = {b.state for b in s.scalars(select(Batch))} | {
            c.state for c in s.scalars(select(StatusChange))}
        assert states == {BatchState.CONFIRMED}
        assert s.get(StatusChange, change.id).block_number > s.get(Batch, batch.id).block_number
    assert current(chain_home, numbers[0]).status == "revoked"

    assert reconcile(chain_home)[-1].endswith("nothing to repair.")
    assert len(anchored_batches(chain_home)) == 1 and len(status_events(chain_home)) == 1


def test_reorg_dropping_a_status_change(chain_home: Home, tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 2, start=21_000)
    before = len(status_events(chain_home))
    chain_home.run("suspend", "--authority", DMV, numbers[1], "--reason", "medical",
                   "--until", "2099-01-01")
    with store(chain_home).session() as s:
        mined_in = s.scalars(select(StatusChange.block_number)
                             .order_by(StatusChange.id.desc())).first()
    # The blocks from the suspension's on (it, the command's audit-head anchor, and any
    # empty block the node mined since) are replaced by empty ones. The node mines one every
    # 2 s: should one land between reading the head and the reorg, the suspension is still
    # there and the depth is read again.
    for _ in range(3):
        depth = int(rpc(chain_home, "eth_blockNumber"), 16) - mined_in + 1
        rpc(chain_home, "anvil_reorg", depth, [])
        if len(status_events(chain_home)) == before:
            break
    assert len(status_events(chain_home)) == before

    lines = reconcile(chain_home)
    assert any("suspension of 1" in line and "no longer on chain" in line for line in lines)
    (event,) = status_events(chain_home)[before:]
    assert event["refs"] == current(chain_home, numbers[1]).status_ref
    assert reconcile(chain_home)[-1].endswith("nothing to repair.")


def test_unsent_and_stale_transactions_are_finished(chain_home: Home, tmp_path: Path) -> None:
    numbers = issue(chain_home, tmp_path, 3, start=22_000)
    home_store = store(chain_home)
    authority = _authority(chain_home)
    before = len(status_events(chain_home))
    # A revocation recorded with its signed transaction, then killed before sending; and
    # meanwhile the account used that nonce for something else.
    job = jobs._create_job(home_store, authority, LifecycleRequest(
        "revoke", (numbers[0],), reason=12), now=_now())
    (stale,) = status_changes.pending_changes(home_store, DMV, job.id)
    prepared = authority.status.prepare_set_status(
        StatusCode.REVOKED, status_changes.split(stale.refs), reason_class=4)
    with home_store.session() as s:
        row = s.get(StatusChange, stale.id)
        row.state, row.tx_hash, row.raw_tx, row.nonce = (
            BatchState.SUBMITTED, prepared.tx_hash, prepared.raw, prepared.nonce)
    _use_nonce(authority.status, prepared.nonce)
    # A suspension recorded but killed before its transaction was even signed.
    job2 = jobs._create_job(home_store, authority, LifecycleRequest(
        "suspend", (numbers[1],), reason=8, until=_now() + 86_400), now=_now())
    (unsent,) = status_changes.pending_changes(home_store, DMV, job2.id)

    lines = reconcile(chain_home)
    assert any(line.startswith(f"status change {stale.id} (revocation of 1): transaction "
                               f"{prepared.tx_hash} can never be mined") for line in lines)
    assert f"status change {unsent.id} (suspension of 1): was never sent; sent now." in lines
    assert f"revoke request {job.id}: finished." in lines
    events = status_events(chain_home)[before:]
    assert [e["refs"] for e in events] == [stale.refs, unsent.refs]
    assert authority.status.receipt(prepared.tx_hash) is None
    assert [current(chain_home, n).status for n in numbers] == [
        "revoked", "suspended", "active"]
    assert reconcile(chain_home)[-1].endswith("nothing to repair.")


def _use_nonce(client, nonce: int) -> None:
    """Mines some other transaction of the same account with `nonce` (a transfer to itself)."""
    account, w3 = client.account, client.w3
    signed = account.sign_transaction({
        "to": account.address, "value": 0, "gas": 21_000, "nonce": nonce,
        "gasPrice": client.fees.gas_price or 0, "chainId": w3.eth.chain_id})
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
