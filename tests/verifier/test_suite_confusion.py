"""Each registered key verifies exactly its own suite, through the real verifier, a real
registry on eth-tester and the real indexer: an authority with an ES256 key (1) and an
SM2 key (2) anchors genuine batches under each, and batches whose signed header names the
other suite than the key it cites. The latter are anchored by the authority itself, so
only the signature check can refuse them, and it says why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from web3 import EthereumTesterProvider, Web3

from chain.index import LicenceIndex
from chain.indexer import Indexer
from licence import (
    SM2_SM3,
    Licence,
    LicenceItem,
    build_batch,
    compressed_public_key,
    copy_status_ref,
    encoded_public_key,
    generate_private_key,
    load_schema,
    present,
)
from licence.vocabulary import StatusCode
from tests.support.facts import DRIVING
from tests.support.world import DMV, deploy_one_council
from verifier import Verifier

from ..licence.licence_testdata import DRIVING_ROW, counter_bytes
from .world import DAY, YEAR, _accounts, private_key, ref

pytestmark = pytest.mark.timeout(120)


@dataclass
class SuiteWorld:
    index_path: Path
    now: int
    qr: dict[str, str]
    bound: Licence  # an SM2 copy bound to `device`
    device: ec.EllipticCurvePrivateKey


@pytest.fixture(scope="module")
def suites(tmp_path_factory: pytest.TempPathFactory) -> SuiteWorld:
    w3 = Web3(EthereumTesterProvider())
    council, account = _accounts(w3, 2)
    deployment = deploy_one_council(w3, council, [(DMV, account)])
    registry, deployed, (dmv,) = deployment.registry, deployment.deployed, deployment.authorities
    t0 = int(w3.eth.get_block("latest")["timestamp"])
    es256, sm2 = private_key("suite-es256"), generate_private_key(SM2_SM3)
    dmv.add_key(encoded_public_key(es256), t0 - DAY, t0 + 10 * YEAR)  # key 1: ES256
    dmv.add_key(encoded_public_key(sm2), t0 - DAY, t0 + 10 * YEAR)  # key 2: SM2
    claims = load_schema("driving").validate(DRIVING_ROW)
    randomness = counter_bytes(b"suite-world")
    qr = {}
    # (label, signing key, key id the header cites)
    for label, key, key_id in (("es256_genuine", es256, 1), ("sm2_genuine", sm2, 2),
                               ("sm2_header_under_es256_key", sm2, 1),
                               ("es256_header_under_sm2_key", es256, 2)):
        batch = build_batch(1, key_id, key, DRIVING, t0,
                            [LicenceItem(claims, t0 - DAY, t0 + YEAR, ref(label))],
                            random_bytes=randomness)
        dmv.anchor(DRIVING, "31", 1, [r.root for r in batch.roots])
        qr[label] = batch.licences[0].to_qr()
        qr[label + "_disclosed"] = batch.licences[0].disclose(["family_name"]).to_qr()
    device = private_key("suite-device")
    bound_batch = build_batch(1, 2, sm2, DRIVING, t0, [LicenceItem(
        claims, t0 - DAY, t0 + YEAR, ref("sm2_bound"), compressed_public_key(device))],
        random_bytes=randomness)
    dmv.anchor(DRIVING, "31", 1, [r.root for r in bound_batch.roots])
    copy = copy_status_ref(ref("sm2_bound"), bound_batch.licences[0].device_digest)
    revoked_batch = build_batch(1, 2, sm2, DRIVING, t0, [LicenceItem(
        claims, t0 - DAY, t0 + YEAR, ref("sm2_copy_revoked"), compressed_public_key(device))],
        random_bytes=randomness)
    dmv.anchor(DRIVING, "31", 1, [r.root for r in revoked_batch.roots])
    revoked_copy = copy_status_ref(ref("sm2_copy_revoked"),
                                   revoked_batch.licences[0].device_digest)
    dmv.set_status(StatusCode.REVOKED, [revoked_copy])
    assert copy != revoked_copy
    w3.provider.ethereum_tester.time_travel(t0 + 100)  # type: ignore[attr-defined]
    now = int(w3.eth.get_block("latest")["timestamp"]) + 1
    path = tmp_path_factory.mktemp("suites") / "index.sqlite"
    indexer = Indexer(path, registry, start_block=deployed.block_number)
    try:
        indexer.sync(now=now)
    finally:
        indexer.close()
    qr["sm2_copy_revoked_live"] = present(revoked_batch.licences[0], None, device, now).to_qr()
    return SuiteWorld(path, now, qr, bound_batch.licences[0], device)


CASES = [
    ("es256_genuine", "valid", None),
    ("sm2_genuine", "valid", None),
    ("sm2_header_under_es256_key", "invalid", "algorithm_mismatch"),
    ("es256_header_under_sm2_key", "invalid", "algorithm_mismatch"),
]


@pytest.mark.parametrize("disclosed", [False, True], ids=["full", "disclosed"])
@pytest.mark.parametrize(("label", "verdict", "reason"), CASES, ids=[c[0] for c in CASES])
def test_each_key_verifies_only_its_own_suite(suites: SuiteWorld, label: str, verdict: str,
                                              reason: str | None, disclosed: bool) -> None:
    index = LicenceIndex(suites.index_path)
    try:
        verifier = Verifier(index)
        text = suites.qr[label + ("_disclosed" if disclosed else "")]
        for _ in range(2):  # a second pass goes through the verified-signature cache
            result = verifier.verify(text, now=suites.now)
            assert result.verdict == verdict
            assert (result.decided_by and result.decided_by.reason) == reason
    finally:
        index.close()


def test_mismatch_is_explained_to_counter_staff(suites: SuiteWorld) -> None:
    index = LicenceIndex(suites.index_path)
    try:
        result = Verifier(index).verify(suites.qr["sm2_header_under_es256_key"], now=suites.now)
    finally:
        index.close()
    assert result.decided_by is not None and result.decided_by.name == "signature"
    assert "algorithm" in result.decided_by.message and "SM2" in result.decided_by.message
    assert "算法" in result.decided_by.message_zh


def test_live_code_of_an_sm2_copy_is_valid_and_its_copy_can_be_revoked(
        suites: SuiteWorld) -> None:
    """Device keys stay P-256 under an SM2 authority; the copy's own status reference is
    derived from its SM3 device digest, as the claim exchange stores it."""
    index = LicenceIndex(suites.index_path)
    try:
        verifier = Verifier(index)
        live = present(suites.bound, ["age_over_18"], suites.device, suites.now).to_qr()
        result = verifier.verify(live, now=suites.now)
        assert result.verdict == "valid" and result.presentation == "live"
        revoked = verifier.verify(suites.qr["sm2_copy_revoked_live"], now=suites.now)
        assert revoked.verdict == "revoked"
    finally:
        index.close()
