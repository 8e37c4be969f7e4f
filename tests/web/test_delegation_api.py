"""An agent's live code at the HTTP API, and the holder's revocation posted to the
installation: the next scan of the agent's code is refused."""

from __future__ import annotations

import base64

from flask.testing import FlaskClient

import licence
from licence._cose import sign
from licence.delegation import revocation_message

from ..verifier.world import World, private_key

AGENT = private_key("web-agent")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_agent_code_then_revocation(client: FlaskClient, web_world: World) -> None:
    holder = web_world.device_keys["bound"]
    delegation, shared = licence.delegate(web_world.licences["bound"],
                                          ["age_over_18"],
                                          holder, licence.compressed_public_key(AGENT),
                                          web_world.now + 86_400)
    first = licence.present_delegated(shared, delegation, AGENT, web_world.now - 2).to_qr()
    doc = client.post("/api/v1/verify", json={"qr": first}).get_json()
    assert doc["verdict"] == "valid", doc
    assert doc["delegation"]["agent"] is True and doc["delegation"]["on_behalf_of"] is None

    by_agent = client.post("/api/v1/delegations/revoke", json={
        "delegation": b64(delegation.to_bytes()),
        "signature": b64(sign(AGENT, revocation_message(delegation.id)))})
    assert by_agent.status_code == 401
    assert by_agent.get_json()["error"]["reason"] == "signature_invalid"

    answer = client.post("/api/v1/delegations/revoke", json={
        "delegation": b64(delegation.to_bytes()),
        "signature": b64(sign(holder, revocation_message(delegation.id)))})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"revoked": True, "id": delegation.id.hex(),
                                 "until": delegation.valid_until}

    again = licence.present_delegated(shared, delegation, AGENT, web_world.now - 1).to_qr()
    doc = client.post("/api/v1/verify", json={"qr": again}).get_json()
    assert (doc["verdict"], doc["reason"]) == ("invalid", "delegation_revoked")
    assert "delegation" not in doc


def test_malformed_revocation_is_one_sentence(client: FlaskClient) -> None:
    answer = client.post("/api/v1/delegations/revoke", json={
        "delegation": b64(b"not cbor"), "signature": b64(bytes(64))})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["reason"] == "delegation_revocation_invalid"
    assert error["message"].endswith(".") and error["message_zh"]
    missing = client.post("/api/v1/delegations/revoke", json={"delegation": "!!"})
    assert missing.status_code == 400
    assert missing.get_json()["error"]["reason"] == "bad_request"
