"""One nonce discipline per account (chain/nonce_lock.py, docs/decisions/0085): a nonce is
chosen under the account's lock, held until the node has the transaction, and shared by
every process of an installation — so the claim server and the command line, sending from
the same authority account at once, never choose the same nonce."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from eth_utils import to_checksum_address
from sqlalchemy import select

from chain.config import load_settings
from chain.keystore import Keystore, Passphrase
from chain.nonce_lock import NonceLock, NonceLockTimeout
from chain.registry import Registry
from issuer.store import Batch, BatchState, StatusChange, Store
from tests.support.facts import DRIVING
from tests.support.home import Home
from tests.support.issuing import anchored_batches, issue_driving, rows_file
from tests.support.world import WAIT, World

from ..issuer.test_claims import wallet_claim
from ..issuer.test_lifecycle import DMV, _authority, _now, licences, status_events
from .conftest import ref

ROOT = Path(__file__).resolve().parents[2]
GRACE = 2.0  # time a sender without the lock would need to take the nonce (not asserted)
BOUND = 60.0  # every wait here ends by then

# Another process of the installation: prepares an anchor inside `sending()`, says so, and
# sends only when told — the write-ahead window (prepare → record → send) held open.
HOLDER = r"""
import os, sys, time
from pathlib import Path
from chain.connect import connect
from chain.node import dev_accounts
from chain.registry import Registry
from licence import load_schema

DRIVING = load_schema("driving").code
url, address, account, locks, prepared_file, go_file = sys.argv[1:]
registry = Registry(connect(url), address, account=dev_accounts(8)[int(account)],
                    nonce_locks=Path(locks))
with registry.sending():
    prepared = registry.prepare_anchor(DRIVING, "31", 1, [(1).to_bytes(16, "big")])
    Path(prepared_file + ".part").write_text(str(prepared.nonce))
    os.replace(prepared_file + ".part", prepared_file)
    deadline = time.monotonic() + 60
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    registry.send_raw(prepared.raw, prepared.nonce)
print(registry.wait(prepared.tx_hash).tx_hash)
"""


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + BOUND
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def nonce_of(world: World, tx_hash: str) -> int:
    return int(world.backend.w3.eth.get_transaction(tx_hash)["nonce"])  # type: ignore[arg-type]


def dmv_client(world: World, locks: Path | None) -> Registry:
    """The DMV's anchor account as another client (another process would have its own)."""
    return Registry(world.backend.w3, world.registry.address, account=world.backend.accounts[3],
                    wait=WAIT, nonce_locks=locks)


@pytest.mark.parametrize("backend", ["anvil"], indirect=True)
def test_a_prepared_nonce_is_not_taken_by_another_process_before_it_is_sent(
        world: World, tmp_path: Path) -> None:
    locks, prepared_file, go = tmp_path / "locks", tmp_path / "prepared", tmp_path / "go"
    assert world.backend.node is not None
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, world.backend.node.url, world.registry.address, "3",
         str(locks), str(prepared_file), str(go)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(prepared_file)
        held_nonce = int(prepared_file.read_text())
        results: list = []
        cli = threading.Thread(target=lambda: results.append(
            dmv_client(world, locks).anchor(DRIVING, "31", 1, [ref(2)])))
        cli.start()
        cli.join(GRACE)  # without the lock it would take the held nonce now
        go.touch()
        cli.join(BOUND)
        out, err = holder.communicate(timeout=BOUND)
    finally:
        holder.kill()
    assert holder.returncode == 0, err[-3000:]
    assert not cli.is_alive() and len(results) == 1
    assert nonce_of(world, out.strip()) == held_nonce
    assert nonce_of(world, results[0].tx_hash) == held_nonce + 1


