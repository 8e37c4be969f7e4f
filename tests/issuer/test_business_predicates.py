"""Business licences carry the predicates a counter asks about (in operation, registered
capital of at least a million yuan, established three years), declared in the schema JSON:
issued by `elicence issue`, claimed into a wallet, shown alone in a live code and verified by
`elicence verify`, with the titles the counter page and the wallet read from that schema."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import licence
from issuer.claims.exchange import claim_message
from issuer.issue.samples import BUSINESS_FIELDS, business_rows, write_csv
from licence._cose import sign
from tests.support.home import Home
from tests.support.issuing import issued_licences

pytestmark = pytest.mark.anvil

AMR = "CN-32-AMR"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def verified(home: Home, qr: str) -> dict:
    return json.loads(home.run("verify", qr, "--json", ok=False).output)


@pytest.fixture(scope="module")
def issued(chain_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("business")
    rows = list(business_rows(2, seed=17))
    rows[0].update(registered_capital="500万元人民币", established_date="2015-03-02",
                   expiry_date="")
    rows[1].update(registered_capital="100万美元", established_date="2016-07-01")
    source = write_csv(tmp / "companies.csv", BUSINESS_FIELDS, iter(rows))
    chain_home.run("issue", "--authority", AMR, "--type", "business", "--input", str(source),
                   "--out", str(tmp / "out"), "--no-pdf", "--quiet")
    return issued_licences(tmp / "out")


def test_printed_business_licences_carry_the_predicates_the_data_supports(
        chain_home: Home, issued: list[dict]) -> None:
    yuan, dollars = (verified(chain_home, entry["qr"]) for entry in issued)
    assert yuan["verdict"] == dollars["verdict"] == "valid"
    assert (yuan["claims"]["in_operation"], yuan["claims"]["registered_capital_at_least_1m"],
            yuan["claims"]["established_3_years"]) == (True, True, True)
    # Capital in another currency: the predicate is left out, never guessed.
    assert "registered_capital_at_least_1m" not in dollars["claims"]
    assert dollars["claims"]["in_operation"] is True


def test_an_agent_shows_in_operation_alone_from_the_wallet(chain_home: Home,
                                                           issued: list[dict]) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    key = licence.compressed_public_key(device.public_key())
    code = issued[0]["claim_code"]
    with chain_home.app() as app:
        client = app.test_client()
        challenge = client.post("/api/v1/claims/challenge").get_json()["challenge"]
        raw = base64.urlsafe_b64decode(challenge + "=" * (-len(challenge) % 4))
        answer = client.post("/api/v1/claims", json={
            "code": code, "device_key": b64(key), "challenge": challenge,
            "signature": b64(sign(device, claim_message(raw, code, key)))})
        assert answer.status_code == 200, answer.get_json()
        text = answer.get_json()["licence"]
        bound = licence.Licence.from_bytes_unverified(
            base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        # The wallet's presets and the counter's titles come from the same schema file.
        wallet_schema = client.get("/wallet/schemas/business.json").get_json()
        counter_titles = {c["name"]: c for c in client.get("/api/v1/schemas").get_json()[
            "schemas"]["business"]["claims"]}
    preset = next(p for p in wallet_schema["presets"] if p["name"] == "in_operation")
    assert counter_titles["in_operation"]["zh"] == "在营业期限内"

    shown = licence.present(bound, preset["claims"], device, int(time.time())).to_qr()
    result = verified(chain_home, shown)
    assert result["verdict"] == "valid", result
    assert result["claims"] == {"company_name": bound.claims["company_name"],
                                "credit_code": bound.claims["credit_code"],
                                "in_operation": True}

