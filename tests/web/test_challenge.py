"""The attacks on live codes, reproduced through the HTTP API of real apps over the world's
index and their shared state store: a replayed code (at the same counter and at another
replica), a code without or with another counter's challenge, forged usage records, and
records linked across installations.

Before the challenge, the replay cache and the signed records, each attack here succeeded:
the same code was `valid` again at any counter for 60 s, and a record was stored for any
live code naming a device key (1,000 forged posts erased a holder's history)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from chain.config import Settings
from elicence.app import create_app
from licence import present
from licence._cose import sign
from licence.presentation import _tbs
from verifier.challenges import WINDOW_SECONDS, from_text, to_text
from verifier.receipts import signed_message
from verifier.state import usage_records

from ..verifier.world import World
from .conftest import world_app


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def replica(world: World, home: Path, **extra: str) -> Flask:
    """Another server of the installation whose ELICENCE_HOME is `home` (same state)."""
    app = create_app(Settings(home=home, extra={"rate_limit": "off", **extra}), claims=False)
    app.extensions["elicence.verifier"].clock = lambda: world.now
    return app


@pytest.fixture
def apps(web_world: World, tmp_path: Path) -> Iterator[list[Flask]]:
    made = [world_app(web_world, tmp_path / "home", rate_limit="off", counter_id="desk-1",
                      challenge="required")]
    made.append(replica(web_world, tmp_path / "home", counter_id="desk-2",
                        challenge="required"))
    yield made
    for app in made:
        app.extensions["elicence.verifier"].close()


def counter_challenge(client: FlaskClient) -> bytes:
    answer = client.get("/api/v1/challenge")
    assert answer.status_code == 200
    body = answer.get_json()
    value = base64.urlsafe_b64decode(body["challenge"] + "==")
    assert body["text"] == to_text(value) and from_text(body["text"].lower()) == value
    assert body["qr"].startswith("data:image/svg+xml;base64,")
    assert body["policy"] == "required" and body["refresh_at"] < body["expires_at"]
    return value


def verify(client: FlaskClient, text: str) -> dict:
    answer = client.post("/api/v1/verify", json={"qr": text})
    assert answer.status_code == 200
    return answer.get_json()


def reason_of(result: dict, check: str) -> str:
    return {c["name"]: c["reason"] for c in result["checks"]}[check]


def test_a_challenged_code_is_valid_once_at_its_counter(apps: list[Flask],
                                                        web_world: World) -> None:
    desk1, desk2 = (app.test_client() for app in apps)
    code = web_world.live("bound", disclose=["age_over_18"], challenge=counter_challenge(desk1))
    first = verify(desk1, code)
    assert first["verdict"] == "valid" and reason_of(first, "challenge") == "challenge_answered"
    # The screenshot shown again at the same counter...
    again = verify(desk1, code)
    assert (again["verdict"], again["reason"]) == ("invalid", "replayed")
    # ...and at the other counter (another replica sharing the state): not its challenge.
    elsewhere = verify(desk2, code)
    assert (elsewhere["verdict"], elsewhere["reason"]) == ("invalid", "challenge_mismatch")


def test_a_code_is_replayed_at_another_replica_of_the_same_counter(
        web_world: World, tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = world_app(web_world, home, rate_limit="off", counter_id="desk-1")
    second = replica(web_world, home, counter_id="desk-1")  # preferred: no challenge needed
    try:
        code = web_world.live("bound", at=web_world.now - 3)
        result = verify(first.test_client(), code)
        assert result["verdict"] == "valid" and reason_of(result, "challenge") == "no_challenge"
        again = verify(second.test_client(), code)
        assert (again["verdict"], again["reason"]) == ("invalid", "replayed")
        # A printed code never touches the cache: shown again, still valid.
        assert verify(second.test_client(), web_world.qr["good"])["verdict"] == "valid"
        assert verify(second.test_client(), web_world.qr["good"])["verdict"] == "valid"
    finally:
        for app in (first, second):
            app.extensions["elicence.verifier"].close()


def test_required_policy_refuses_missing_and_stale_challenges(apps: list[Flask],
                                                              web_world: World) -> None:
    desk1 = apps[0].test_client()
    missing = verify(desk1, web_world.live("bound", at=web_world.now - 5))
    assert (missing["verdict"], missing["reason"]) == ("invalid", "challenge_missing")
    challenge = next(c for c in missing["checks"] if c["name"] == "challenge")
    assert "challenge" in challenge["message"] and challenge["message_zh"]
    challenges = apps[0].extensions["elicence.verifier"].challenges
    window = web_world.now // WINDOW_SECONDS
    previous = challenges.value(window - 1)
    assert verify(desk1, web_world.live("bound", at=web_world.now - 6, challenge=previous))[
        "verdict"] == "valid"  # the previous window is still accepted
    stale = challenges.value(window - 2)
    result = verify(desk1, web_world.live("bound", at=web_world.now - 7, challenge=stale))
    assert (result["verdict"], result["reason"]) == ("invalid", "challenge_mismatch")


def test_challenge_off_does_not_check(web_world: World, tmp_path: Path) -> None:
    app = world_app(web_world, tmp_path / "home", rate_limit="off", challenge="off")
    try:
        result = verify(app.test_client(), web_world.live("bound", at=web_world.now - 8,
                                                          challenge=b"any"))
        assert result["verdict"] == "valid" and reason_of(result, "challenge") == "not_applicable"
    finally:
        app.extensions["elicence.verifier"].close()


def test_a_wrong_policy_is_one_sentence(web_world: World, tmp_path: Path) -> None:
    from chain.config import ConfigError

    with pytest.raises(ConfigError, match="required, preferred or off"):
        world_app(web_world, tmp_path / "home", challenge="sometimes")


def receipts(client: FlaskClient, world: World, name: str = "bound") -> list[dict]:
    device = world.device_keys[name]
    from licence import compressed_public_key

    key = compressed_public_key(device)
    answer = client.post("/api/v1/receipts/query", json={
        "device_key": b64(key), "time": world.now,
        "signature": b64(sign(device, signed_message("list", world.now, key)))})
    assert answer.status_code == 200
    return answer.get_json()["receipts"]


def forged(world: World, i: int) -> str:
    """A live code naming "bound"'s (public) device key, signed by another device."""
    genuine = present(world.licences["bound"], None, world.device_keys["bound"],
                      world.now - i % 50, challenge=i.to_bytes(4, "big"))
    return replace(genuine, signature=sign(world.device_keys["bound_other"],
                                           _tbs(genuine.body))).to_qr()


