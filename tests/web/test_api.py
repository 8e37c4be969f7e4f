"""The verification API over the real world's index: results, status, errors, limits."""

from __future__ import annotations

import base64
import io
import json

from flask.testing import FlaskClient
from PIL import Image

from issuer.render.qr_image import render_qr_png
from verifier import Verifier, to_json
from verifier.openapi import ERROR_REASONS

from ..verifier.world import World, ref


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["message"] and error["message_zh"]
    assert error["reason"] in ERROR_REASONS, error["reason"]
    return error


def test_verify_answers_the_cli_document(client: FlaskClient, web_world: World) -> None:
    for name, verdict in (("good", "valid"), ("revoked", "revoked"),
                          ("tampered_claim", "invalid"), ("expired", "expired")):
        answer = client.post("/api/v1/verify", json={"qr": web_world.qr[name]})
        assert answer.status_code == 200
        index = web_world.index()
        checks = client.application.extensions["elicence.verifier"].checks  # + the counter's
        try:
            expected = to_json(Verifier(index, checks=checks).verify(web_world.qr[name],
                                                                     now=web_world.now))
        finally:
            index.close()
        assert answer.get_json() == json.loads(json.dumps(expected)), name
        assert answer.get_json()["verdict"] == verdict
    revoked = client.post("/api/v1/verify", json={"qr": web_world.qr["revoked"]}).get_json()
    assert revoked["status"]["reason_code"] == 4 and revoked["reason"] == "revoked"
    assert revoked["status"]["reason"] == "withdrawn"  # the public class, never the cause
    tampered = client.post("/api/v1/verify", json={"qr": web_world.qr["tampered_claim"]})
    assert tampered.get_json()["reason"] == "signature_invalid"
    assert tampered.get_json()["claims"] == {}


def test_live_presentation_and_challenge(client: FlaskClient, web_world: World) -> None:
    live = client.post("/api/v1/verify", json={"qr": web_world.live(
        "bound", disclose=["age_over_18"])}).get_json()
    assert live["verdict"] == "valid" and live["presentation"] == "live"
    assert live["claims"] == {"age_over_18": True}
    counter = client.get("/api/v1/challenge").get_json()
    challenged = web_world.live("bound", at=web_world.now - 1, challenge=base64.urlsafe_b64decode(
        counter["challenge"] + "=" * (-len(counter["challenge"]) % 4)))
    # A client naming another challenge than the code's is refused (the freshness check)...
    wrong = client.post("/api/v1/verify", json={"qr": challenged, "challenge": "b3RoZXI"})
    assert wrong.get_json()["verdict"] == "invalid"
    assert wrong.get_json()["reason"] == "challenge_mismatch"
    # ...and the code that answers this counter's challenge is valid (refusals do not use it).
    answered = client.post("/api/v1/verify", json={"qr": challenged}).get_json()
    assert answered["verdict"] == "valid"
    assert {c["name"]: c["reason"] for c in answered["checks"]}["challenge"] == \
        "challenge_answered"


