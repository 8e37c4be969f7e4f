"""The export test vectors stay byte for byte what the code makes."""

from __future__ import annotations

import json

from licence.exports import jwk_of_key

from .vectors import PATH, TRUST, exports, inputs


def test_exports_match_the_vectors() -> None:
    vector = json.loads(PATH.read_text(encoding="utf-8"))
    assert exports(bytes.fromhex(vector["document_signer_der_hex"])) == vector["exports"]


def test_the_jwk_vector_names_the_key_record() -> None:
    vector = json.loads(PATH.read_text(encoding="utf-8"))
    _, record, _, _ = inputs()
    assert jwk_of_key(TRUST, record) == vector["jwk"]


def test_the_vectors_pass_the_independent_libraries() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from .support import b64url, check
    from .vectors import _scalar

    vector = json.loads(PATH.read_text(encoding="utf-8"))
    jwks = {"keys": [vector["jwk"]]}
    d = ec.derive_private_key(_scalar("elicence export vector: device key"), ec.SECP256R1())
    private = {**vector["holder_jwk"], "d": b64url(d.private_numbers().private_value
                                                   .to_bytes(32, "big"))}
    exported = vector["exports"]
    assert check("check_vc_jwt.mjs", {"vc_jwt": exported["vc-jwt"], "jwks": jwks})["accepted"]
    assert check("check_sd_jwt_vc.mjs", {
        "sd_jwt": exported["sd-jwt-vc"], "jwks": jwks, "holder_private_jwk": private,
        "disclose": ["age_over_18"], "nonce": "n", "audience": "a"})["accepted"]
    assert check("check_mdoc.mjs", {
        "mdoc_b64": b64url(bytes.fromhex(exported["mdoc_hex"])),
        "iaca_root_pem": vector["iaca_root_pem"], "device_private_jwk": private,
        "elements": ["family_name"], "transcript_b64": "AA=="})["accepted"]
