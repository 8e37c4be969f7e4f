"""Scope, council withdrawal and suspension as counters see them: a real registry on
eth-tester, real batches, the real indexer and the default pipeline.

Each test builds its own small registry (the council acts in it: a shared world would
carry one test's suspension into the next)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from web3 import EthereumTesterProvider, Web3

from chain.index import LicenceIndex
from chain.indexer import Indexer
from chain.records import Scope
from chain.registry import Registry
from licence import (
    LicenceItem,
    build_batch,
    compressed_public_key,
    decode_unverified,
    load_schema,
)
from licence.vocabulary import ReasonClass, StatusCode
from tests.support.facts import BUSINESS, DRIVING
from tests.support.world import AMR, DMV, deploy_one_council
from verifier import Verifier
from verifier.result import to_json

from ..licence.licence_testdata import DRIVING_ROW, counter_bytes
from .world import DAY, YEAR, _accounts, private_key, ref

pytestmark = pytest.mark.timeout(120)

BUSINESS_ROW = {
    "company_name": "南京示例科技有限公司", "legal_representative": "李明",
    "company_type": "有限责任公司", "registered_capital": "100万元人民币",
    "established_date": "2020-05-01", "business_scope": "软件开发",
    "address": "南京市玄武区示例路1号",
}


def credit_code(region: str) -> str:
    from licence.credit_code import check_character

    first17 = "91" + region + "MA1X2Y3K4"
    return first17 + check_character(first17)


@dataclass
class Small:
    w3: Web3
    council: Registry
    amr: Registry  # CN-32-AMR, number 1: business licences in Jiangsu (32)
    dmv: Registry  # CN-31-DMV, number 2: driving licences in Shanghai (31)
    deploy_block: int
    index_path: Path

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def advance(self, seconds: int) -> None:
        self.w3.provider.ethereum_tester.time_travel(self.now() + seconds)  # type: ignore[attr-defined]
        self.w3.provider.ethereum_tester.mine_blocks(1)  # type: ignore[attr-defined]

    def verify(self, qr: str, at: int | None = None) -> dict:
        when = self.now() if at is None else at
        indexer = Indexer(self.index_path, self.council, start_block=self.deploy_block)
        try:
            indexer.sync(now=when)
        finally:
            indexer.close()
        index = LicenceIndex(self.index_path)
        try:
            return to_json(Verifier(index).verify(qr, now=when))
        finally:
            index.close()


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Small]:
    w3 = Web3(EthereumTesterProvider())
    council, amr_account, dmv_account = _accounts(w3, 3)
    deployment = deploy_one_council(w3, council, [(AMR, amr_account), (DMV, dmv_account)])
    registry, deployed = deployment.registry, deployment.deployed
    amr, dmv = deployment.authorities
    t0 = int(w3.eth.get_block("latest")["timestamp"])
    amr.add_key(compressed_public_key(private_key("amr")), t0 - DAY, t0 + 10 * YEAR)
    dmv.add_key(compressed_public_key(private_key("dmv")), t0 - DAY, t0 + 10 * YEAR)
    yield Small(w3, registry, amr, dmv, deployed.block_number, tmp_path / "index.sqlite")


def business(small: Small, label: str, region: str, *, batch_region: str = "32",
             anchor_region: str = "32") -> tuple[str, bytes]:
    """Anchors a one-licence business batch; returns its QR text and root."""
    schema = load_schema("business")
    claims = schema.validate({**BUSINESS_ROW, "credit_code": credit_code(region)})
    t = small.now()
    batch = build_batch(1, 1, private_key("amr"), BUSINESS, t,
                        [LicenceItem(claims, t - DAY, t + YEAR, ref(label), None,
                                     schema.region_of(claims))],
                        random_bytes=counter_bytes(label.encode()), region=batch_region)
    small.amr.anchor(BUSINESS, anchor_region, 1, [r.root for r in batch.roots])
    return batch.licences[0].to_qr(), batch.roots[0].root


def driving(small: Small, label: str) -> str:
    claims = load_schema("driving").validate(DRIVING_ROW)
    t = small.now()
    batch = build_batch(2, 1, private_key("dmv"), DRIVING, t,
                        [LicenceItem(claims, t - DAY, t + YEAR, ref(label))],
                        random_bytes=counter_bytes(label.encode()), region="31")
    small.dmv.anchor(DRIVING, "31", 1, [r.root for r in batch.roots])
    return batch.licences[0].to_qr()


def check(doc: dict, name: str) -> dict:
    return next(c for c in doc["checks"] if c["name"] == name)


def test_business_licence_of_a_district_within_the_province_scope_is_valid(small: Small):
    qr, _ = business(small, "in-scope", "320102")
    doc = small.verify(qr)
    assert (doc["verdict"], doc["reason"]) == ("valid", None)
    assert check(doc, "scope")["reason"] == "within_scope"
    assert "warnings" not in doc


def test_driving_licence_takes_its_batch_region_and_is_valid(small: Small):
    qr = driving(small, "driving")
    assert decode_unverified(qr).region is None  # its region is its batch's: not in the QR
    doc = small.verify(qr)
    assert (doc["verdict"], check(doc, "scope")["reason"]) == ("valid", "within_scope")


def test_licence_of_another_province_is_invalid_as_out_of_scope(small: Small):
    # Issuing software that ignores scopes: a Beijing (11) company's licence signed as
    # nationwide and anchored under the authority's Jiangsu scope.
    qr, _ = business(small, "out-of-scope", "110105", batch_region="")
    doc = small.verify(qr)
    assert (doc["verdict"], doc["reason"]) == ("invalid", "authority_out_of_scope")
    assert "110105" in check(doc, "scope")["message"]


def test_council_batch_withdrawal_is_seen_by_the_verifier(small: Small):
    qr, root = business(small, "withdrawn-batch", "320102")
    assert small.verify(qr)["verdict"] == "valid"
    small.council.propose(small.council.action_withdraw_batches(1, [root]))
    doc = small.verify(qr)
    assert (doc["verdict"], doc["reason"]) == ("invalid", "council_withdrawn")
    assert check(doc, "withdrawal")["message"].startswith("The oversight council withdrew")


def test_council_licence_withdrawal_is_invalid_not_revoked(small: Small):
    qr, _ = business(small, "withdrawn-licence", "320102")
    small.council.propose(small.council.action_set_status(
        1, StatusCode.REVOKED, [ref("withdrawn-licence")],
        reason_class=ReasonClass.COUNCIL_WITHDRAWN))
    doc = small.verify(qr)
    assert (doc["verdict"], doc["reason"]) == ("invalid", "council_withdrawn")
    assert "监管委员会" in check(doc, "withdrawal")["message_zh"]


def test_suspension_keeps_earlier_licences_valid_with_a_warning_until_the_grace_date(
        small: Small):
    qr, _ = business(small, "suspended", "320102")
    grace = small.now() + 30 * DAY
    small.council.propose(small.council.action_suspend_authority(1, grace_until=grace))
    doc = small.verify(qr)
    assert (doc["verdict"], doc["reason"]) == ("valid", None)
    (warning,) = doc["warnings"]
    assert warning["reason"] == "authority_suspended_grace" and warning["until"] == grace
    assert "suspended" in warning["message"] and "暂停" in warning["message_zh"]
    small.advance(31 * DAY)
    doc = small.verify(qr)
    assert (doc["verdict"], doc["reason"]) == ("invalid", "authority_suspended")
    small.council.propose(small.council.action_reinstate_authority(1))
    assert small.verify(qr)["verdict"] == "valid"


def test_removed_scope_warns_until_its_grace_date_then_invalid(small: Small):
    qr, _ = business(small, "scope-removed", "320102")
    grace = small.now() + 10 * DAY
    small.council.propose(small.council.action_set_scope(1, Scope(BUSINESS, "32"), False,
                                                         grace_until=grace))
    doc = small.verify(qr)
    assert doc["verdict"] == "valid"
    assert [w["reason"] for w in doc["warnings"]] == ["scope_removed_grace"]
    small.advance(11 * DAY)
    doc = small.verify(qr)
    assert (doc["verdict"], doc["reason"]) == ("invalid", "scope_removed")
