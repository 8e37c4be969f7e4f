"""Alerts as operators reach them: GET /api/v1/alerts behind the operator token, the
`elicence alerts` command and the webhook, over the real app, store and a real HTTP
receiver on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from flask import Flask

from elicence.cli import main
from verifier.alerts import AlertStore, WebhookSender
from verifier.state import StateStore

from ..web.conftest import world_app
from .world import World, ref

TOKEN = "op-" + "7f3a9c" * 6


@pytest.fixture
def app(world: World, tmp_path: Path) -> Iterator[Flask]:
    app = world_app(world, tmp_path / "home", rate_limit="off", counter_id="sh-pudong-1",
                    counter_region="310115", counter_latitude="31.2304",
                    counter_longitude="121.4737", operator_token=TOKEN,
                    alert_flush_interval="2", alert_client_lookups="3")
    yield app
    app.extensions["elicence.verifier"].close()


def stage_replay(app: Flask, world: World) -> None:
    """A live code shown twice, then a later request: the flush runs on the request path."""
    service = app.extensions["elicence.verifier"]
    clock = [world.now]
    service.clock = lambda: clock[0]
    client = app.test_client()
    code = world.live("bound")
    assert client.post("/api/v1/verify", json={"qr": code}).get_json()["verdict"] == "valid"
    assert client.post("/api/v1/verify", json={"qr": code}).get_json()["reason"] == "replayed"
    clock[0] += 3
    client.post("/api/v1/verify", json={"qr": world.qr["good"]})


def test_operators_list_alerts_with_their_token(app: Flask, world: World) -> None:
    stage_replay(app, world)
    client = app.test_client()
    answer = client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    (alert,) = answer.get_json()["alerts"]
    assert alert["kind"] == "replayed_code" and alert["evidence"]["counter"] == "sh-pudong-1"
    later = client.get(f"/api/v1/alerts?since={world.now + 60}",
                       headers={"Authorization": f"Bearer {TOKEN}"})
    assert later.get_json() == {"alerts": []}
    bad = client.get("/api/v1/alerts?since=yesterday",
                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 400 and bad.get_json()["error"]["reason"] == "bad_request"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-of-the-same-shape-000000000",
                                    f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "])
def test_without_the_token_alerts_are_refused_with_one_sentence(app: Flask, world: World,
                                                                header: str | None) -> None:
    stage_replay(app, world)
    headers = {} if header is None else {"Authorization": header}
    answer = app.test_client().get("/api/v1/alerts", headers=headers)
    assert answer.status_code == 401
    error = answer.get_json()["error"]
    assert error["reason"] == "operator_token_invalid"
    assert error["message"].count(".") == 1 and "Bearer" in error["message"]
    assert "alerts" not in answer.get_json()


def test_an_installation_without_a_token_lists_alerts_to_nobody(world: World,
                                                                tmp_path: Path) -> None:
    app = world_app(world, tmp_path / "home", rate_limit="off")
    try:
        for header in ("", "Bearer ", "Bearer None"):
            answer = app.test_client().get("/api/v1/alerts", headers={"Authorization": header})
            assert answer.status_code == 401
    finally:
        app.extensions["elicence.verifier"].close()


def test_a_short_operator_token_is_refused_at_start(world: World, tmp_path: Path) -> None:
    from chain.config import ConfigError

    with pytest.raises(ConfigError, match="openssl rand -hex 32"):
        world_app(world, tmp_path / "home", operator_token="secret")


def test_status_lookups_feed_the_enumeration_detector(app: Flask, world: World) -> None:
    service = app.extensions["elicence.verifier"]
    client = app.test_client()
    for label in ("good", "good_2", "revoked", "expired"):
        assert client.get(f"/api/v1/status?authority=1&ref={ref(label).hex()}"
                          ).status_code == 200
    (alert,) = service.alerts.flush(world.now)
    assert alert.kind == "status_enumeration" and alert.evidence["distinct_lookups"] == 4
    assert alert.evidence["client"] == service.alerts.client_key("127.0.0.1")


# ---------------------------------------------------------------------- the command
def test_elicence_alerts_lists_the_staged_alert(app: Flask, world: World,
                                                tmp_path: Path) -> None:
    stage_replay(app, world)
    env = {"ELICENCE_HOME": str(tmp_path / "home"), "ELICENCE_VERIFIER_STATE_URL": ""}
    listed = CliRunner().invoke(main, ["alerts", "--since", str(world.now - 10), "--json"],
                                env=env)
    assert listed.exit_code == 0, listed.output
    (alert,) = json.loads(listed.output)["alerts"]
    assert alert["kind"] == "replayed_code"
    text = CliRunner().invoke(main, ["alerts", "--since", "2000-01-01"], env=env)
    assert text.exit_code == 0
    assert "replayed_code" in text.output and "shown again at sh-pudong-1" in text.output
    none = CliRunner().invoke(main, ["alerts", "--since", str(world.now + 3600)], env=env)
    assert none.exit_code == 0 and none.output.startswith("No alerts since")


def test_elicence_alerts_refuses_a_bad_since_and_needs_no_state(tmp_path: Path) -> None:
    env = {"ELICENCE_HOME": str(tmp_path / "empty"), "ELICENCE_VERIFIER_STATE_URL": ""}
    bad = CliRunner().invoke(main, ["alerts", "--since", "last tuesday"], env=env)
    assert bad.exit_code == 2 and "an age such as 30m" in bad.output
    assert "Traceback" not in bad.output
    empty = CliRunner().invoke(main, ["alerts"], env=env)
    assert empty.exit_code == 0 and empty.output.startswith("No alerts since")
    assert not (tmp_path / "empty" / "verifier-state.sqlite").exists()
    assert CliRunner().invoke(main, ["alerts", "--help"]).exit_code == 0


# ---------------------------------------------------------------------- the webhook
class Receiver(BaseHTTPRequestHandler):
    answers: ClassVar[list[int]] = []
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).answers.pop(0) if type(self).answers else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.answers, Receiver.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_the_webhook_gets_each_alert_once_and_failures_wait_and_retry(
        tmp_path: Path, receiver: str, caplog: pytest.LogCaptureFixture) -> None:
    state = StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}")
    store = AlertStore(state)
    alert = store.raise_alert(time=1000, kind="replayed_code", subject="ab" * 16, period=0,
                              evidence={"ref": "ab" * 16, "counter": "sh-pudong-1"})
    assert alert is not None
    clock = [1000.0]
    sender = WebhookSender(store, receiver, timeout=2, clock=lambda: clock[0])
    Receiver.answers = [500]
    with caplog.at_level(logging.WARNING, logger="elicence.alerts"):
        assert sender.deliver_due() == 0
    assert f"alert {alert.id} could not be posted to the webhook (HTTP 500)" in caplog.text
    assert "ab" * 16 not in caplog.text and receiver not in caplog.text
    assert sender.deliver_due() == 0  # not due again yet
    clock[0] += 30
    assert sender.deliver_due() == 1
    clock[0] += 3600
    assert sender.deliver_due() == 0  # delivered: never posted again
    assert [r["alert"]["id"] for r in Receiver.received] == [alert.id, alert.id]
    assert store.since(0)[0].delivered
    state.close()


def test_an_unreachable_webhook_is_logged_and_verification_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    state = StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}")
    store = AlertStore(state)
    store.raise_alert(time=1000, kind="replayed_code", subject="x", period=0, evidence={})
    closed = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    url = f"http://127.0.0.1:{closed.server_address[1]}/hook"
    closed.server_close()  # nothing listens there any more
    with caplog.at_level(logging.WARNING, logger="elicence.alerts"):
        assert WebhookSender(store, url, timeout=1, clock=lambda: 1000).deliver_due() == 0
    assert "URLError" in caplog.text
    assert not store.since(0)[0].delivered
    state.close()
