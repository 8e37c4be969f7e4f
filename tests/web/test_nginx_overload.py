"""nginx in front of two replicas under a burst far beyond what they can take at once: every
request is answered, each with a verdict or with a 503 in our JSON error model and a
Retry-After, and never with a 500.

Before decision 0255, a thousand simultaneous verifications made nginx run out of its 1,024
connections (each proxied request holds two) and answer 500 with its own HTML page; the
burst below reproduces that against the old configuration."""

from __future__ import annotations

import asyncio
import json
import resource
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from chain.config import Settings
from elicence.nginx import MAX_IN_FLIGHT

from ..support.services import nginx_server, replicas
from ..verifier.world import World

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CLIENTS = 1000  # simultaneous requests: more than 1,024 connections' worth once proxied
DEADLINE = 120  # seconds for the whole burst, answers included


@pytest.fixture(scope="module", autouse=True)
def enough_sockets() -> Iterator[None]:
    """The burst's client sockets, within this process's own limit (raised to its hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = CLIENTS + 256
    assert hard == resource.RLIM_INFINITY or hard >= wanted, (
        f"raise the open-files hard limit to at least {wanted} (ulimit -Hn) for this test")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory, web_world: World) -> Iterator[str]:
    base = tmp_path_factory.mktemp("overload")
    home = base / "home"
    home.mkdir()
    web_world.sync(Settings(home=home).index_path)
    # Budgets off: this test is about the proxy's capacity, not one client's budget.
    with replicas(home, 2, {"ELICENCE_RATE_LIMIT": "off"}) as running, \
            nginx_server(base / "nginx", [r.port for r in running]) as url:
        yield url


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Sends `request`, reads its answer (status, headers, body), closes the connection."""
    try:
        writer.write(request)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in
                   (line.partition(":") for line in head[1:] if line)}
        body = await reader.readexactly(int(headers["content-length"]))
        return int(head[0].split()[1]), headers, body
    finally:
        writer.close()


def exchange(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)

    async def run() -> tuple[int, dict[str, str], bytes]:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return await asyncio.wait_for(_exchange(reader, writer, request), 30)

    return asyncio.run(run())


def burst(url: str, body: bytes, clients: int) -> list[tuple[int, dict[str, str], bytes]]:
    """`clients` connections opened first, then one verification sent on each at once."""
    parts = urlsplit(url)
    request = (b"POST /api/v1/verify HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json"
               b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
               % (parts.netloc.encode(), len(body), body))

    async def run() -> list[tuple[int, dict[str, str], bytes]]:
        connections = await asyncio.wait_for(asyncio.gather(*(
            asyncio.open_connection(parts.hostname, parts.port) for _ in range(clients))),
            DEADLINE)
        return await asyncio.wait_for(asyncio.gather(*(
            _exchange(reader, writer, request) for reader, writer in connections)), DEADLINE)

    return asyncio.run(run())


def test_a_burst_beyond_capacity_is_answered_with_verdicts_and_503s_never_500(
        proxied: str, web_world: World) -> None:
    body = json.dumps({"qr": web_world.qr["good"]}).encode()
    answers = burst(proxied, body, CLIENTS)

    statuses = [status for status, _, _ in answers]
    assert len(statuses) == CLIENTS  # every connection answered, none cut
    assert 500 not in statuses and set(statuses) <= {200, 503}, sorted(set(statuses))
    # Overload really happened: far more arrived at once than 2 replicas × MAX_IN_FLIGHT.
    assert 0 < statuses.count(200) < CLIENTS and statuses.count(503) > 0
    assert statuses.count(200) >= 2 * MAX_IN_FLIGHT
    for status, headers, text in answers:
        if status == 200:
            assert "verdict" in json.loads(text)
            continue
        assert headers["content-type"] == "application/json"
        assert headers["retry-after"] == "2"
        assert headers["cache-control"] == "no-store"
        assert headers["x-content-type-options"] == "nosniff"
        error = json.loads(text)["error"]
        assert error["reason"] == "service_unavailable" and error["message_zh"]
    # The burst over, the same verification goes through at once.
    assert burst(proxied, body, 1)[0][0] == 200


def test_nginx_answers_its_own_refusals_in_our_error_model(proxied: str) -> None:
    """A request line nginx cannot read, and a body over the app's limit: JSON, not HTML."""
    for request, status, reason in (
            (b"NOT HTTP AT ALL\r\n\r\n", 400, "bad_request"),
            (b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
            (b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Content-Length: 9000000\r\n\r\n", 413, "too_large"),
            (b"GET /.errors/bad_request HTTP/1.1\r\nHost: x\r\n\r\n", 404, "not_found")):
        answer = exchange(proxied, request)
        assert answer[0] == status, answer
        assert answer[1]["content-type"] == "application/json"
        assert answer[1]["x-content-type-options"] == "nosniff"
        assert json.loads(answer[2])["error"]["reason"] == reason
