"""Usage records: stored for live presentations, listed and deleted only by the device."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask.testing import FlaskClient

from licence import compressed_public_key
from licence._cose import sign
from verifier.receipts import signed_message

from ..verifier.world import World, live_with_wrong_device_key
from .conftest import world_app


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.fixture
def client(web_world: World, tmp_path) -> Iterator[FlaskClient]:
    app = world_app(web_world, tmp_path / "home", rate_limit="off", counter_id="hotel-3",
                    counter_name_zh="三号前台", counter_name_en="Front desk 3")
    yield app.test_client()
    app.extensions["elicence.verifier"].close()


def signed(word: str, device: ec.EllipticCurvePrivateKey, time: int, **extra) -> dict:
    key = compressed_public_key(device)
    return {"device_key": b64(key), "time": time,
            "signature": b64(sign(device, signed_message(word, time, key))), **extra}


def test_live_verifications_leave_receipts_without_claim_values(client: FlaskClient,
                                                                web_world: World) -> None:
    device = web_world.device_keys["bound"]
    client.post("/api/v1/verify", json={"qr": web_world.live("bound", disclose=[
        "age_over_18"])})
    client.post("/api/v1/verify", json={"qr": web_world.live("bound", at=web_world.now - 600)})
    client.post("/api/v1/verify", json={"qr": web_world.qr["good"]})  # printed: no receipt
    client.post("/api/v1/verify", json={"qr": "ELP1:garbage"})  # unreadable: no receipt

    answer = client.post("/api/v1/receipts/query", json=signed("list", device, web_world.now))
    assert answer.status_code == 200
    receipts = answer.get_json()["receipts"]
    assert [r["verdict"] for r in receipts] == ["invalid", "valid"]  # newest first
    newest, first = receipts
    assert first["disclosed"] == ["age_over_18"]
    assert first["counter_id"] == "hotel-3" and first["counter_name_zh"] == "三号前台"
    assert first["counter_name_en"] == "Front desk 3" and first["time"] == web_world.now
    assert first["licence_type"] == "driving" and first["authority"] == "CN-31-DMV"
    assert len(newest["disclosed"]) > 1 and len(first["id"]) == 32
    stored = json.dumps(receipts, ensure_ascii=False)
    for value in web_world.licences["bound"].claims.values():
        if isinstance(value, str) and len(value) > 1:
            assert value not in stored

    other = web_world.device_keys["bound_other"]
    assert client.post("/api/v1/receipts/query", json=signed(
        "list", other, web_world.now)).get_json() == {"receipts": []}


def test_a_presentation_by_another_device_leaves_no_receipt(
        client: FlaskClient, web_world: World) -> None:
    # Its device signature never verified in the pipeline (the authority's signature over a
    # foreign device digest failed first): only a device's own verified code leaves one.
    verdict = client.post("/api/v1/verify", json={"qr": live_with_wrong_device_key(web_world)})
    assert verdict.get_json()["verdict"] == "invalid"
    other = web_world.device_keys["bound_other"]
    receipts = client.post("/api/v1/receipts/query", json=signed(
        "list", other, web_world.now)).get_json()["receipts"]
    assert receipts == []


def test_delete_some_then_all(client: FlaskClient, web_world: World) -> None:
    device = web_world.device_keys["bound"]
    for age in range(3):  # three codes (one code leaves one receipt however often shown)
        client.post("/api/v1/verify", json={"qr": web_world.live("bound",
                                                                 at=web_world.now - age)})
    query = signed("list", device, web_world.now)
    ids = [r["id"] for r in client.post("/api/v1/receipts/query", json=query)
           .get_json()["receipts"]]
    assert len(ids) == 3
    deleted = client.post("/api/v1/receipts/delete",
                          json=signed("delete", device, web_world.now, ids=[ids[0], "nope"]))
    assert deleted.get_json() == {"deleted": 1}
    left = client.post("/api/v1/receipts/query", json=query).get_json()["receipts"]
    assert [r["id"] for r in left] == ids[1:]
    # A "list" signature does not authorise deleting.
    refused = client.post("/api/v1/receipts/delete", json={**query, "ids": []})
    assert refused.status_code == 401
    assert refused.get_json()["error"]["reason"] == "signature_invalid"
    everything = client.post("/api/v1/receipts/delete",
                             json=signed("delete", device, web_world.now, ids=[]))
    assert everything.get_json() == {"deleted": 2}
    assert client.post("/api/v1/receipts/query", json=query).get_json() == {"receipts": []}


@pytest.mark.parametrize(("change", "status", "reason"), [
    ({"time": -121}, 401, "request_time_invalid"),
    ({"time": 121}, 401, "request_time_invalid"),
    ({"time": 120}, 200, None),
    ({"other_key": True}, 401, "signature_invalid"),
    ({"device_key": b64(b"\x04" * 33)}, 400, "device_key_invalid"),
    ({"device_key": b64(b"\x02" * 32)}, 400, "bad_request"),
    ({"signature": b64(bytes(64))}, 401, "signature_invalid"),
    ({"signature": "***"}, 400, "bad_request"),
    ({"time": "now"}, 400, "bad_request"),
    ({"time": True}, 400, "bad_request"),
])
def test_refused_queries(client: FlaskClient, web_world: World, change: dict, status: int,
                         reason: str | None) -> None:
    device = web_world.device_keys["bound"]
    shift = change.get("time", 0) if isinstance(change.get("time"), int) else 0
    body = signed("list", device, web_world.now + shift)
    if change.get("other_key"):
        other = web_world.device_keys["bound_other"]
        body["signature"] = signed("list", other, web_world.now)["signature"]
    body.update({k: v for k, v in change.items() if k in ("device_key", "signature")})
    if not isinstance(change.get("time", 0), int) or change.get("time") is True:
        body["time"] = change["time"]
    answer = client.post("/api/v1/receipts/query", json=body)
    assert answer.status_code == status
    if reason is not None:
        error = answer.get_json()["error"]
        assert error["reason"] == reason and error["message"] and error["message_zh"]


def test_delete_refuses_malformed_ids(client: FlaskClient, web_world: World) -> None:
    device = web_world.device_keys["bound"]
    for ids in ("all", [1], ["x" * 65], ["a"] * 1001):
        answer = client.post("/api/v1/receipts/delete",
                             json=signed("delete", device, web_world.now, ids=ids))
        assert answer.status_code == 400
        assert answer.get_json()["error"]["reason"] == "bad_request"
