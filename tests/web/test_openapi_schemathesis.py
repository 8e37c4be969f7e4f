"""Schemathesis against the live app (the one `elicence serve` builds, claim exchange
included, over the real world's index): for every operation of the OpenAPI document,
requests that fit it (positive) and requests that break it (negative), from a fixed seed and
a bounded number of examples. No answer may be a fault of ours (500, or a 5xx other than a
documented 503 "not available"), and every answer must fit the document: its status, media
type, headers and body; a request that breaks the document must be refused.

Not checked: that a request fitting the document is accepted. The document cannot say which
signatures, claim codes or challenges are genuine, so most fitting requests are refused,
rightly, with 400/401/404 (tests/web/test_api.py and the claim tests take those paths with
genuine values).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import load_all_checks
from schemathesis.core.transport import Response

from verifier.openapi import document

from ..verifier.world import World
from .conftest import world_app

load_all_checks()
from schemathesis.specs.openapi.checks import (  # noqa: E402  (registered by load_all_checks)
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# Per operation and mode: about 500 requests in the suite. A deeper run by hand:
#   ELICENCE_SCHEMATHESIS_EXAMPLES=500 .venv/bin/python -m pytest tests/web/test_openapi_sch*
EXAMPLES = int(os.environ.get("ELICENCE_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]
# 503 with these reasons is "try again later", documented: the test world has no chain
# node for the wallet's key lookup to ask.
UNAVAILABLE = {"index_unavailable", "key_unavailable", "issuer_unavailable"}
TOKEN = "operator-token-for-the-schemathesis-run"


def operations() -> list[Any]:
    return list(_operations())


def _operations() -> Iterator[Any]:
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            yield pytest.param(method.upper(), path, GenerationMode.POSITIVE,
                               id=f"{method.upper()} {path} positive")
            # Negative cases need something to break: a query or a body (a free-text path
            # segment has no wrong value).
            queries = [p for p in operation.get("parameters", ()) if p["in"] == "query"]
            if queries or "requestBody" in operation:
                yield pytest.param(method.upper(), path, GenerationMode.NEGATIVE,
                                   id=f"{method.upper()} {path} negative")


@pytest.fixture(scope="module")
def live_app(web_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = world_app(web_world, tmp_path_factory.mktemp("live-home"), claims=True,
                    rate_limit="off", operator_token=TOKEN)
    yield app
    app.extensions["elicence.verifier"].close()


@pytest.fixture(scope="module")
def api_schema(live_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", live_app)


def assert_not_our_fault(answer: Any, label: str) -> None:
    response = Response.from_any(answer)
    if response.status_code < 500:
        return
    try:
        reason = json.loads(response.content)["error"]["reason"]
    except (ValueError, KeyError, TypeError):
        reason = None
    assert response.status_code == 503 and reason in UNAVAILABLE, (
        label, response.status_code, response.content[:300])


@pytest.mark.parametrize(("method", "path", "mode"), operations())
def test_the_live_app_keeps_to_its_description(api_schema: Any, method: str, path: str,
                                               mode: GenerationMode) -> None:
    operation = api_schema[path][method]
    described = document()["paths"][path][method.lower()]
    # Behind the operator token where the document says so: the parsing after it is tested.
    headers = {"Authorization": f"Bearer {TOKEN}"} if "security" in described else None
    cases = operation.as_strategy(mode, headers=headers)
    if mode == GenerationMode.NEGATIVE:
        # A multipart form field is text whatever it reads ("false"): only other bodies
        # can break the document's types.
        cases = cases.filter(lambda case: case.media_type != "multipart/form-data")

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def run(case: Any) -> None:
        response = case.call()
        assert_not_our_fault(response, f"{method} {path}")
        case.validate_response(response, checks=CHECKS)

    run()
