"""The export formats' own rules, without a chain: what each one states, and what it
refuses in one sentence."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from licence import SM2_SM3, KeySigner, generate_private_key, load_schema
from licence.exports import (
    CONTEXT_URL,
    ExportError,
    context_document,
    mdoc,
    sd_jwt_vc,
    vc_jwt,
)
from licence.schema import all_schemas

from .support import Authority, device_jwks


def parts(jwt: str) -> tuple[dict, dict]:
    head, body = (json.loads(base64.urlsafe_b64decode(p + "==")) for p in jwt.split(".")[:2])
    return head, body


def test_sd_jwt_vc_makes_every_claim_a_disclosure() -> None:
    authority = Authority.make()
    facts = authority.facts()
    public, _ = device_jwks()
    exported = sd_jwt_vc(facts, authority.signer, now=1_800_000_000, holder_jwk=public)
    jwt, *disclosures, last = exported.split("~")
    assert last == ""  # no key binding yet: the holder adds it when presenting
    header, payload = parts(jwt)
    assert header == {"alg": "ES256", "typ": "dc+sd-jwt", "kid": "2"}
    assert payload["vct"] == "urn:elicence:vct:driving"
    assert payload["cnf"] == {"jwk": public}
    assert payload["status"] == {"elicence_registry": {
        "registry": facts.registry, "chain_id": 31337, "status_ref": bytes(range(16)).hex()}}
    names = {json.loads(base64.urlsafe_b64decode(d + "=="))[1] for d in disclosures}
    assert names == set(facts.claims)
    assert not names & set(payload)  # no claim in clear
    digests = {base64.urlsafe_b64encode(hashlib.sha256(d.encode()).digest()).rstrip(b"=")
               .decode() for d in disclosures}
    assert digests == set(payload["_sd"])


def test_vc_jwt_is_a_vc_2_credential_with_the_shipped_context() -> None:
    authority = Authority.make()
    header, payload = parts(vc_jwt(authority.facts(), authority.signer, now=1_800_000_000))
    assert header == {"alg": "ES256", "typ": "vc+jwt", "cty": "vc", "kid": "2"}
    assert payload["@context"] == ["https://www.w3.org/ns/credentials/v2", CONTEXT_URL]
    assert payload["credentialStatus"]["type"] == "ElicenceRegistryStatus"
    terms = context_document()["@context"]
    assert all(term in terms for term in payload["credentialSubject"])


def test_the_context_defines_every_claim_and_type_of_every_schema() -> None:
    from .context_terms import context

    assert context_document() == context(), "run: python -m tests.exports.context_terms"
    terms = context_document()["@context"]
    for schema in all_schemas():
        assert f"Elicence{schema.name.capitalize()}Licence" in terms
        assert all(spec.name in terms for spec in schema.claims), schema.name


def test_mdoc_maps_driving_claims_to_the_mdl_namespace() -> None:
    authority = Authority.make()
    facts = authority.facts()
    public, _ = device_jwks()
    certificate = authority.ds_der()
    doc = cbor2.loads(mdoc(facts, authority.signer, ds_certificate=certificate,
                           device_jwk=public, now=int(time.time())))["documents"][0]
    assert doc["docType"] == "org.iso.18013.5.1.mDL"
    items = {cbor2.loads(i.value)["elementIdentifier"]: cbor2.loads(i.value)["elementValue"]
             for i in doc["issuerSigned"]["nameSpaces"]["org.iso.18013.5.1"]}
    assert items["document_number"] == facts.claims["licence_number"]
    assert items["birth_date"] == facts.claims["birth_date"]  # decoded from tag 1004
    assert items["driving_privileges"] == [{"vehicle_category_code": c}
                                           for c in facts.claims["vehicle_classes"]]
    protected, unprotected, payload, _signature = doc["issuerSigned"]["issuerAuth"]
    assert cbor2.loads(protected) == {1: -7} and unprotected[33] == certificate
    mso = cbor2.loads(cbor2.loads(payload).value)
    assert mso["deviceKeyInfo"]["deviceKey"][1] == 2  # EC2


def test_mdoc_document_is_the_bytes_cbor2_writes() -> None:
    # mdoc joins the document from its encoded parts by hand; decoding it and encoding
    # the result again with cbor2 must give the very same bytes.
    authority = Authority.make()
    encoded = mdoc(authority.facts(), authority.signer, ds_certificate=authority.ds_der(),
                   device_jwk=device_jwks()[0], now=int(time.time()))
    assert cbor2.dumps(cbor2.loads(encoded)) == encoded


def test_mdoc_is_for_driving_licences_only() -> None:
    authority = Authority.make()
    business = authority.facts(schema=load_schema("business"))
    with pytest.raises(ExportError, match=r"driving licences .* only") as caught:
        mdoc(business, authority.signer, ds_certificate=b"", device_jwk=device_jwks()[0],
             now=0)
    assert caught.value.reason == "export_type_unsupported"


@pytest.mark.parametrize("export", [sd_jwt_vc, vc_jwt])
def test_an_sm2_key_cannot_sign_an_export(export) -> None:
    sm2 = KeySigner(generate_private_key(SM2_SM3))
    with pytest.raises(ExportError, match="ES256 only: JOSE and COSE register no algorithm "
                                          "for SM2") as caught:
        export(Authority.make().facts(), sm2, now=0)
    assert caught.value.reason == "export_algorithm_unsupported"


@pytest.mark.parametrize(("jwk", "words"), [
    ({"kty": "OKP", "crv": "Ed25519", "x": "AA"}, "not a P-256 public JWK"),
    ({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}, "not a point on P-256"),
    (device_jwks()[1], "holds a private key"),
])
def test_bad_holder_keys_are_refused(jwk: dict, words: str) -> None:
    authority = Authority.make()
    with pytest.raises(ExportError, match=words):
        sd_jwt_vc(authority.facts(), authority.signer, now=0, holder_jwk=jwk)


@pytest.mark.parametrize("value", [
    True, False, "", "A", "欧阳" * 40, "x" * 300, 0, 23, 24, 70_000, [{"a": "b"}],
    cbor2.CBORTag(1004, "2031-06-15")])
@pytest.mark.parametrize("digest_id", [0, 23, 24, 300])
def test_mdoc_items_are_the_bytes_cbor2_writes(value, digest_id: int) -> None:
    from licence.exports.mdoc import _item_bytes

    item = {"digestID": digest_id, "random": bytes(range(16)), "elementIdentifier": "name",
            "elementValue": value}
    assert _item_bytes(digest_id, bytes(range(16)), "name", value) == cbor2.dumps(item)


def _bound_copy(device: ec.EllipticCurvePrivateKey):
    from licence import build_batch, compressed_public_key

    authority = Authority.make()
    facts = authority.facts()
    [copy] = build_batch(1, 2, authority.signer, 1, 1_790_000_000, [
        (facts.claims, facts.valid_from, facts.valid_until, bytes(16),
         compressed_public_key(device))], region="31").licences
    return copy


def _jwk(key: ec.EllipticCurvePrivateKey) -> dict:
    from .support import b64url

    n = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64url(n.x.to_bytes(32, "big")),
            "y": b64url(n.y.to_bytes(32, "big"))}


def test_a_device_bound_copy_exports_only_to_its_own_device() -> None:
    from licence.exports.facts import check_holder_key

    device = ec.generate_private_key(ec.SECP256R1())
    copy = _bound_copy(device)
    check_holder_key(copy, _jwk(device))  # its own device: accepted
    with pytest.raises(ExportError) as other:
        check_holder_key(copy, _jwk(ec.generate_private_key(ec.SECP256R1())))
    assert other.value.reason == "holder_key_mismatch"
    with pytest.raises(ExportError) as missing:
        check_holder_key(copy, None)
    assert missing.value.reason == "holder_key_missing"
