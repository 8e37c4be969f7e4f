"""Counters of one installation with policies of their own (verifier.counter_policy,
config.json "counter_policies"), through the HTTP API of a real app over the world's index.

The installation takes only Guangdong's licences (region 44); its counter tax-3 only
business licences; its counter sh-1 Shanghai's (region 31). The same genuine Shanghai
driving licence is VALID at sh-1 and `not_accepted` at tax-3 and without a token. Only a
valid counter token selects a counter's policy: a made-up one is refused 401, as the
request budget refuses it, and never reaches a counter's policy.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from elicence.limits_counters import CounterTokens
from issuer.render.qr_image import render_qr_png

from ..verifier.world import World
from .conftest import world_app
from .test_api import error_of

pytestmark = pytest.mark.timeout(120)

POLICIES = {
    "tax-3": {"accept_types": ["business"]},
    "sh-1": {"accept_regions": ["31"]},
    "desk-2": {"accept_regions": "31,44", "challenge": "required"},
}


@pytest.fixture(scope="module")
def app(web_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    made = world_app(web_world, tmp_path_factory.mktemp("cpolicy") / "home",
                     rate_limit="off", counter_id="sz-hall", accept_regions="44",
                     **{"counter_policies": POLICIES})  # type: ignore[arg-type]
    yield made
    made.extensions["elicence.verifier"].close()


def token(app: Flask, counter: str) -> dict[str, str]:
    minted = CounterTokens(app.extensions["elicence.verifier"].state.secret).mint(counter)
    return {"Authorization": f"Counter {minted}"}


def verify(client: FlaskClient, text: str, headers: dict[str, str] | None = None,
           **body: Any) -> dict[str, Any]:
    answer = client.post("/api/v1/verify", json={"qr": text, **body}, headers=headers or {})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def challenge_of(client: FlaskClient, headers: dict[str, str]) -> bytes:
    shown = client.get("/api/v1/challenge", headers=headers).get_json()
    return base64.urlsafe_b64decode(shown["challenge"] + "==")


def acceptance(result: dict[str, Any]) -> dict[str, Any]:
    return {c["name"]: c for c in result["checks"]}["acceptance"]


def test_two_counters_give_valid_and_not_accepted_for_one_licence(
        app: Flask, web_world: World) -> None:
    client = app.test_client()
    at_sh1 = verify(client, web_world.qr["good"], token(app, "sh-1"))
    assert at_sh1["verdict"] == "valid"
    assert acceptance(at_sh1)["reason"] == "accepted_here"

    at_tax3 = verify(client, web_world.qr["good"], token(app, "tax-3"))
    assert (at_tax3["verdict"], at_tax3["reason"]) == ("not_accepted",
                                                       "licence_type_not_accepted")
    assert at_tax3["claims"]["family_name"] == "欧阳"  # genuine: its claims are shown
    why = acceptance(at_tax3)
    assert why["message"] == (
        "Genuine, but this counter does not accept this kind of licence (Driving licence) "
        "under counter tax-3's policy; direct the holder to a counter that handles it.")
    assert "（tax-3 号柜台的受理规则）" in why["message_zh"]


def test_without_a_token_or_an_entry_the_installations_policy_applies(
        app: Flask, web_world: World) -> None:
    client = app.test_client()
    for headers in ({}, token(app, "bank-9")):  # no token; a valid token without an entry
        result = verify(client, web_world.qr["good"], headers)
        assert (result["verdict"], result["reason"]) == ("not_accepted",
                                                         "issuer_not_accepted")
        message = acceptance(result)["message"]
        assert message.startswith("Genuine, but this counter does not accept licences "
                                  "issued by CN-31-DMV (region 31); direct")  # no counter named


@pytest.mark.parametrize("forged", [
    "sh-1." + "A" * 22,  # a counter's id with a made-up MAC
    "sh-1",  # no MAC at all
    "tax-3." + base64.urlsafe_b64encode(b"\0" * 16).decode()[:22],
])
def test_a_made_up_token_never_selects_a_counters_policy(
        app: Flask, web_world: World, forged: str) -> None:
    client = app.test_client()
    answer = client.post("/api/v1/verify", json={"qr": web_world.qr["good"]},
                         headers={"Authorization": f"Counter {forged}"})
    assert answer.status_code == 401
    assert error_of(answer)["reason"] == "counter_token_invalid"  # an error, no verdict
    upload = client.post("/api/v1/verify", data={"qr": web_world.qr["good"]},
                         content_type="multipart/form-data",
                         headers={"Authorization": f"Counter {forged}"})
    assert upload.status_code == 401
    challenge = client.get("/api/v1/challenge", headers={"Authorization": f"Counter {forged}"})
    assert challenge.status_code == 401


def test_an_image_upload_gets_the_counters_policy(app: Flask, web_world: World) -> None:
    client = app.test_client()
    png = render_qr_png(web_world.qr["good"], box_size=6)

    def upload(headers: dict[str, str]) -> dict[str, Any]:
        answer = client.post("/api/v1/verify", data={"image": (io.BytesIO(png), "scan.png")},
                             content_type="multipart/form-data", headers=headers)
        assert answer.status_code == 200
        return answer.get_json()

    assert upload(token(app, "sh-1"))["verdict"] == "valid"
    assert upload(token(app, "tax-3"))["verdict"] == "not_accepted"
    assert upload({})["verdict"] == "not_accepted"


def test_the_challenge_setting_is_the_counters_own(app: Flask, web_world: World) -> None:
    client = app.test_client()
    assert client.get("/api/v1/challenge").get_json()["policy"] == "preferred"
    assert client.get("/api/v1/challenge",
                      headers=token(app, "desk-2")).get_json()["policy"] == "required"
    assert client.get("/api/v1/challenge",
                      headers=token(app, "sh-1")).get_json()["policy"] == "preferred"

    # A live code without the counter's challenge: desk-2 requires one, sh-1 prefers it.
    at_desk2 = verify(client, web_world.live("bound", at=web_world.now - 3), token(app, "desk-2"))
    assert (at_desk2["verdict"], at_desk2["reason"]) == ("invalid", "challenge_missing")
    at_sh1 = verify(client, web_world.live("bound", at=web_world.now - 4), token(app, "sh-1"))
    assert at_sh1["verdict"] == "valid"
    assert {c["name"]: c["reason"] for c in at_sh1["checks"]}["challenge"] == "no_challenge"

    # Answering the challenge the page fetched with desk-2's token passes there.
    value = challenge_of(client, token(app, "desk-2"))
    answered = verify(client, web_world.live("bound", at=web_world.now - 5, challenge=value),
                      token(app, "desk-2"))
    assert answered["verdict"] == "valid"


def test_a_code_made_for_one_counter_answers_no_other(app: Flask, web_world: World) -> None:
    """Each token's counter has challenges of its own: a live code relayed from desk-2 to
    another desk of the same server (or to its page without a token) is refused there."""
    client = app.test_client()
    desk2 = challenge_of(client, token(app, "desk-2"))
    assert desk2 not in (challenge_of(client, token(app, "sh-1")), challenge_of(client, {}))
    for at, headers in ((6, token(app, "sh-1")), (7, {})):
        relayed = verify(client, web_world.live("bound", at=web_world.now - at,
                                                challenge=desk2), headers)
        assert (relayed["verdict"], relayed["reason"]) == ("invalid", "challenge_mismatch")
