"""Records name the counter that asked (docs/decisions/0288): one installation serving
several counters, each proving its id with a counter token, through the HTTP API of a real
app over the world's index. The verification log's lines, the holder's usage records and
the cloned-licence detector's sightings each carry the token's counter, with the names and
place config.json's "counters" table gives it.

The hall is in Shanghai's Pudong; its desk bj-desk is configured in Beijing (about 1,070 km
away), its desk sh-2 a few streets from the hall.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from elicence.limits_counters import CounterTokens
from verifier.alerts import AlertKind

from ..verifier.world import World
from .conftest import world_app
from .test_receipts import signed

pytestmark = pytest.mark.timeout(120)

COUNTERS = {
    "tax-3": {"name_zh": "税务窗口", "name_en": "Tax window"},  # in the hall
    "bj-desk": {"name_zh": "北京东城窗口", "name_en": "Dongcheng desk", "region": "110101",
                "latitude": 39.9042, "longitude": 116.4074},
    "sh-2": {"name_en": "Pudong desk 2", "region": "310115", "latitude": 31.2211,
             "longitude": 121.5443},  # about 7 km from the hall
}


@pytest.fixture
def app(web_world: World, tmp_path) -> Iterator[Flask]:
    made = world_app(web_world, tmp_path / "home", rate_limit="off", counter_id="hall",
                     counter_name_zh="浦东服务大厅", counter_name_en="Pudong service hall",
                     counter_region="310115", counter_latitude="31.2304",
                     counter_longitude="121.4737",
                     alert_flush_interval="86400",  # the tests flush when they choose
                     **{"counters": COUNTERS})  # type: ignore[arg-type]
    yield made
    made.extensions["elicence.verifier"].close()


def token(app: Flask, counter: str | None) -> dict[str, str]:
    if counter is None:
        return {}
    minted = CounterTokens(app.extensions["elicence.verifier"].state.secret).mint(counter)
    return {"Authorization": f"Counter {minted}"}


def verify(app: Flask, text: str, counter: str | None) -> dict[str, Any]:
    answer = app.test_client().post("/api/v1/verify", json={"qr": text},
                                    headers=token(app, counter))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def log_lines(app: Flask) -> list[dict[str, Any]]:
    path = app.extensions["elicence.verifier"].config.home / "verifications.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_log_and_the_holders_receipts_name_each_counter(app: Flask,
                                                            web_world: World) -> None:
    asked = ["tax-3", "bj-desk", None, "bank-9"]  # bank-9: a valid token, no entry
    for seconds, counter in enumerate(asked):  # one live code per scan: none replayed
        result = verify(app, web_world.live("bound", at=web_world.now - seconds), counter)
        assert result["verdict"] == "valid"

    assert [line["counter"] for line in log_lines(app)] == [
        "tax-3", "bj-desk", "hall", "bank-9"]

    device = web_world.device_keys["bound"]
    answer = app.test_client().post("/api/v1/receipts/query",
                                    json=signed("list", device, web_world.now))
    names = {(r["counter_id"], r["counter_name_zh"], r["counter_name_en"])
             for r in answer.get_json()["receipts"]}
    assert names == {("tax-3", "税务窗口", "Tax window"),
                     ("bj-desk", "北京东城窗口", "Dongcheng desk"),
                     ("hall", "浦东服务大厅", "Pudong service hall"),
                     ("bank-9", "浦东服务大厅", "Pudong service hall")}


def flush(app: Flask, now: int) -> list[Any]:
    return app.extensions["elicence.verifier"].alerts.flush(now)


def test_one_licence_at_two_far_apart_desks_of_one_server_is_a_cloned_licence(
        app: Flask, web_world: World) -> None:
    text = web_world.qr["good"]
    assert verify(app, text, "sh-2")["verdict"] == "valid"
    assert verify(app, text, "bj-desk")["verdict"] == "valid"  # the same minute, 1,070 km
    raised = flush(app, web_world.now)
    assert [a.kind for a in raised] == [AlertKind.CLONED_LICENCE]
    evidence = raised[0].evidence
    assert {s["counter"] for s in evidence["sightings"]} == {"sh-2", "bj-desk"}
    assert {s["region"] for s in evidence["sightings"]} == {"310115", "110101"}
    assert evidence["distance_km"] > 1000


def test_desks_configured_together_never_raise_one(app: Flask, web_world: World) -> None:
    text = web_world.qr["good"]
    for counter in ("sh-2", None, "tax-3", "bank-9"):  # the hall's desks and a neighbour
        assert verify(app, text, counter)["verdict"] == "valid"
    assert flush(app, web_world.now) == []
    # Flushed one at a time too: the store's earlier sightings are compared the same way.
    assert verify(app, text, "sh-2")["verdict"] == "valid"
    assert flush(app, web_world.now + 60) == []
    assert app.extensions["elicence.verifier"].alerts.store.since(0) == []


def test_far_apart_desks_are_compared_across_flushes(app: Flask, web_world: World) -> None:
    text = web_world.qr["good"]
    verify(app, text, "bj-desk")
    assert flush(app, web_world.now) == []  # one sighting: nothing to compare yet
    verify(app, text, None)  # the hall, in Shanghai, a minute later
    raised = flush(app, web_world.now + 60)
    assert [a.kind for a in raised] == [AlertKind.CLONED_LICENCE]
    assert {s["counter"] for s in raised[0].evidence["sightings"]} == {"bj-desk", "hall"}
