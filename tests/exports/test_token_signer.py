"""Exports signed by a key inside a PKCS#11 token (SoftHSM2), through the same Signer that
signs batches: the independent libraries accept them against the token key's JWK and
document-signer certificate."""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from pathlib import Path

import pytest

from chain.keystore import Keystore, Passphrase
from chain.pkcs11_token import Pin
from licence.exports import mdoc, sd_jwt_vc, vc_jwt
from tests.support.softhsm import softhsm_token

from .support import Authority, check, device_jwks


@pytest.fixture(scope="module")
def token_authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    token = softhsm_token("exports")
    store = Keystore(Path(tmp_path_factory.mktemp("keys")), Passphrase(b"export token test"))
    store.token_pin = Pin(token.pin)
    made = store.create_token_signing_key("CN-31-DMV-2", token.module, token.label)
    signer = store.signing_key("CN-31-DMV-2")
    authority = Authority.make()
    assert signer.public_key == made.public_key
    return replace(authority, signer=signer,
                   key=replace(authority.key, public_key=signer.public_key))


def test_token_signed_exports_pass_the_independent_libraries(token_authority: Authority
                                                             ) -> None:
    authority = token_authority
    now = int(time.time())
    public, private = device_jwks()
    facts = authority.facts()
    vc = vc_jwt(facts, authority.signer, now=now)
    assert check("check_vc_jwt.mjs", {"vc_jwt": vc, "jwks": authority.jwks()})["accepted"]
    sd = sd_jwt_vc(facts, authority.signer, now=now, holder_jwk=public)
    assert check("check_sd_jwt_vc.mjs", {
        "sd_jwt": sd, "jwks": authority.jwks(), "holder_private_jwk": private,
        "disclose": ["age_over_18"], "nonce": "n-1", "audience": "aud"})["accepted"]
    doc = mdoc(facts, authority.signer, ds_certificate=authority.ds_der(), device_jwk=public,
               now=now)
    verdict = check("check_mdoc.mjs", {
        "mdoc_b64": base64.urlsafe_b64encode(doc).rstrip(b"=").decode(),
        "iaca_root_pem": authority.root_pem(), "device_private_jwk": private,
        "elements": ["family_name"], "transcript_b64": "AA=="})
    assert verdict["accepted"], verdict
