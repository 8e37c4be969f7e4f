"""A licence's region (docs/decisions/0130-region-in-the-leaf.md): left out when equal to its
batch's scope region, carried under key 13 and signed through the leaf when narrower."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from licence import LicenceError, LicenceItem, build_batch, decode_unverified, load_schema
from licence.regions import is_region, widest_scope, within

from .licence_testdata import DRIVING_ROW, counter_bytes

KEY = ec.derive_private_key(0x5C0E, ec.SECP256R1())
DEVICE = ec.derive_private_key(0xD0, ec.SECP256R1())
NOW = 1_770_000_000


def batch(*regions: str | None, region: str = "32", device: bool = False):
    claims = load_schema("driving").validate(DRIVING_ROW)
    key = licence.compressed_public_key(DEVICE) if device else None
    items = [LicenceItem(claims, NOW, NOW + 86_400, bytes([i]) * 16, key, r)
             for i, r in enumerate(regions)]
    return build_batch(1, 1, KEY, 1, NOW, items, random_bytes=counter_bytes(b"regions"),
                       region=region)


def test_a_licence_in_its_batch_region_carries_none_and_keeps_its_size():
    plain = batch(None).licences[0]
    same = batch("32").licences[0]
    assert same.region is None and same.to_bytes() == plain.to_bytes()
    assert same.leaf_hash() == plain.leaf_hash()


def test_a_narrower_region_is_carried_and_signed():
    lic = batch("320102", None).licences[0]
    decoded = decode_unverified(lic.to_qr())
    assert decoded.region == "320102" and decoded.region_in("32") == "320102"
    decoded.verify_signature(KEY.public_key())


def test_disclosures_and_live_presentations_keep_the_region():
    lic = batch("3201", region="32", device=True).licences[0]
    shown = lic.disclose(["age_over_18"])
    assert shown.region == "3201"
    live = licence.present(lic, ["age_over_18"], DEVICE, NOW, b"")
    decoded = decode_unverified(live.to_qr())
    decoded.licence.verify_signature(KEY.public_key())
    assert decoded.licence.region == "3201"


def test_a_region_outside_the_batch_region_is_refused_at_signing():
    with pytest.raises(LicenceError) as caught:
        batch("110105", region="32")
    assert caught.value.reason == "region_outside_batch"


@pytest.mark.parametrize("value", ["3", "320", "3201020", "32a1", "", 32, "３２"])
def test_malformed_regions(value):
    assert not is_region(value)


def test_prefix_rules():
    assert within("320102", "32") and within("32", "") and not within("3101", "32")
    assert widest_scope("320102", ["3201", "32", "31"]) == "32"
    assert widest_scope("110105", ["3201", "32"]) is None


def test_business_licences_take_their_region_from_the_credit_code():
    from licence.credit_code import check_character

    schema = load_schema("business")
    code = "91320102MA1X2Y3K4" + check_character("91320102MA1X2Y3K4")
    claims = schema.validate({
        "credit_code": code, "company_name": "示例有限公司", "legal_representative": "李明",
        "company_type": "有限责任公司", "registered_capital": "100万元",
        "established_date": "2020-05-01", "business_scope": "软件开发", "address": "南京"})
    assert schema.region_of(claims) == "320102"
    assert load_schema("driving").region_of(load_schema("driving").validate(DRIVING_ROW)) \
        is None
