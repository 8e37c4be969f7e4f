"""Batch issuance, licence verification, disclosure and tampering."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import licence
from licence import _cose

from .licence_testdata import BUSINESS_ROW, NOW, YEAR, counter_bytes


def test_batch_roots_sign_every_licence(batch, authority_key):
    assert len(batch.licences) == 37 and 1 <= len(batch.roots) <= 16
    assert batch.packed_roots == b"".join(r.root for r in batch.roots)
    roots = {r.root for r in batch.roots}
    for lic in batch.licences:
        lic.verify_signature(authority_key.public_key())
        assert lic.subtree_root() in roots
        assert lic.header.authority == 3 and lic.header.key_id == 2
        assert lic.header.licence_type == 1 and lic.header.issued_at == NOW


def test_full_licence_round_trips_through_qr_text(batch, authority_key, driving_claims):
    lic = batch.licences[20]
    text = lic.to_qr()
    assert text.startswith("ELC1:")
    decoded = licence.decode_unverified(text)
    assert decoded == lic
    assert decoded.claims == driving_claims
    decoded.verify_signature(authority_key.public_key())
    assert decoded.subtree_root() == lic.subtree_root()


def test_batch_is_deterministic_given_the_seed_source(authority_key, driving_claims):
    items = [(driving_claims, NOW, NOW + YEAR, b"\x01" * 16)]
    a = licence.build_batch(1, 1, authority_key, 1, NOW, items, random_bytes=counter_bytes(b"x"))
    b = licence.build_batch(1, 1, authority_key, 1, NOW, items, random_bytes=counter_bytes(b"x"))
    assert a.licences[0].to_qr() == b.licences[0].to_qr()


def test_other_key_is_rejected(batch, other_key):
    with pytest.raises(licence.SignatureError) as info:
        batch.licences[0].verify_signature(other_key.public_key())
    assert info.value.reason == "signature_invalid"


@pytest.mark.parametrize("names", [[], ["age_over_18"], ["age_over_18", "vehicle_classes"],
                                   ["family_name", "given_name", "licence_number", "address"]])
def test_disclosure_shows_only_chosen_claims(batch, authority_key, names):
    lic = batch.licences[5].disclose(names)
    decoded = licence.decode_unverified(lic.to_qr())
    assert set(decoded.claims) == set(names) and decoded.seed is None
    decoded.verify_signature(authority_key.public_key())
    assert decoded.subtree_root() == batch.licences[5].subtree_root()


def test_disclosing_an_absent_claim_is_refused(authority_key):
    claims = licence.load_schema("business").validate(BUSINESS_ROW)
    lic = licence.build_batch(1, 1, authority_key, 2, NOW, [(claims, NOW, NOW + YEAR,
                                                               b"\x02" * 16)]).licences[0]
    licence.decode_unverified(lic.to_qr()).verify_signature(authority_key.public_key())
    with pytest.raises(licence.LicenceError) as info:
        lic.disclose(["expiry_date"])
    assert info.value.reason == "claim_unknown"


def _altered(lic: licence.Licence, **changes) -> licence.Licence:
    return dataclasses.replace(lic, **changes)


@pytest.mark.parametrize(("change", "error"), [
    ({"claims_patch": {"family_name": "王"}}, licence.SignatureError),
    ({"claims_patch": {"age_over_60": True}}, licence.SignatureError),
    ({"claims_patch": {"birth_date": dt.date(1970, 1, 1)}}, licence.SignatureError),
    ({"valid_until": NOW + 50 * YEAR}, licence.SignatureError),
    ({"status_ref": b"\xff" * 16}, licence.SignatureError),
    ({"leaf_index": 1}, licence.LicenceError),  # ProofError or SignatureError by shape
    ({"seed": b"\x00" * 16}, licence.SignatureError),
    ({"signature": b"\x01" * 64}, licence.SignatureError),
    ({"device_digest": b"\x00" * 16}, licence.SignatureError),
])
def test_altering_a_full_licence_is_rejected(batch, authority_key, change, error):
    lic = batch.licences[2]
    if "claims_patch" in change:
        change = {"claims": {**lic.claims, **change.pop("claims_patch")}}
    with pytest.raises(error):
        _altered(lic, **change).verify_signature(authority_key.public_key())


def test_altering_a_disclosure_is_rejected(batch, authority_key):
    lic = batch.licences[2].disclose(["age_over_18", "vehicle_classes"])
    key = authority_key.public_key()
    bad = [
        _altered(lic, claims={**lic.claims, "vehicle_classes": ["A1"]}),
        _altered(lic, salts={**lic.salts, "age_over_18": b"\x00" * 16}),
        _altered(lic, multiproof=b"\x00" * 16),
        _altered(lic, proof=lic.proof[:-16] + b"\x00" * 16),
    ]
    for tampered in bad:
        with pytest.raises(licence.SignatureError):
            tampered.verify_signature(key)
    with pytest.raises(licence.ProofError):
        _altered(lic, multiproof=lic.multiproof + b"\x00" * 16).verify_signature(key)


def test_licence_signature_never_passes_as_a_presentation(batch, authority_key):
    lic = batch.licences[0]
    root = lic.subtree_root()
    message = _cose.sig_structure(b"", _cose.PRESENTATION_CONTEXT, root)
    with pytest.raises(licence.SignatureError):
        _cose.verify(authority_key.public_key(), lic.signature, message)
    # and a signature made in the presentation context does not verify as a licence
    forged = _cose.sign(authority_key, _cose.sig_structure(lic.protected,
                                                           _cose.PRESENTATION_CONTEXT, root))
    with pytest.raises(licence.SignatureError):
        _altered(lic, signature=forged).verify_signature(authority_key.public_key())


def test_unknown_claims_are_refused_at_build(authority_key, driving_claims):
    with pytest.raises(licence.SchemaError):
        licence.build_batch(1, 1, authority_key, 1, NOW,
                            [({**driving_claims, "blood": "O"}, NOW, NOW + 1, b"\x00" * 16)])


def test_verify_needs_a_p256_key(batch):
    from cryptography.hazmat.primitives.asymmetric import ec
    with pytest.raises(licence.SignatureError) as info:
        batch.licences[0].verify_signature(ec.generate_private_key(ec.SECP384R1()).public_key())
    assert info.value.reason == "key_invalid"


PROFESSIONAL_ROW = {"family_name": "李", "given_name": "娜", "birth_date": "1985-01-01",
                    "certificate_number": "CZ20230001", "profession": "电工", "level": "3",
                    "issue_date": "2023-05-01", "expiry_date": "2028-05-01"}


@pytest.mark.parametrize(("name", "row"), [("business", BUSINESS_ROW),
                                           ("professional", PROFESSIONAL_ROW)])
def test_other_licence_types_issue_and_disclose_each_claim(authority_key, name, row):
    schema = licence.load_schema(name)
    claims = schema.validate(row)
    batch = licence.build_batch(4, 7, authority_key, schema.code, NOW,
                                [(claims, NOW, NOW + YEAR, bytes([i]) * 16) for i in range(20)])
    lic = batch.licences[19]
    for shown in [lic, *(lic.disclose([n]) for n in claims)]:
        decoded = licence.decode_unverified(shown.to_qr())
        decoded.verify_signature(authority_key.public_key())
        assert decoded.claims == shown.claims
        assert decoded.subtree_root() == batch.roots[-1].root


def test_licence_package_does_no_io_imports():
    import subprocess
    import sys
    code = ("import sys, licence; bad = {'sqlite3', 'socket', 'flask', 'web3', 'sqlalchemy', "
            "'requests', 'urllib3'}; print(sorted(bad & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_malformed_schema_is_refused():
    import json
    from importlib import resources
    data = json.loads(resources.files("licence").joinpath("schemas", "driving.json")
                      .read_text("utf-8"))
    data["tree"] = data["tree"][0]  # drops most claims from the tree
    with pytest.raises(licence.SchemaError) as info:
        licence.schema.parse_schema(data)
    assert info.value.reason == "schema_invalid"