def test_photo_upload(client: FlaskClient, web_world: World) -> None:
    png = render_qr_png(web_world.qr["good"], box_size=4)
    answer = client.post("/api/v1/verify", data={"image": (io.BytesIO(png), "scan.png")},
                         content_type="multipart/form-data")
    assert answer.status_code == 200 and answer.get_json()["verdict"] == "valid"

    blank = io.BytesIO()
    Image.new("L", (300, 300), 255).save(blank, "PNG")
    cases = [(blank.getvalue(), 400, "qr_not_found"),
             (b"\x89PNG\r\n\x1a\nnot really", 400, "image_unreadable"),
             (png[: len(png) // 2], 400, "image_unreadable")]
    huge = io.BytesIO()
    Image.new("1", (8000, 6000), 1).save(huge, "PNG")  # 48 MP in a few KiB
    cases.append((huge.getvalue(), 413, "image_too_large"))
    for data, status, reason in cases:
        answer = client.post("/api/v1/verify", data={"image": (io.BytesIO(data), "x.png")},
                             content_type="multipart/form-data")
        assert answer.status_code == status and error_of(answer)["reason"] == reason
    missing = client.post("/api/v1/verify", data={"other": "x"},
                          content_type="multipart/form-data")
    assert missing.status_code == 400 and error_of(missing)["reason"] == "bad_request"


def test_malformed_requests_get_typed_errors(client: FlaskClient) -> None:
    cases = [
        ({"data": "ELC1:ABC", "content_type": "text/plain"}, 415, "unsupported_media_type"),
        ({"data": "{", "content_type": "application/json"}, 400, "bad_json"),
        ({"data": b"\xff\xfe{}", "content_type": "application/json"}, 400, "bad_json"),
        # Too deep for Python's JSON parser, or parsed into something not an object.
        ({"data": "[" * 30_000 + "]" * 30_000, "content_type": "application/json"}, 400,
         {"bad_json", "bad_request"}),
        ({"json": ["ELC1:"]}, 400, "bad_request"),
        ({"json": {"qr": 5}}, 400, "bad_request"),
        # JSON that Python reads but that is not text a QR code can hold.
        ({"data": '{"qr": "ELC1:\\ud800"}', "content_type": "application/json"}, 200, None),
        ({"data": '{"qr": "ELC1:A", "n": 1' + "0" * 40 + '}',
          "content_type": "application/json"}, 200, None),
        ({"json": {"qr": "ELC1:A", "challenge": "!!"}}, 400, "bad_request"),
        ({"json": {"qr": "0" * 70_000}}, 413, "too_large"),
        ({"data": b"0" * (9 << 20), "content_type": "application/json"}, 413, "too_large"),
    ]
    for kwargs, status, reason in cases:
        answer = client.post("/api/v1/verify", **kwargs)
        assert answer.status_code == status, (kwargs.get("content_type"), answer.get_json())
        if reason is None:
            assert answer.get_json()["verdict"] == "unreadable"
            continue
        assert error_of(answer)["reason"] in ({reason} if isinstance(reason, str) else reason)
    assert error_of(client.get("/api/v1/verify"))["reason"] == "method_not_allowed"
    assert error_of(client.get("/api/v1/nothing"))["reason"] == "not_found"


def test_verify_body_framing(client: FlaskClient, web_world: World) -> None:
    """The JSON verify path reads bodies as a server hands them over: with a length, chunked
    (no length, the stream ends), or neither (no body); any JSON media type parameters."""
    body = json.dumps({"qr": web_world.qr["good"]}).encode()

    def post(data: bytes, length: bool, terminated: bool, content_type="application/json"):
        environ = {"wsgi.input": io.BytesIO(data), "wsgi.input_terminated": terminated,
                   "CONTENT_TYPE": content_type}
        if length:
            environ["CONTENT_LENGTH"] = str(len(data))
        return client.post("/api/v1/verify", environ_overrides=environ)

    for answer in (post(body, True, False), post(body, False, True),
                   post(body, True, False, "Application/JSON; charset=utf-8")):
        assert answer.status_code == 200 and answer.get_json()["verdict"] == "valid"
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    oversized = post(b" " * (70 << 10) + body, False, True)
    assert oversized.status_code == 413 and error_of(oversized)["reason"] == "too_large"
    unframed = post(body, False, False)
    assert unframed.status_code == 400 and error_of(unframed)["reason"] == "bad_json"
    text = client.post("/api/v1/verify", data=body, content_type="text/plain")
    assert text.status_code == 415
    assert "multipart/form-data" in error_of(text)["message"]


def test_status_endpoint(client: FlaskClient, web_world: World) -> None:
    def status(label: str, authority: int = 1) -> dict:
        answer = client.get(f"/api/v1/status?authority={authority}&ref={ref(label).hex()}")
        assert answer.status_code == 200
        return answer.get_json()

    revoked = status("revoked")
    assert revoked["status"] == "revoked" and revoked["reason"]["code"] == 4
    assert revoked["reason"]["zh"] == "发证机关撤销"  # the public class only
    suspended = status("suspended_until_future")
    assert suspended["status"] == "suspended" and suspended["until"] > web_world.now
    assert status("suspended_until_past")["status"] == "active"  # the suspension ended
    assert status("reinstated")["status"] == "active"
    superseded = status("superseded")
    assert superseded["status"] == "superseded"
    assert superseded["successor"] == ref("good_2").hex()
    good = status("good")
    assert good == {"status": "active", "status_reason": "status_active", "until": None,
                    "reason": None, "successor": None, "status_as_of": good["status_as_of"]}
    assert status("good", authority=2)["status"] == "revoked"  # statuses are per authority
    assert good["status_as_of"]["synced_at"] == web_world.now
    for query in ("", "authority=1", "authority=x&ref=00", f"authority=0&ref={'0' * 32}",
                  f"authority=1&ref={'g' * 32}", f"authority=1&ref={'0' * 30}"):
        answer = client.get(f"/api/v1/status?{query}")
        assert answer.status_code == 400 and error_of(answer)["reason"] == "bad_request"


def test_status_endpoint_fails_closed_on_a_stale_index(client: FlaskClient, app,
                                                      web_world: World) -> None:
    """The API applies the pipeline's rule: from an index older than max_staleness only a
    revocation (final) is certain; anything else is unknown, never active."""
    def status(label: str) -> dict:
        return client.get(f"/api/v1/status?authority=1&ref={ref(label).hex()}").get_json()

    service = app.extensions["elicence.verifier"]
    service.clock = lambda: web_world.now + 3600
    try:
        assert (status("good")["status"], status("good")["status_reason"]) == (
            "unknown", "status_index_stale")
        assert status("suspended_until_future")["status"] == "unknown"
        assert status("revoked")["status"] == "revoked"
        verdict = client.post("/api/v1/verify", json={"qr": web_world.qr["good"]}).get_json()
        assert (verdict["verdict"], verdict["reason"]) == ("unknown", "status_index_stale")
    finally:
        service.clock = lambda: web_world.now


def test_page_and_assets_are_served_with_a_strict_policy(client: FlaskClient) -> None:
    page = client.get("/verify")
    assert page.status_code == 200 and "text/html" in page.content_type
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    html = page.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html and "http" not in html
    for path in ("/static/vendor/jsQR.js", "/static/counter/counter.js",
                 "/static/counter/counter.css"):
        asset = client.get(path)
        assert asset.status_code == 200 and asset.data, path
        asset.close()
    schemas = client.get("/api/v1/schemas").get_json()["schemas"]
    assert schemas["driving"]["claims"][0] == {"name": "family_name", "en": "Family name",
                                               "zh": "姓"}


def test_without_an_index_yet(web_world: World, tmp_path) -> None:
    from chain.config import Settings
    from elicence.app import create_app

    app = create_app(Settings(home=tmp_path, extra={"rate_limit": "off"}), claims=False)
    client = app.test_client()
    try:
        status = client.get(f"/api/v1/status?authority=1&ref={'0' * 32}")
        assert status.status_code == 503 and error_of(status)["reason"] == "index_unavailable"
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["index"] is None
        unknown = client.post("/api/v1/verify", json={"qr": web_world.qr["good"]}).get_json()
        assert unknown["verdict"] == "unknown" and unknown["status_as_of"] is None

        web_world.sync(tmp_path / "index.sqlite")  # the follower's first sync: picked up
        app.extensions["elicence.verifier"].clock = lambda: web_world.now
        assert client.post("/api/v1/verify", json={"qr": web_world.qr["good"]}
                           ).get_json()["verdict"] == "valid"
    finally:
        app.extensions["elicence.verifier"].close()


def test_a_damaged_index_is_a_typed_503(web_world: World, tmp_path) -> None:
    from chain.config import Settings
    from elicence.app import create_app

    (tmp_path / "index.sqlite").write_bytes(b"this is not a database" * 100)
    app = create_app(Settings(home=tmp_path, extra={"rate_limit": "off"}), claims=False)
    try:
        answer = app.test_client().post("/api/v1/verify", json={"qr": web_world.qr["good"]})
        assert answer.status_code == 503
        assert error_of(answer)["reason"] == "index_unavailable"
    finally:
        app.extensions["elicence.verifier"].close()
