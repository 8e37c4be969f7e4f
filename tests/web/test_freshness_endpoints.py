"""One freshness rule behind every answer: the verification API, GET /api/v1/status and
/healthz say `unknown` / 503 for the same reason when the chain's newest block is old."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..verifier.world import World, ref
from .conftest import world_app

pytestmark = pytest.mark.timeout(120)


def test_old_head_is_unknown_everywhere_for_the_same_reason(web_world: World,
                                                            tmp_path: Path) -> None:
    app = world_app(web_world, tmp_path / "home", rate_limit="off")
    service = app.extensions["elicence.verifier"]
    client = app.test_client()
    status_url = f"/api/v1/status?authority=1&ref={ref('good').hex()}"
    try:
        health = client.get("/healthz")
        assert health.status_code == 200 and health.get_json()["reason"] is None
        assert client.get(status_url).get_json()["status"] == "active"
        assert client.post("/api/v1/verify", json={"qr": web_world.qr["good"]}
                           ).get_json()["verdict"] == "valid"

        head_time = health.get_json()["index"]["block_time"]
        service.clock = lambda: head_time + 61  # synced 60 s ago, newest block 61 s old
        health = client.get("/healthz")
        body = health.get_json()
        assert (health.status_code, body["reason"], body["index"]["head_age"]) == (
            503, "status_head_stale", 61)
        status = client.get(status_url).get_json()
        assert (status["status"], status["status_reason"]) == ("unknown", "status_head_stale")
        verdict = client.post("/api/v1/verify", json={"qr": web_world.qr["good"]}).get_json()
        assert (verdict["verdict"], verdict["reason"]) == ("unknown", "status_head_stale")
    finally:
        service.close()


def test_max_head_age_is_a_setting(web_world: World, tmp_path: Path) -> None:
    app = world_app(web_world, tmp_path / "home", rate_limit="off", max_head_age="120")
    service = app.extensions["elicence.verifier"]
    try:
        head_time = app.test_client().get("/healthz").get_json()["index"]["block_time"]
        service.clock = lambda: head_time + 61
        body = app.test_client().get("/healthz").get_json()
        assert (body["status"], body["max_head_age"]) == ("ok", 120)
    finally:
        service.close()
