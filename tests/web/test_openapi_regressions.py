"""Defects the schemathesis run (test_openapi_schemathesis.py) found in the app, each kept as
the request that showed it."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from flask import Flask

from verifier.receipts import MAX_RECEIPTS_PER_DEVICE

from ..verifier.world import World
from .conftest import world_app

TOKEN = "operator-token-for-the-regression-tests"


@pytest.fixture(scope="module")
def serve_app(web_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = world_app(web_world, tmp_path_factory.mktemp("regressions-home"), claims=True,
                    rate_limit="off", operator_token=TOKEN)
    yield app
    app.extensions["elicence.verifier"].close()


@pytest.mark.parametrize("query", ["since=²", "limit=¹", "since=٣", "since=" + "9" * 40])
def test_alerts_refuse_digits_int_cannot_read(serve_app: Flask, query: str) -> None:
    """"²".isdigit() is true and int("²") raises: the query was answered 500."""
    answer = serve_app.test_client().get(f"/api/v1/alerts?{query}",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["reason"] == "bad_request"


def test_alerts_still_read_plain_numbers(serve_app: Flask) -> None:
    answer = serve_app.test_client().get("/api/v1/alerts?since=0&limit=5",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and answer.get_json() == {"alerts": []}


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("delete", "/api/v1/verify", {"POST", "OPTIONS"}),
    ("get", "/api/v1/claims", {"POST", "OPTIONS"}),
    ("post", "/healthz", {"GET", "HEAD", "OPTIONS"}),
])
def test_a_405_names_the_methods_the_address_takes(serve_app: Flask, method: str, path: str,
                                                   allowed: set[str]) -> None:
    """RFC 9110 §15.5.6: a 405 carries Allow. The JSON error answer used to drop it."""
    answer = getattr(serve_app.test_client(), method)(path)
    assert answer.status_code == 405
    assert answer.get_json()["error"]["reason"] == "method_not_allowed"
    assert {m.strip() for m in answer.headers["Allow"].split(",")} == allowed


def test_a_device_can_delete_every_receipt_it_may_hold(serve_app: Flask,
                                                       web_world: World) -> None:
    """The API takes up to 1,000 ids (a device keeps up to 1,000 receipts) but refused any
    body over 16 KiB: 1,000 ids of 32 hex digits were answered 413."""
    key = ec.generate_private_key(ec.SECP256R1())
    device = key.public_key().public_bytes(serialization.Encoding.X962,
                                           serialization.PublicFormat.CompressedPoint)
    now = int(web_world.now)
    message = (b"elicence/receipts/v1\0" + b"delete" + b"\0" + now.to_bytes(8, "big")
               + device)
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    body = {"device_key": b64(device), "time": now,
            "signature": b64(r.to_bytes(32, "big") + s.to_bytes(32, "big")),
            "ids": [f"{i:064x}" for i in range(MAX_RECEIPTS_PER_DEVICE)]}
    assert len(json.dumps(body)) > 64 * 1024
    answer = serve_app.test_client().post("/api/v1/receipts/delete", json=body)
    assert answer.status_code == 200, answer.get_data()
    assert answer.get_json() == {"deleted": 0}


@pytest.mark.parametrize("authority", ["1_0", " 1", "١", "+1", "1 "])
def test_numbers_in_queries_are_ascii_digits(serve_app: Flask, authority: str) -> None:
    """int() reads "1_0" as 10 and "١" as 1: a status or key lookup took them for another
    authority's number instead of refusing them."""
    client = serve_app.test_client()
    status = client.get("/api/v1/status", query_string={"authority": authority,
                                                        "ref": "0" * 32})
    assert status.status_code == 400 and status.get_json()["error"]["reason"] == "bad_request"
    key = client.get("/wallet/api/key", query_string={"authority": authority, "key": "1"})
    assert key.status_code == 400 and key.get_json()["error"]["reason"] == "bad_request"


def test_a_status_ref_is_32_ascii_hex_digits(serve_app: Flask) -> None:
    """bytes.fromhex skips white space: "00 00…" was read as a reference."""
    spaced = " ".join(["00"] * 16)
    answer = serve_app.test_client().get("/api/v1/status", query_string={
        "authority": "1", "ref": spaced})
    assert answer.status_code == 400
    plain = serve_app.test_client().get("/api/v1/status", query_string={
        "authority": "1", "ref": "0" * 32})
    assert plain.status_code == 200
