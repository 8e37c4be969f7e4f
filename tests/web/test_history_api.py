"""POST /api/v1/history and `elicence history` over the real eth-tester world: a licence's
anchoring, its status changes with their public reason class, replacements followed both
ways, a phone copy's addition — and refusal for anything not a genuine licence."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import qrcode
from click.testing import CliRunner
from flask.testing import FlaskClient

from elicence.cli import main

from ..verifier.test_cli import make_home
from ..verifier.world import World, ref

pytestmark = pytest.mark.timeout(120)


def history(client: FlaskClient, qr: str) -> dict:
    answer = client.post("/api/v1/history", json={"qr": qr})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_anchoring_and_replacement_followed_both_ways(client: FlaskClient,
                                                      web_world: World) -> None:
    old = history(client, web_world.qr["superseded"])
    assert old["status_ref"] == ref("superseded").hex()
    assert old["authority"]["id"] == "CN-31-DMV" and old["presentation"] == "printed"
    assert old["anchored"]["block"] > 0 and len(old["anchored"]["batch"]) == 32
    assert old["anchored"]["region"] == "31"
    assert [(c["event"], c["successor"], c["by"]) for c in old["changes"]] == [
        ("superseded", ref("good_2").hex(), "authority")]
    assert [link["status_ref"] for link in old["superseded_by"]] == [ref("good_2").hex()]
    assert old["replaced"] == []

    new = history(client, web_world.qr["good_2"])
    assert new["changes"] == [] and new["superseded_by"] == []
    assert [link["status_ref"] for link in new["replaced"]] == [ref("superseded").hex()]
    assert new["replaced"][0]["changes"][0]["event"] == "superseded"
    assert new["anchored"]["block"] == old["anchored"]["block"]  # issued together


def test_each_status_change_with_its_public_reason_class(client: FlaskClient,
                                                         web_world: World) -> None:
    revoked = history(client, web_world.qr["revoked"])
    assert [(c["event"], c["reason_class"], c["reason_zh"]) for c in revoked["changes"]] == [
        ("revoked", "withdrawn", "发证机关撤销")]
    back = history(client, web_world.qr["reinstated"])
    events = back["changes"]
    assert [c["event"] for c in events] == ["suspended", "reinstated"]
    assert events[0]["until"] > events[0]["time"] and "until" not in events[1]
    assert events[0]["block"] <= events[1]["block"]


def test_a_phone_copy_says_when_it_was_added(client: FlaskClient, web_world: World) -> None:
    doc = history(client, web_world.live("bound", disclose=["age_over_18"]))
    assert doc["presentation"] == "live"
    copy = doc["copy"]
    assert copy["added"] == doc["anchored"] and copy["changes"] == []
    assert len(copy["status_ref"]) == 32 and copy["status_ref"] != doc["status_ref"]


@pytest.mark.parametrize("label", ["tampered_claim", "root_never_anchored",
                                   "unregistered_key_id"])
def test_not_genuine_is_refused_with_one_sentence(client: FlaskClient, web_world: World,
                                                  label: str) -> None:
    answer = client.post("/api/v1/history", json={"qr": web_world.qr[label]})
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["reason"] == "licence_not_genuine"
    assert error["message"].startswith("History is shown only for a genuine licence")
    assert error["message"].count("again") <= 1  # the advice is given once
    assert error["message_zh"].startswith("仅对链上可查的真实证照显示历史记录")


@pytest.mark.parametrize(("body", "status", "reason"), [
    ({"qr": "ELC1:NOTALICENCE"}, 422, "licence_not_genuine"),
    ({"qr": "hello"}, 422, "licence_not_genuine"),
    ({}, 400, "bad_request"),
    ({"qr": 7}, 400, "bad_request"),
    # No enumeration by number or status reference: those fields are not accepted.
    ({"authority": 1, "ref": "00" * 16}, 400, "bad_request"),
])
def test_bad_requests(client: FlaskClient, body: dict, status: int, reason: str) -> None:
    answer = client.post("/api/v1/history", json=body)
    assert answer.status_code == status
    assert answer.get_json()["error"]["reason"] == reason


def test_route_is_described(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/history" in spec["paths"]
    assert "licence_not_genuine" in spec["components"]["schemas"]["Error"]["properties"][
        "error"]["properties"]["reason"]["enum"]


def test_cli_history_from_the_code(web_world: World, tmp_path: Path) -> None:
    env = make_home(web_world, tmp_path / "home", synced_at=int(time.time()) + 3600)
    runner = CliRunner()
    text = runner.invoke(main, ["history", "--no-sync", web_world.qr["good_2"]], env=env)
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("Licence history 证照历史")
    assert "anchored 上链" in text.stdout and "replaced licence 被换发的旧证" in text.stdout
    assert "superseded — Other reason 其他原因 → " + ref("good_2").hex() in text.stdout
    as_json = runner.invoke(main, ["history", "--no-sync", "--json",
                                   web_world.qr["revoked"]], env=env)
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["changes"][0]["event"] == "revoked"
    forged = runner.invoke(main, ["history", "--no-sync", web_world.qr["tampered_claim"]],
                           env=env)
    assert forged.exit_code == 1
    assert "History is shown only for a genuine licence" in forged.output
    assert "Traceback" not in forged.output
    usage = runner.invoke(main, ["history", "--no-sync"], env=env)
    assert usage.exit_code == 2
    png = tmp_path / "superseded.png"
    qrcode.make(web_world.qr["superseded"],
                error_correction=qrcode.constants.ERROR_CORRECT_M).save(png)
    photo = runner.invoke(main, ["history", "--no-sync", "--json", "--image", str(png)], env=env)
    assert photo.exit_code == 0, photo.output
    assert json.loads(photo.stdout)["superseded_by"][0]["status_ref"] == ref("good_2").hex()