def test_forged_posts_store_nothing_and_erase_nothing(web_world: World,
                                                      tmp_path: Path) -> None:
    app = world_app(web_world, tmp_path / "home", rate_limit="off", counter_id="desk-1")
    client = app.test_client()
    try:
        real = verify(client, web_world.live("bound", at=web_world.now - 9))
        assert real["verdict"] == "valid"
        assert len(receipts(client, web_world)) == 1
        result = verify(client, forged(web_world, 0))
        assert (result["verdict"], result["reason"]) == ("invalid", "device_signature_invalid")
        assert len(receipts(client, web_world)) == 1  # nothing stored for the forged post
        for i in range(1, 1_100):
            verify(client, forged(web_world, i))
        # The same real code replayed 20 times adds nothing either.
        for _ in range(20):
            verify(client, web_world.live("bound", at=web_world.now - 9))
        kept = receipts(client, web_world)
        assert [r["verdict"] for r in kept] == ["valid"]
    finally:
        app.extensions["elicence.verifier"].close()


def test_records_of_one_device_at_two_installations_cannot_be_linked(
        web_world: World, tmp_path: Path) -> None:
    made = [world_app(web_world, tmp_path / name, rate_limit="off", counter_id=name)
            for name in ("bank", "hotel")]
    try:
        keys = []
        for age, app in enumerate(made):
            assert verify(app.test_client(), web_world.live(
                "bound", at=web_world.now - 10 - age))["verdict"] == "valid"
            assert len(receipts(app.test_client(), web_world)) == 1
            engine = app.extensions["elicence.verifier"].state.engine
            with engine.connect() as connection:
                keys += connection.execute(select(usage_records.c.device)).scalars().all()
        assert len(keys) == 2 and keys[0] != keys[1]
    finally:
        for app in made:
            app.extensions["elicence.verifier"].close()
