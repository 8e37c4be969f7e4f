"""Every answer of the app, errors included, carries `Cache-Control: no-store` (unless it is
a public file with its own caching), `X-Content-Type-Options: nosniff` and a
Content-Security-Policy; request bodies are read with a deadline (408)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from elicence.limits_body import BodyDeadline
from elicence.web_errors import render_error
from tests.support.ports import free_port

from ..support.serving import claims_app
from ..verifier.world import World
from .conftest import world_app

ROOT = Path(__file__).resolve().parents[2]


def assert_secure(response, *, cached: bool = False) -> None:
    headers = response.headers
    assert headers.get_all("X-Content-Type-Options") == ["nosniff"], response.status
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], response.status
    if cached:
        assert "no-store" not in headers["Cache-Control"]
    else:
        assert headers["Cache-Control"] == "no-store", response.status


def test_errors_and_answers_of_the_verifier_and_wallet(client: FlaskClient,
                                                        web_world: World) -> None:
    cases = [
        (client.get("/nothing-here"), 404),
        (client.get("/api/v1/verify"), 405),
        (client.post("/api/v1/verify", data=b"x" * (9 << 20),
                     content_type="multipart/form-data; boundary=x"), 413),
        (client.post("/api/v1/verify", data="ELC1:", content_type="text/plain"), 415),
        (client.post("/api/v1/verify", data="{", content_type="application/json"), 400),
        (client.post("/api/v1/verify", json={"qr": web_world.qr["good"]}), 200),
        (client.get("/api/v1/schemas"), 200),
        (client.get("/api/v1/status?authority=x"), 400),
        (client.get("/wallet/schemas/nope.json"), 404),
        (client.get("/wallet/api/key?authority=x"), 400),
        (client.get("/verify"), 200),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.status_code, status)
        assert_secure(response)
        response.close()
    for path in ("/static/counter/counter.js", "/wallet/", "/wallet/static/wallet.css"):
        response = client.get(path)
        assert_secure(response, cached=response.status_code == 200)
        response.close()


def test_a_refused_request_carries_them_too(web_world: World, tmp_path) -> None:
    app = world_app(web_world, tmp_path / "home", rate_limit="1/minute")
    try:
        client = app.test_client()
        client.post("/api/v1/verify", json={"qr": "x"})
        refused = client.get("/verify")
        assert refused.status_code == 429
        assert_secure(refused)
    finally:
        app.extensions["elicence.verifier"].close()


@pytest.fixture
def claim_server(tmp_path: Path) -> Iterator[Flask]:
    with claims_app(tmp_path) as app:
        yield app


def test_claim_answers(claim_server: Flask) -> None:
    client = claim_server.test_client()
    challenge = client.post("/api/v1/claims/challenge")
    assert challenge.status_code == 200 and "challenge" in challenge.get_json()
    refused = client.post("/api/v1/claims", json={"code": "x"})
    assert refused.status_code == 400
    for response in (challenge, refused, client.get("/api/v1/claims")):
        assert_secure(response)


class SlowBody(io.RawIOBase):
    """A body whose every read takes `step` seconds of the layer's clock (the test's
    clock: nothing sleeps)."""

    def __init__(self, clock: list[float], step: float) -> None:
        self.clock, self.step = clock, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.clock[0] += self.step
        return b" "


def test_a_slow_body_is_answered_408() -> None:
    now = [0.0]

    def inner(environ, start_response):
        raise AssertionError("the app must not see a body that came too late")

    layer = BodyDeadline(inner, render_error, max_bytes=1 << 20, seconds=10,
                         clock=lambda: now[0])
    answered: list[str] = []
    body = b"".join(layer({"REQUEST_METHOD": "POST", "CONTENT_LENGTH": "1000",
                           "wsgi.input": SlowBody(now, 3.0)},
                          lambda status, headers: answered.append(status)))
    assert answered == ["408 Request Timeout"]
    assert b"request_timeout" in body and b"too slowly" in body


def test_a_stalled_body_does_not_hold_the_one_worker(tmp_path: Path) -> None:
    """A real `elicence serve` (1 worker, 1 thread, no proxy in front) and a client that
    sends half its body and stops: it gets 408, and the next client is answered."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "elicence", "serve", "--port", str(port), "--no-follow",
         "--workers", "1"],
        env={**os.environ, "ELICENCE_HOME": str(tmp_path), "ELICENCE_RATE_LIMIT": "off",
             "ELICENCE_BODY_TIMEOUT": "1"},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(port)
        with socket.create_connection(("127.0.0.1", port), timeout=60) as stalled:
            stalled.sendall(b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\n"
                            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                            b'{"qr": "ELC1:')
            answer = read_answer(stalled)  # waits for the server's answer
        assert answer.startswith("HTTP/1.1 408")
        assert "request_timeout" in answer and "nosniff" in answer
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/schemas",
                                    timeout=60) as after:
            assert after.status == 200
    finally:
        server.terminate()
        server.wait(15)


def read_answer(sock: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536) or b"?\r\n\r\n"
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed before its answer was complete"
        body += chunk
    return (head + b"\r\n\r\n" + body).decode()


def wait_until_serving(port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/verify", timeout=5):
                return
        except OSError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
