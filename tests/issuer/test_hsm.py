"""Keys inside a PKCS#11 token (SoftHSM2): an authority's signing key and its chain account
are made in the token, sign there, and what they sign is accepted by a real chain
(eth-tester) and verifies valid; the keys cannot be read out, and a wrong PIN is refused."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pkcs11
import pytest
from eth_account import Account
from eth_keys import keys
from pkcs11 import Attribute, ObjectClass
from web3 import EthereumTesterProvider, Web3

from chain.index import LicenceIndex
from chain.indexer import Indexer
from chain.keystore import ACCOUNT, SIGNING, Keystore, KeystoreError, Passphrase
from chain.pkcs11_signers import SECP256K1_ORDER, TokenAccount, TokenSigningKey
from chain.pkcs11_token import Pin, TokenError, pin_from_env, session
from chain.records import Scope
from chain.registry import Registry
from chain.transactions import WaitPolicy
from licence import LicenceItem, build_batch, load_schema
from licence.vocabulary import Role
from tests.support.facts import DRIVING
from tests.support.softhsm import SoftToken, softhsm_token
from verifier.verification import Verifier

from ..licence.licence_testdata import DRIVING_ROW

DAY, YEAR = 86_400, 365 * 86_400
WAIT = WaitPolicy(timeout=20.0, poll_interval=0.02)
ALL_ROLES = Role.ANCHOR | Role.STATUS | Role.KEYS


@pytest.fixture(scope="module")
def token() -> SoftToken:
    return softhsm_token("hsm-eth-tester")


@pytest.fixture
def keystore(tmp_path: Path, token: SoftToken) -> Keystore:
    store = Keystore(tmp_path / "keys", Passphrase(b"file keys stay for the claim secret"))
    store.token_pin = Pin(token.pin)
    return store


@pytest.fixture
def w3() -> Iterator[Web3]:
    yield Web3(EthereumTesterProvider())


def test_token_keys_issue_licences_that_verify_valid(tmp_path: Path, token: SoftToken,
                                                     keystore: Keystore, w3: Web3) -> None:
    council = Account.from_key(hashlib.sha256(b"hsm-council").digest())
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": council.address,
                             "value": 10**21})
    registry, deployed = Registry.deploy(w3, council, [council.address], 1, dev=True,
                                         wait=WAIT)
    made = keystore.create_token_account("CN-31-DMV-anchor", token.module, token.label)
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": made.address, "value": 10**21})
    registry.propose(registry.action_register_authority(
        "CN-31-DMV", "上海市公安局交通管理局", "Shanghai Traffic Police", "CN-31",
        scopes=[Scope(DRIVING, "31")], accounts=[(made.address, ALL_ROLES)]))

    # Every transaction below is signed inside the token and accepted by the chain.
    account = keystore.account("CN-31-DMV-anchor")
    assert isinstance(account, TokenAccount) and account.address == made.address
    dmv = registry.as_account(account)  # type: ignore[arg-type]
    created = keystore.create_token_signing_key("CN-31-DMV-1", token.module, token.label)
    t0 = int(w3.eth.get_block("latest")["timestamp"])
    dmv.add_key(created.public_key, t0 - DAY, t0 + YEAR)
    signer = keystore.signing_key("CN-31-DMV-1")
    assert isinstance(signer, TokenSigningKey)

    claims = load_schema("driving").validate(DRIVING_ROW)
    items = [LicenceItem(claims, t0 - DAY, t0 + YEAR, bytes([i]) * 16) for i in range(1, 40)]
    batch = build_batch(1, 1, signer, DRIVING, t0, items, region="31")
    anchored = dmv.anchor(DRIVING, "31", len(items), [r.root for r in batch.roots])
    assert anchored.tx_hash
    sent = w3.eth.get_transaction(anchored.tx_hash)
    assert sent["from"] == made.address

    indexer = Indexer(tmp_path / "index.sqlite", registry, start_block=deployed.block_number)
    now = int(w3.eth.get_block("latest")["timestamp"]) + 1
    indexer.sync(now=now)
    indexer.close()
    verifier = Verifier(LicenceIndex(tmp_path / "index.sqlite"))
    for licence in (batch.licences[0], batch.licences[-1]):
        result = verifier.verify(licence.to_qr(), now=now)
        assert result.verdict == "valid", result


def test_token_account_signatures_are_ethereum_signatures(token: SoftToken,
                                                          keystore: Keystore) -> None:
    account = keystore.create_token_account("recovery", token.module, token.label)
    seen_v = set()
    for i in range(24):  # each recovery id turns up about half the time
        digest = hashlib.sha256(i.to_bytes(2, "big")).digest()
        signature = account.sign_msg_hash(digest)
        assert signature.s <= SECP256K1_ORDER // 2  # EIP-2: low s only
        recovered = keys.Signature(vrs=signature.vrs).recover_public_key_from_msg_hash(digest)
        assert recovered.to_checksum_address() == account.address
        seen_v.add(signature.v)
    assert seen_v == {0, 1}


def test_keys_in_the_token_cannot_be_read_out(token: SoftToken, keystore: Keystore) -> None:
    keystore.create_token_signing_key("CN-31-DMV-7", token.module, token.label)
    keystore.create_token_account("CN-31-DMV-keys", token.module, token.label)
    s = session(token.module, token.label, Pin(token.pin))
    for label in ("CN-31-DMV-7", "CN-31-DMV-keys"):
        key = s.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
        assert key[Attribute.SENSITIVE] and key[Attribute.ALWAYS_SENSITIVE]
        assert not key[Attribute.EXTRACTABLE] and key[Attribute.NEVER_EXTRACTABLE]
        with pytest.raises(pkcs11.AttributeSensitive):
            key[Attribute.VALUE]
    # The files beside the token hold where the keys live, no secret.
    for kind, folder, name in ((SIGNING, "signing", "CN-31-DMV-7"),
                               (ACCOUNT, "accounts", "CN-31-DMV-keys")):
        document = json.loads((keystore.directory / folder / f"{name}.json").read_text())
        assert "ciphertext" not in document and "kdf" not in document
        assert document["pkcs11"] == {"module": token.module, "token": token.label,
                                      "label": name}
        with pytest.raises(KeystoreError, match="lives in a token") as refused:
            keystore._read(kind, name)
        assert refused.value.reason == "key_in_token"


def test_a_wrong_pin_is_refused_in_one_sentence(token: SoftToken, keystore: Keystore) -> None:
    keystore.create_token_signing_key("CN-31-DMV-8", token.module, token.label)
    session(token.module, token.label, Pin(token.pin))  # logged in with the right PIN first
    other = Keystore(keystore.directory, Passphrase(b"x"))
    other.token_pin = Pin("000000")
    with pytest.raises(TokenError) as refused:
        other.signing_key("CN-31-DMV-8")
    assert refused.value.reason == "wrong_pin"
    assert refused.value.message == (f"The PIN is not correct for token {token.label!r}: check "
                                     "ELICENCE_PKCS11_PIN_FILE (the token locks after repeated "
                                     "wrong PINs).")
    assert "000000" not in refused.value.message and token.pin not in refused.value.message
    with pytest.raises(TokenError, match="No PIN for the token") as no_pin:
        pin_from_env({})
    assert no_pin.value.reason == "pin_missing"


def test_token_and_module_mistakes_are_named(token: SoftToken) -> None:
    with pytest.raises(TokenError, match="No token labelled 'absent'") as absent:
        session(token.module, "absent", Pin(token.pin))
    assert absent.value.reason == "token_missing"
    with pytest.raises(TokenError, match="does not exist") as module:
        session("/nonexistent/libpkcs11.so", token.label, Pin(token.pin))
    assert module.value.reason == "pkcs11_module_missing"


def test_processes_logging_in_at_the_same_moment_all_get_a_session(token: SoftToken) -> None:
    """Issuance workers start together and each logs in to the token. Without looking
    again, about one process in six read SoftHSM's token file while another wrote it, and
    found no token, a token without a user PIN, or got CKR_GENERAL_ERROR."""
    failed = 0
    for _ in range(10):
        start = time.monotonic() + 0.1
        children = []
        for _ in range(4):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child reports through its exit status
                code = 1
                try:
                    while time.monotonic() < start:
                        pass
                    session(token.module, token.label, Pin(token.pin))
                    code = 0
                finally:
                    os._exit(code)
            children.append(pid)
        failed += sum(os.waitpid(pid, 0)[1] != 0 for pid in children)
    assert failed == 0


def test_a_key_never_registered_is_removed_from_the_token(token: SoftToken,
                                                          keystore: Keystore) -> None:
    """What `authority add-key` does when the registration fails: no key is left behind."""
    keystore.create_token_signing_key("CN-31-DMV-9", token.module, token.label)
    keystore.remove_signing_key("CN-31-DMV-9")
    assert not keystore.has(SIGNING, "CN-31-DMV-9")
    s = session(token.module, token.label, Pin(token.pin))
    assert not list(s.get_objects({Attribute.LABEL: "CN-31-DMV-9"}))
    again = keystore.create_token_signing_key("CN-31-DMV-9", token.module, token.label)
    assert len(again.public_key) == 33


def test_a_label_the_token_already_holds_is_refused(token: SoftToken, keystore: Keystore,
                                                    tmp_path: Path) -> None:
    keystore.create_token_account("CN-31-DMV-status", token.module, token.label)
    elsewhere = Keystore(tmp_path / "other-keys", Passphrase(b"x"))
    elsewhere.token_pin = Pin(token.pin)
    with pytest.raises(TokenError, match="already holds a key labelled") as refused:
        elsewhere.create_token_account("CN-31-DMV-status", token.module, token.label)
    assert refused.value.reason == "key_exists"
    assert not elsewhere.has(ACCOUNT, "CN-31-DMV-status")
