"""More than 10,000 malformed requests through the HTTP API: the verifier's bad-input corpus
as JSON, plus broken HTTP (bodies, content types, uploads). Each gets a typed JSON error or
an unreadable/invalid verdict, never a 500, a hang or a memory blow-up."""

from __future__ import annotations

import io
import json
import random
import resource
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from verifier.openapi import ERROR_REASONS

from ..verifier.test_corpus import REASON, corpus
from ..verifier.world import World

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow,
              # the API refuses images over 40 MP itself, before Pillow's own warning matters
              pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")]

Request = dict[str, Any]


def as_json(text: str, genuine: set[str]) -> Request:
    # ensure_ascii: lone surrogates in the corpus travel as \ud800 escapes. The API strips
    # surrounding white space (as the CLI does), so " ELC1:<valid>" is the valid text again.
    return {"data": json.dumps({"qr": text}), "content_type": "application/json",
            "genuine": text.strip() in genuine}


def broken_http(world: World, rng: random.Random) -> Iterator[Request]:
    valid = world.qr["good"]
    body = json.dumps({"qr": valid})
    types = ["application/json", "text/plain", "application/x-www-form-urlencoded",
             "application/cbor", "image/png", "", "application/json; charset=latin-1",
             "multipart/form-data", "multipart/form-data; boundary=x"]
    for _ in range(300):  # random bytes under every content type
        yield {"data": rng.randbytes(rng.randrange(0, 3000)), "content_type": rng.choice(types)}
    for _ in range(300):  # truncated and bit-flipped JSON
        cut = body[: rng.randrange(0, len(body))]
        raw = bytearray(cut.encode())
        if raw:
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        yield {"data": bytes(raw), "content_type": "application/json"}
    yield {"data": body, "content_type": "application/json", "genuine": True}
    for value in (None, 1, 1.5, True, [], {}, ["ELC1:"], {"qr": valid}, "x" * 5000):
        yield {"data": json.dumps({"qr": value}), "content_type": "application/json"}
        yield {"data": json.dumps(value), "content_type": "application/json",
               "genuine": value == {"qr": valid}}
        yield {"data": json.dumps({"qr": valid, "challenge": value}),
               "content_type": "application/json"}
    for depth in (10, 100, 1000, 10_000, 30_000):  # deeply nested JSON
        yield {"data": "[" * depth + "]" * depth, "content_type": "application/json"}
        yield {"data": '{"qr":' * depth + "1" + "}" * depth, "content_type": "application/json"}
    for size in (70_000, 1 << 20, 9 << 20):  # huge bodies
        yield {"data": b"{" + b" " * size + b"}", "content_type": "application/json"}
    yield {"data": b"x" * (9 << 20), "content_type": "multipart/form-data; boundary=x"}
    for _ in range(100):  # uploads that are not images, or are broken ones
        data = rng.randbytes(rng.randrange(0, 5000))
        yield {"data": {"image": (io.BytesIO(data), "x.png")},
               "content_type": "multipart/form-data"}
    png = io.BytesIO()
    Image.new("L", (64, 64), 255).save(png, "PNG")
    for _ in range(50):
        raw = bytearray(png.getvalue())
        for _ in range(rng.randint(1, 5)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        yield {"data": {"image": (io.BytesIO(bytes(raw)), "x.png")},
               "content_type": "multipart/form-data"}
    bomb = io.BytesIO()  # a tiny file that claims 100 MP
    Image.new("1", (10_000, 10_000), 1).save(bomb, "PNG")
    yield {"data": {"image": (io.BytesIO(bomb.getvalue()), "bomb.png")},
           "content_type": "multipart/form-data"}
    yield {"data": {"image": (io.BytesIO(zlib.compress(bytes(1 << 20))), "z.png")},
           "content_type": "multipart/form-data"}


def test_malformed_requests_never_fail_the_server(client: FlaskClient,
                                                  web_world: World) -> None:
    rng = random.Random(20261122)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = 0
    outcomes: Counter[str] = Counter()
    genuine = {web_world.qr["good"], web_world.qr["revoked"], web_world.live("bound"),
               web_world.live("bound", disclose=["age_over_18"])}
    requests = [as_json(text, genuine) for text in corpus(web_world, rng)]
    requests += list(broken_http(web_world, rng))
    for request in requests:
        is_genuine = request.pop("genuine", False)
        answer = client.post("/api/v1/verify", **request)
        count += 1
        body = answer.get_json(silent=True)
        assert body is not None, (answer.status_code, request.get("content_type"))
        if answer.status_code == 200:
            if not is_genuine:
                assert body["verdict"] in {"unreadable", "invalid"}, body["verdict"]
            assert REASON.match(body["reason"] or "valid")
            outcomes[body["verdict"]] += 1
        else:
            assert answer.status_code in {400, 413, 415}, (answer.status_code, body)
            assert body["error"]["reason"] in ERROR_REASONS
            outcomes[body["error"]["reason"]] += 1
    assert count >= 10_000
    assert {"unreadable", "invalid", "bad_json", "bad_request", "too_large",
            "unsupported_media_type", "image_unreadable", "image_too_large"} <= set(outcomes)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kib < 300_000, grown_kib