def test_clients_and_threads_of_one_process_share_the_account(world: World) -> None:
    """Without a lock directory the discipline still holds within the process (and on the
    in-process eth-tester backend)."""
    holder, other = dmv_client(world, None), dmv_client(world, None)
    prepared_event, go = threading.Event(), threading.Event()
    sent: list[str] = []

    def hold() -> None:
        with holder.sending():
            prepared = holder.prepare_anchor(DRIVING, "31", 1, [ref(1)])
            prepared_event.set()
            go.wait(BOUND)
            sent.append(holder.send_raw(prepared.raw, prepared.nonce))

    first = threading.Thread(target=hold)
    first.start()
    assert prepared_event.wait(BOUND)
    results: list = []
    second = threading.Thread(target=lambda: results.append(
        other.anchor(DRIVING, "31", 1, [ref(2)])))
    second.start()
    second.join(GRACE)
    go.set()
    first.join(BOUND)
    second.join(BOUND)
    assert len(sent) == 1 and len(results) == 1
    holder.wait(sent[0])
    assert nonce_of(world, results[0].tx_hash) == nonce_of(world, sent[0]) + 1


def test_resending_our_own_mined_transaction_is_not_a_used_nonce(world: World) -> None:
    """Recovery in another process may send our recorded bytes before we do: the nonce went
    to this very transaction, so sending it is no error (and write-ahead signs no second
    one)."""
    dmv = dmv_client(world, None)
    with dmv.sending():
        prepared = dmv.prepare_anchor(DRIVING, "31", 1, [ref(3)])
    world.backend.w3.eth.send_raw_transaction(prepared.raw)  # "the other process"
    dmv.wait(prepared.tx_hash)
    assert dmv.send_raw(prepared.raw, prepared.nonce) == prepared.tx_hash


def test_a_hung_holder_is_reported_instead_of_waited_for(tmp_path: Path) -> None:
    address = "0x" + "ab" * 20
    path = tmp_path / "locks" / f"{address}.lock"
    hung = NonceLock(address, path)  # another process, as far as flock can tell
    waiting = NonceLock(address, path, timeout=0.2)
    with hung.held(), pytest.raises(NonceLockTimeout) as refused, waiting.held():
        pass
    assert refused.value.reason == "nonce_lock_timeout"
    assert str(refused.value) == (
        f"Another sender has held account {address} for over 0.2 s (lock file {path}): check "
        "that no `elicence` process is hung, then try again.")
    with waiting.held():  # free again once the holder is done
        pass


# --- the claim server and the command line on one installation ---------------------------

@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return issue_driving(chain_home, tmp_path_factory.mktemp("nonces"), 24, start=31_000)


@pytest.fixture(scope="module")
def app(chain_home: Home):
    with chain_home.app(ELICENCE_RATE_LIMIT="off") as app:
        yield app


def cli(chain_home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    """An `elicence` command in a process of its own, as an operator runs it."""
    return subprocess.run([sys.executable, "-m", "elicence", *args], cwd=ROOT,
                          env=chain_home.subprocess_env(), capture_output=True, text=True,
                          timeout=300)


def unfinished(chain_home: Home) -> list[str]:
    store = Store.open(load_settings(chain_home.path, chain_home.env).store_url)
    with store.session() as s:
        return [f"{type(r).__name__} {r.id}: {r.state}" for kind in (Batch, StatusChange)
                for r in s.scalars(select(kind).where(kind.state != BatchState.CONFIRMED))]


@pytest.mark.anvil
def test_claims_and_commands_sending_at_once_all_succeed(
        chain_home: Home, app, issued: list[dict],
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """While two wallets claim, one command-line process issues a batch (all three send
    from CN-31-DMV's anchor account) and two more revoke (both from its status account):
    every claim and every command succeeds at its first try, everything is mined and
    nothing is left half-sent."""
    tmp = tmp_path_factory.mktemp("more")
    rows = rows_file(tmp, 3, start=32_000)
    anchors, events = len(anchored_batches(chain_home)), len(status_events(chain_home))
    revoking = [[issued[i]["licence_number"] for i in (0, 1)],
                [issued[i]["licence_number"] for i in (2, 3)]]
    codes = [licence["claim_code"] for licence in issued[4:16]]
    runs: list[subprocess.CompletedProcess[str]] = []
    claims: list[tuple[int, dict]] = []
    commands_done = threading.Event()

    def revoker(numbers: list[str]) -> None:
        for number in numbers:
            runs.append(cli(chain_home, "revoke", "--authority", "CN-31-DMV", number,
                            "--reason", "lost"))

    def issuer() -> None:
        runs.append(cli(chain_home, "issue", "--authority", "CN-31-DMV", "--type", "driving",
                        "--input", str(rows), "--out", str(tmp / "out"), "--no-pdf"))

    def wallet(mine: list[str]) -> None:
        client = app.test_client()
        for code in mine:  # claims go on until the commands are done (12 at most)
            answer = wallet_claim(client, code, ec.generate_private_key(ec.SECP256R1()))
            claims.append((answer.status_code, answer.get_json()))
            if commands_done.is_set():
                return

    commands = [threading.Thread(target=revoker, args=(n,)) for n in revoking]
    commands.append(threading.Thread(target=issuer))
    wallets = [threading.Thread(target=wallet, args=(codes[i::2],)) for i in (0, 1)]
    for thread in [*commands, *wallets]:
        thread.start()
    for thread in commands:
        thread.join(4 * 300)
    commands_done.set()
    for thread in wallets:
        thread.join(BOUND * 4)
    assert not any(t.is_alive() for t in [*commands, *wallets])

    assert [r.returncode for r in runs] == [0] * 5, [r.stderr for r in runs]
    assert all(status == 200 for status, _ in claims), claims
    assert len(anchored_batches(chain_home)) == anchors + len(claims) + 1
    revoked = licences(chain_home, [n for pair in revoking for n in pair])
    assert [str(r.status) for r in revoked] == ["revoked"] * 4
    assert len(status_events(chain_home)) == events + 4
    assert unfinished(chain_home) == []
    # Every kind of process took the installation's lock for the account it sent from.
    keys = Keystore(load_settings(chain_home.path, chain_home.env).keys_dir, Passphrase(b""))
    locks = [p.name for p in (chain_home.path / "locks").iterdir()]
    for account in ("CN-31-DMV-anchor", "CN-31-DMV-status"):
        assert f"{to_checksum_address(keys.account_address(account))}.lock" in locks


@pytest.mark.anvil
def test_a_claim_right_after_a_command_succeeds_at_first_try(
        chain_home: Home, app, issued: list[dict],
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The old failure: the first claim after the command line sent from the same account
    (now the authority's anchor account) was refused with "nonce too low"."""
    tmp = tmp_path_factory.mktemp("after")
    client = app.test_client()
    device = ec.generate_private_key(ec.SECP256R1())
    first = wallet_claim(client, issued[16]["claim_code"], device)
    assert first.status_code == 200, first.get_json()
    ran = cli(chain_home, "issue", "--authority", "CN-31-DMV", "--type", "driving", "--input",
              str(rows_file(tmp, 2, start=33_000)), "--out", str(tmp / "out"), "--no-pdf")
    assert ran.returncode == 0, ran.stderr
    second = wallet_claim(client, issued[18]["claim_code"], device)
    assert second.status_code == 200, second.get_json()
    assert unfinished(chain_home) == []


@pytest.mark.anvil
def test_a_change_another_process_sent_is_not_signed_a_second_time(
        chain_home: Home, issued: list[dict]) -> None:
    """A command finishing a job it took for a crashed run's (its owner is still running)
    finds the change already submitted under the account's lock: it signs nothing, so the
    revocation is carried out once."""
    from issuer.lifecycle import jobs, status_changes
    from issuer.lifecycle.request import LifecycleRequest

    store = Store.open(load_settings(chain_home.path, chain_home.env).store_url)
    ours, theirs = _authority(chain_home), _authority(chain_home)  # two processes' views
    events = len(status_events(chain_home))
    job = jobs._create_job(store, ours, LifecycleRequest(
        "revoke", (issued[19]["licence_number"],), reason=1), now=_now())
    (change,) = status_changes.pending_changes(store, DMV, job.id)
    (their_copy,) = status_changes.pending_changes(store, DMV, job.id)
    status_changes.submit(store, theirs.status, their_copy)
    status_changes.submit(store, ours.status, change)  # read as SIGNED before theirs
    assert change.tx_hash == their_copy.tx_hash
    status_changes.confirm(store, ours.status, change, now=_now())
    assert len(status_events(chain_home)) == events + 1
